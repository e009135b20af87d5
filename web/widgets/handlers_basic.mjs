// The widget worker's requests for <qp-value>, <qp-float-bits> and <qp-tensor> (docs/widgets.md).
// Stateless: each request names its number or tensor; every number a widget shows comes from the
// core's kernels (runScheme, gridLevels, histogram, stats), the rest is bookkeeping for the drawing.
import { QplayError } from '../lib/qplay.mjs';
import { FLOAT_FORMATS } from './float_layout.mjs';
import { makeWidgetTensor } from './widget_tensor.mjs';
import { unitName, unitValues } from '../app/units.mjs';

function userError(message) {
  return new QplayError(message);
}

function finite(x, name) {
  const v = Number(x);
  if (!Number.isFinite(v)) throw userError(`${name} must be a finite number`);
  return v;
}

/** Ties to even, the core's rounding rule (docs/numerics.md): only to show the step, never the code. */
function roundHalfEven(x) {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * One number quantized with a fixed range: runScheme's int grid with clip = [min, max], so the
 * scale and zero point are the core's (PyTorch numerics widen the range to include 0).
 * → {input, scale, zeroPoint, qmin, qmax, scaled (x⊙scale), rounded, shifted (+ zero point), code (clamped),
 *    dequantized, error, clip, grid}
 */
function quantizeValue(qp, msg) {
  const value = finite(msg.value, 'value'), min = finite(msg.min, 'min'), max = finite(msg.max, 'max');
  if (!(min < max)) throw userError(`min (${min}) must be less than max (${max})`);
  const x = Float32Array.of(value);
  const r = qp.runScheme(x, [1], { format: 'int', bits: msg.bits, scheme: msg.scheme, signed: msg.signed,
    mode: msg.mode, clip: [min, max] });
  const { integer } = r;
  const scale = integer.scales[0], zeroPoint = integer.zeroPoints[0];
  const grid = qp.gridLevels(scale, zeroPoint, integer.qmin, integer.qmax);
  const input = x[0];  // the float32 the core quantized
  // The step as the mode computes it, in float32 (docs/numerics.md §3): PyTorch multiplies by
  // fl(1/scale), ONNX divides. Shown only; the code itself is the core's.
  const scaled = integer.mode === 'onnx' ? Math.fround(input / scale) : Math.fround(input * Math.fround(1 / scale));
  const rounded = roundHalfEven(scaled);
  const dequantized = r.dequantized[0];
  return {
    input, scale, zeroPoint, qmin: integer.qmin, qmax: integer.qmax, bits: integer.bits, signed: integer.signed,
    scheme: integer.scheme, mode: integer.mode, rangeMin: integer.observedMin[0], rangeMax: integer.observedMax[0],
    scaled, rounded, shifted: rounded + zeroPoint, code: integer.codes[0], dequantized,
    error: input - dequantized, clip: [grid[0], grid[grid.length - 1]], grid,
  };
}

/**
 * One number rounded to a float format by the core: fp16 and bf16 are plain casts; the FP8 schemes
 * divide by a scale amax / format max, so the tensor carries the format's max beside the value to
 * make that scale exactly 1 (a plain cast). Beyond the max the cast saturates (the core's default).
 * float32: the nearest float32, which is what the core receives. → {input, stored, error, saturated}
 */
function floatBits(qp, msg) {
  const format = String(msg.format);
  const info = FLOAT_FORMATS[format];
  if (!info) throw userError(`unknown format '${format}' (expected one of: ${Object.keys(FLOAT_FORMATS).join(', ')})`);
  const value = finite(msg.value, 'value');
  const f32 = Math.fround(value);
  let stored, saturated = false;
  if (format === 'fp32') {
    stored = f32;
  } else if (format === 'fp16' || format === 'bf16') {
    stored = qp.runScheme(Float32Array.of(value), [1], { format }).dequantized[0];
  } else {
    saturated = Math.abs(f32) > info.max;
    const x = saturated ? Math.sign(f32) * info.max : f32;
    const r = qp.runScheme(Float32Array.of(x, info.max), [2], { format });
    if (r.levels[r.levels.length - 1] !== info.max) throw new Error(`${format}: the core did not scale by 1`);
    stored = r.dequantized[0];
    // A value that rounds to zero keeps its sign in the format (-0); the core's product keeps it too.
  }
  return { format, input: value, float32: f32, stored, error: value - stored, saturated };
}

// ---- <qp-tensor> ----

// A few recent tensors, so that changing the bits does not regenerate or refetch the values.
const cache = new Map();
function remember(key, make) {
  if (cache.has(key)) return cache.get(key);
  const p = Promise.resolve().then(make);
  cache.set(key, p);
  p.catch(() => cache.delete(key));
  if (cache.size > 4) cache.delete(cache.keys().next().value);
  return p;
}

async function loadTensor(qp, msg) {
  if (msg.src) {
    return remember(`src ${msg.src}`, async () => {
      let response;
      try {
        response = await fetch(msg.src);
      } catch (e) {
        throw userError(`could not fetch ${msg.src} (${e.message})`);
      }
      if (!response.ok) throw userError(`could not fetch ${msg.src}: HTTP ${response.status}`);
      const npy = qp.readNpy(new Uint8Array(await response.arrayBuffer()));
      const name = decodeURIComponent(new URL(msg.src).pathname.split('/').pop());
      return { name, shape: npy.shape, data: npy.data, stats: qp.stats(npy.data) };
    });
  }
  // The same tensor as <qp-compare> with the same attributes (widget_tensor.mjs checks them).
  const { distribution = 'normal', seed = 1, size = 4096 } = msg;
  return remember(`gen ${distribution} ${seed} ${size}`, () => {
    const { name, shape, data } = makeWidgetTensor({ distribution, seed, size });
    return { name, shape, data, stats: qp.stats(data) };
  });
}

/** runScheme's options from the widget's: what the format does not take is left out, not refused. */
function schemeOptions(qp, msg, shape) {
  const info = qp.schemes().find((s) => s.name === msg.format);
  if (!info) throw userError(`unknown format '${msg.format}' (expected one of: ${qp.schemes().map((s) => s.name).join(', ')})`);
  const options = { format: info.name, scheme: msg.scheme, signed: msg.signed, mode: msg.mode };
  if (info.minBits > 0) {
    const bits = Number(msg.bits);
    if (!Number.isInteger(bits) || bits < info.minBits || bits > info.maxBits)
      throw userError(`${info.name} takes bits from ${info.minBits} to ${info.maxBits}, not '${msg.bits}'`);
    options.bits = bits;
  }
  if (info.takesGranularity && msg.granularity !== 'tensor') {
    if (shape.length < 2) throw userError(`a tensor of shape [${shape}] has no channels: use granularity="tensor"`);
    if (msg.granularity === 'channel') options.axis = 0;
    else if (msg.granularity === 'group') {
      options.axis = shape.length - 1;
      options.groupSize = Number(msg.groupSize);
    } else throw userError(`granularity must be tensor, channel or group, not '${msg.granularity}'`);
  }
  if (info.takesCalibration) options.calibration = msg.calibration;
  return options;
}

/**
 * A tensor's histogram with the quantization grid and clipping range, and the core's metrics. Per
 * channel or group, `unit` picks the unit drawn: its values, its grid and its range (a non-int
 * format reports the levels of unit 0 only, so other units show no grid). → {tensor, label,
 * options, bitsPerWeight, units, unit, unitName, unitMse, metrics, histogram, grid, clip, scale, zeroPoint}
 */
async function tensorView(qp, msg) {
  const tensor = await loadTensor(qp, msg);
  const options = schemeOptions(qp, msg, tensor.shape);
  const r = qp.runScheme(tensor.data, tensor.shape, options);
  const wanted = Number(msg.unit ?? 0);
  if (!Number.isInteger(wanted) || wanted < 0) throw userError(`unit must be a whole number from 0, got '${msg.unit}'`);
  const unit = Math.min(wanted, r.units - 1);  // past the last unit: the last (the note says which is shown)
  const axis = r.unitAxis, group = r.unitGroup ?? 0;
  const values = r.units > 1 ? unitValues(tensor.data, tensor.shape, axis, group, unit) : tensor.data;
  const stats = r.units > 1 ? qp.stats(values) : tensor.stats;
  let grid = unit === 0 ? r.levels : new Float32Array(0), scale = null, zeroPoint = null;
  if (r.integer) {
    scale = r.integer.scales[unit];
    zeroPoint = r.integer.zeroPoints[unit];
    grid = qp.gridLevels(scale, zeroPoint, r.integer.qmin, r.integer.qmax);
  }
  const clip = grid.length > 1 ? [grid[0], grid[grid.length - 1]] : null;
  let lo = Math.min(stats.min, clip ? clip[0] : Infinity);
  let hi = Math.max(stats.max, clip ? clip[1] : -Infinity);
  const pad = (hi - lo) * 0.03 || Math.abs(hi) * 0.1 || 1;
  lo -= pad;
  hi += pad;
  const bins = Math.max(32, Math.min(120, Math.round(Math.sqrt(values.length))));
  const histogram = qp.histogram(values, bins, lo, hi);
  return {
    tensor: { name: tensor.name, shape: tensor.shape, count: tensor.data.length, stats: tensor.stats },
    label: r.label, options: r.options, bitsPerWeight: r.bitsPerWeight, units: r.units, metrics: r.metrics,
    unit, unitName: unitName(tensor.shape, axis, group, unit), unitCount: values.length, unitStats: stats,
    unitMse: r.units > 1 ? r.unitMse[unit] : r.metrics.mse,
    histogram: { lo: histogram.lo, hi: histogram.hi, counts: histogram.counts, below: histogram.below, above: histogram.above },
    grid, clip, scale, zeroPoint,
  };
}

export const handlers = {
  quantizeValue: async (qp, msg) => quantizeValue(qp, msg),
  floatBits: async (qp, msg) => floatBits(qp, msg),
  tensorView: async (qp, msg) => tensorView(qp, msg),
};
