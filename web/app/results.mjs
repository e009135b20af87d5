// Writes a worker reply into the result cards. Every number goes into an element found by its
// data-testid: the text is rounded, data-value holds String(value) at full precision.
import * as fmt from './format.mjs';

function set(testid, value, text) {
  const el = document.querySelector(`[data-testid="${testid}"]`);
  el.dataset.value = typeof value === 'string' ? value : String(value);
  el.textContent = text;
}

function minMax(typed) {
  let lo = Infinity, hi = -Infinity;
  for (const v of typed) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return [lo, hi];
}

export function renderResults(reply, { build, kernelTier }) {
  const { tensor, options, quant, view } = reply;
  const m = quant.metrics;
  set('metric-sqnr', m.sqnrDb, `${fmt.fixed(m.sqnrDb, 2)} dB`);
  set('metric-mse', m.mse, fmt.sig(m.mse));
  set('metric-max-abs-error', m.maxAbsError, fmt.sig(m.maxAbsError));
  set('metric-cosine', m.cosine, fmt.cosine(m.cosine));

  const perChannel = options.axis !== null;
  document.getElementById('scale-label').textContent = perChannel ? `Scale (channel ${view.channel})` : 'Scale';
  document.getElementById('zp-label').textContent = perChannel ? `Zero point (channel ${view.channel})` : 'Zero point';
  document.getElementById('clip-label').textContent = perChannel ? `Clipping range (channel ${view.channel})` : 'Clipping range';
  set('param-scale', view.scale, fmt.sig(view.scale, 5));
  set('param-zero-point', view.zeroPoint, fmt.integer(view.zeroPoint));
  for (const el of document.querySelectorAll('.per-channel')) el.hidden = !perChannel;
  const [sMin, sMax] = minMax(quant.scales);
  const [zMin, zMax] = minMax(quant.zeroPoints);
  set('param-scale-min', sMin, fmt.sig(sMin));
  set('param-scale-max', sMax, fmt.sig(sMax));
  set('param-zero-point-min', zMin, fmt.integer(zMin));
  set('param-zero-point-max', zMax, fmt.integer(zMax));
  set('param-qmin', quant.qmin, fmt.integer(quant.qmin));
  set('param-qmax', quant.qmax, fmt.integer(quant.qmax));
  set('param-clip-lo', view.clip[0], fmt.sig(view.clip[0]));
  set('param-clip-hi', view.clip[1], fmt.sig(view.clip[1]));

  const s = tensor.stats;
  set('stat-name', tensor.name, tensor.name);
  set('stat-shape', JSON.stringify(tensor.shape), fmt.shape(tensor.shape));
  // Model tensors carry the reader's dtype ('f32', 'bf16', ...) and the file's own name for it.
  const isFloat32 = tensor.dtype === '<f4' || tensor.dtype === 'f32';
  set('stat-dtype', tensor.dtype, isFloat32 ? 'float32' : `${tensor.storedType ?? tensor.dtype} (read as float32)`);
  set('stat-count', s.count, fmt.integer(s.count));
  set('stat-min', s.min, fmt.sig(s.min));
  set('stat-max', s.max, fmt.sig(s.max));
  set('stat-mean', s.mean, fmt.sig(s.mean));
  set('stat-std', s.std, fmt.sig(s.std));

  set('run-build', build, build === 'simd' ? `SIMD (${kernelTier})` : `scalar (${kernelTier})`);
  set('run-count', quant.count, fmt.integer(quant.count));
  set('run-ms', quant.ms, `${fmt.fixed(quant.ms, quant.ms < 10 ? 2 : 1)} ms`);
  // Coarse timers (no cross-origin isolation) can report 0 ms: no rate then, rather than "∞".
  const rate = quant.ms > 0 ? quant.count / (quant.ms / 1000) : null;
  set('run-rate', rate, rate === null ? '—' : `${fmt.sig(rate / 1e6, 3)} M values/s`);

  document.getElementById('chart-title').textContent = perChannel
    ? `Values of channel ${view.channel} along axis ${options.axis} (${fmt.integer(view.count)} values)`
    : `All ${fmt.integer(view.count)} values`;
}
