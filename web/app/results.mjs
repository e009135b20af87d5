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
  set('result-label', quant.label, quant.label);
  set('result-bpw', quant.bitsPerWeight, fmt.fixed(quant.bitsPerWeight, 3));
  set('result-size', quant.storedBits, fmt.bytesText(Math.ceil(quant.storedBits / 8)));
  set('result-units', quant.units, fmt.integer(quant.units));
  set('metric-sqnr', m.sqnrDb, `${fmt.fixed(m.sqnrDb, 2)} dB`);
  set('metric-mse', m.mse, fmt.sig(m.mse));
  set('metric-max-abs-error', m.maxAbsError, fmt.sig(m.maxAbsError));
  set('metric-cosine', m.cosine, fmt.cosine(m.cosine));

  const many = view.channels > 1;
  const unit = view.group ? `group ${view.channel}` : `channel ${view.channel}`;
  document.getElementById('scale-label').textContent = many ? `Scale (${unit})` : 'Scale';
  document.getElementById('zp-label').textContent = many ? `Zero point (${unit})` : 'Zero point';
  document.getElementById('clip-label').textContent = many ? `Clipping range (${unit})` : 'Clipping range';
  for (const el of document.querySelectorAll('.per-channel')) el.hidden = !many || !quant.integer;
  const dash = (testid) => set(testid, '', '—');
  if (quant.integer) {
    set('param-scale', view.scale, fmt.sig(view.scale, 5));
    set('param-zero-point', view.zeroPoint, fmt.integer(view.zeroPoint));
    const [sMin, sMax] = minMax(quant.scales);
    const [zMin, zMax] = minMax(quant.zeroPoints);
    set('param-scale-min', sMin, fmt.sig(sMin));
    set('param-scale-max', sMax, fmt.sig(sMax));
    set('param-zero-point-min', zMin, fmt.integer(zMin));
    set('param-zero-point-max', zMax, fmt.integer(zMax));
    set('param-qmin', quant.qmin, fmt.integer(quant.qmin));
    set('param-qmax', quant.qmax, fmt.integer(quant.qmax));
  } else {
    for (const t of ['param-scale', 'param-zero-point', 'param-scale-min', 'param-scale-max', 'param-zero-point-min',
      'param-zero-point-max', 'param-qmin', 'param-qmax']) dash(t);
  }
  if (view.clip) {
    set('param-clip-lo', view.clip[0], fmt.sig(view.clip[0]));
    set('param-clip-hi', view.clip[1], fmt.sig(view.clip[1]));
  } else {
    dash('param-clip-lo');
    dash('param-clip-hi');
  }

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

  const gridNote = view.grid.length ? '' : quant.integer ? '' : view.channel === 0 ? ' (levels not listed: too many)'
    : ' (levels drawn for unit 0 only)';
  document.getElementById('chart-title').textContent = many
    ? `Values of ${view.unitName} (${fmt.integer(view.count)} values)${gridNote}`
    : `All ${fmt.integer(view.count)} values${gridNote}`;
  const e = reply.errors;
  document.getElementById('error-title').textContent = `Error x − x̂ of ${many ? view.unitName : 'all values'}: ` +
    `${fmt.sig(e.min)} … ${fmt.sig(e.max)}`;
  document.getElementById('unit-title').textContent = quant.units > 1
    ? `Error per unit: ${fmt.integer(quant.units)} units` : 'Error per unit: one unit (the whole tensor)';
}
