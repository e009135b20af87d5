// Export layouts shared by the page and the CLI. The bytes are made by the core (encodeNpy,
// encodeSafetensors); this file only decides names and layout, documented in README.md:
//
// Quantized .safetensors: for each quantized tensor NAME
//   NAME             int8 (uint8 when unsigned) codes, the tensor's shape
//   NAME.scale       float32 [C]   C = 1 per tensor, else the size of the channel axis; per group
//                    the tensor's shape with the axis replaced by the number of groups, so
//                    scale.repeat_interleave(group_size, axis)[..., :size] lines up with NAME
//   NAME.zero_point  int32, the shape of NAME.scale
// tensors that were not quantized are kept as float32 under their own name, and
// __metadata__["qplay.quantization"] holds JSON {NAME: {bits, signed, scheme, mode, axis, groupSize, narrowRange, reduceRange, qmin, qmax}}.
// Dequantized ("fake-quantized") .safetensors: every tensor as float32 under its own name, the
// quantized ones replaced by dequantize(quantize(x)), so it loads where the original did.
// .npz: one tensor -> codes.npy, scales.npy, zero_points.npy, dequantized.npy, observed_min.npy,
// observed_max.npy; several -> the same six per tensor under "NAME/".
import { zipSync } from 'fflate';

/** @typedef {{name: string, result: object}} Quantized   result = quantize()'s return (or runScheme()'s for the dequantized export) */
/** @typedef {{name: string, shape: number[], data: Float32Array}} Kept */

function describe(r) {
  if (r.options) return { format: r.format, label: r.label, bitsPerWeight: r.bitsPerWeight, ...r.options };  // runScheme()
  return { bits: r.bits, signed: r.signed, scheme: r.scheme, mode: r.mode, axis: r.axis, groupSize: r.groupSize ?? null,
    narrowRange: !!r.narrowRange, reduceRange: !!r.reduceRange, qmin: r.qmin, qmax: r.qmax };
}

/** Shape of a result's scales / zero points: [C], or per group the tensor's shape with the axis cut into groups. */
export function parameterShape(r) {
  if (!r.groupSize) return [r.scales.length];
  return r.shape.map((d, i) => (i === r.axis ? Math.ceil(d / r.groupSize) : d));
}

/** @param {Quantized[]} quantized  @param {Kept[]} kept */
export function quantizedSafetensors(qp, quantized, kept = []) {
  const tensors = [];
  const layout = {};
  for (const { name, result: r } of quantized) {
    tensors.push({ name, shape: r.shape, data: r.codes });
    tensors.push({ name: `${name}.scale`, shape: parameterShape(r), data: r.scales });
    tensors.push({ name: `${name}.zero_point`, shape: parameterShape(r), data: r.zeroPoints });
    layout[name] = describe(r);
  }
  for (const k of kept) tensors.push(k);
  return qp.encodeSafetensors(tensors, { 'qplay.quantization': JSON.stringify(layout) });
}

/** Every tensor as float32; quantized ones dequantized. @param {Quantized[]} quantized @param {Kept[]} kept */
export function dequantizedSafetensors(qp, quantized, kept = []) {
  const tensors = quantized.map(({ name, result: r }) => ({ name, shape: r.shape, data: r.dequantized }));
  const layout = Object.fromEntries(quantized.map(({ name, result: r }) => [name, describe(r)]));
  return qp.encodeSafetensors([...tensors, ...kept], { 'qplay.dequantized_from': JSON.stringify(layout) });
}

/** @param {Quantized[]} quantized */
export function quantizedNpz(qp, quantized) {
  const files = {};
  const prefix = (name) => (quantized.length === 1 ? '' : `${name}/`);
  for (const { name, result: r } of quantized) {
    const c = parameterShape(r);
    const p = prefix(name);
    files[`${p}codes.npy`] = qp.encodeNpy(r.codes, r.shape);
    files[`${p}scales.npy`] = qp.encodeNpy(r.scales, c);
    files[`${p}zero_points.npy`] = qp.encodeNpy(r.zeroPoints, c);
    files[`${p}dequantized.npy`] = qp.encodeNpy(r.dequantized, r.shape);
    files[`${p}observed_min.npy`] = qp.encodeNpy(r.observedMin, c);
    files[`${p}observed_max.npy`] = qp.encodeNpy(r.observedMax, c);
  }
  return zipSync(files, { level: 0 });  // stored, like numpy.savez
}

const FLOAT_DTYPES = new Set(['f64', 'f32', 'f16', 'bf16', 'f8_e4m3fn', 'f8_e5m2', 'q8_0', 'q4_0', 'q4_1', 'q5_0', 'q5_1',
  'q2_k', 'q3_k', 'q4_k', 'q5_k', 'q6_k']);

/** Tensors quantized when the user names none: float weights of rank >= 2, or every float tensor if none has rank >= 2. */
export function defaultTensorSelection(tensors) {
  const usable = tensors.filter((t) => !t.problem && FLOAT_DTYPES.has(t.dtype) && t.parameters > 0);
  const weights = usable.filter((t) => t.shape.length >= 2);
  return (weights.length ? weights : usable).map((t) => t.name);
}

/**
 * Tensors offered by "all float tensors": every float tensor of any rank, plus every tensor the
 * reader could not decode (a problem), so a whole-model report says why those were left out.
 */
export function allFloatTensorSelection(tensors) {
  return tensors.filter((t) => t.problem || FLOAT_DTYPES.has(t.dtype)).map((t) => t.name);
}

/**
 * Size of a quantized tensor as the exports store it, in bytes: the codes packed at `bits` bits
 * per value (rounded up to whole bytes) plus a float32 scale and an int32 zero point per channel.
 * bitsPerWeight = bits + 64 * channels / parameters: it counts the scales and zero points, so
 * per-channel schemes of small tensors show their real cost.
 */
export function quantizedSize(parameters, bits, channels) {
  const bytes = Math.ceil((parameters * bits) / 8) + channels * 8;
  return { bytes, bitsPerWeight: parameters > 0 ? bits + (channels * 64) / parameters : 0 };
}
