// The public JS API of Quantization Playground: an ES module without DOM access, used by the
// page's Worker, the web components and the `qplay` CLI under Node.
//
//   import { loadQplay } from './lib/qplay.mjs';
//   const qp = await loadQplay();                 // picks the SIMD build when the engine has SIMD
//   const r = qp.quantize(float32Array, [rows, cols], { bits: 4, scheme: 'symmetric', axis: 0 });
//   r.codes, r.scales, r.zeroPoints, r.dequantized, r.metrics.sqnrDb, ...
//
// Every method validates its arguments in the C++ core and throws an Error named 'QplayError'
// with a message meant for the user.

import { inflateRaw } from './inflate.mjs';
import { engineHasRelaxedSimd, fetchRelaxedKernels, installRelaxedKernels } from './relaxed.mjs';
import { DatasetHandle, NetworkHandle } from './network.mjs';
import { sourceFromBytes } from './sources.mjs';
import { SIMD_PROBE } from './simd_probe.mjs';

export function engineHasSimd() {
  return typeof WebAssembly === 'object' && WebAssembly.validate(new Uint8Array(SIMD_PROBE));
}

/** Options accepted by quantize(), with their defaults (documented in README.md). */
export const SCHEME_DEFAULTS = Object.freeze({
  format: 'int', bits: 8, scheme: 'affine', signed: true, axis: null, mode: 'pytorch', groupSize: null,
  narrowRange: false, reduceRange: false, calibration: 'minmax', saturate: true, doubleQuant: false, seed: 1,
  clip: null,
});

export const QUANTIZE_DEFAULTS = Object.freeze({
  bits: 8, scheme: 'affine', signed: true, axis: null, mode: 'pytorch', groupSize: null,
  narrowRange: false, reduceRange: false,
});

export class QplayError extends Error {
  constructor(message) {
    super(message);
    this.name = 'QplayError';
  }
}

function rethrow(e) {
  if (e && e.name === 'QplayError') throw new QplayError(e.message);
  throw e;
}

// Integer matmul operands travel as bytes; the array type carries the signedness.
function asBytes(arr, name) {
  if (arr instanceof Uint8Array) return arr;
  if (arr instanceof Int8Array) return new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  throw new QplayError(`matmul input '${name}' must be a Uint8Array or an Int8Array`);
}

class Qplay {
  constructor(module, build, relaxed) {
    this._m = module;
    this._relaxed = relaxed;
    /** 'simd', 'scalar' or 'threads': which WebAssembly build is running. */
    this.build = build;
    /** Kernel tier compiled into that build ('wasmsimd' or 'ref'). */
    this.kernelTier = module.buildInfo().kernelTier;
  }

  _call(name, ...args) {
    try {
      return this._m[name](...args);
    } catch (e) {
      return rethrow(e);
    }
  }

  /**
   * Quantize a float32 tensor (C order) and dequantize it back.
   * @param {Float32Array} data
   * @param {number[]} shape  dimensions; their product must equal data.length
   * @param {{bits?:number, scheme?:'affine'|'symmetric', signed?:boolean, axis?:number|null,
   *          mode?:'pytorch'|'onnx', groupSize?:number|null, narrowRange?:boolean,
   *          reduceRange?:boolean}} options  axis null = per tensor, else per channel; with
   *          groupSize, per group of that many consecutive indices along axis
   * @param {{codes?: Int8Array|Uint8Array, dequantized?: Float32Array}|null} outputs  arrays of
   *          data.length that receive the results instead of fresh ones (Int8Array codes for a
   *          signed grid, Uint8Array for an unsigned one); the result then holds these same arrays.
   *          For repeated calls: fresh multi-megabyte arrays cost more than the quantization
   *          itself where first touching new memory is slow (docs/numerics.md §13).
   * @returns {{bits, signed, scheme, mode, axis, shape, qmin, qmax, observedMin: Float32Array,
   *   observedMax: Float32Array, scales: Float32Array, zeroPoints: Int32Array,
   *   codes: Int8Array|Uint8Array, dequantized: Float32Array,
   *   metrics: {mse, sqnrDb, maxAbsError, cosine}}}
   */
  quantize(data, shape, options = {}, outputs = null) {
    return this._call('quantize', data, shape, { ...QUANTIZE_DEFAULTS, ...options }, outputs);
  }

  /** count, finiteCount, nanCount, posInfCount, negInfCount, min, max, mean, std (finite values). */
  stats(data) {
    return this._call('tensorStats', data);
  }

  /** Equal-width histogram over [lo, hi]: { lo, hi, counts: Float64Array, below, above }. */
  histogram(data, bins, lo, hi) {
    return this._call('histogram', data, bins, lo, hi);
  }

  /** Parse a .npy file: { dtype, formatVersion, fortranOrder, shape, data: Float32Array (C order) }. */
  readNpy(bytes) {
    return this._call('readNpy', bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  }

  /** A .npy file (format 1.0, C order) holding `typed` (Float32Array, Int8Array, ...) with `shape`. */
  encodeNpy(typed, shape) {
    const descr = NPY_DESCR.get(typed.constructor);
    if (!descr) throw new QplayError(`encodeNpy: unsupported array type ${typed.constructor.name}`);
    const raw = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
    return this._call('encodeNpy', descr, shape, raw);
  }

  /**
   * Open weight files (.safetensors with shards and index, .npy, .npz, .onnx with external data,
   * .gguf, .pt/.pth). `sources`: [{ name, size, read(offset, length) -> Uint8Array }] (see
   * sources.mjs); only headers are read now, tensors later one at a time.
   * @returns {WeightFile}
   */
  openModel(sources) {
    const list = Array.isArray(sources) ? sources : [sources];
    return new WeightFile(this, this._call('openModel', list, inflateRaw));
  }

  /**
   * A complete .safetensors file. tensors: [{ name, shape, data }] where data is a Float32Array,
   * Int8Array, Uint8Array, Int32Array, ... (its type gives the stored dtype); metadata: {key: string}.
   */
  encodeSafetensors(tensors, metadata = {}) {
    const list = tensors.map(({ name, shape, data }) => {
      const dtype = SAFETENSORS_DTYPE.get(data.constructor);
      if (!dtype) throw new QplayError(`encodeSafetensors: unsupported array type ${data.constructor.name}`);
      return { name, shape, dtype, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    });
    return this._call('encodeSafetensors', list, Object.entries(metadata).map(([k, v]) => [k, String(v)]));
  }

  /**
   * Every scheme the core offers (the registry): [{ name, family, reference, summary, minBits,
   * maxBits, takesGranularity, takesCalibration }]. Menus and `qplay schemes` list these.
   */
  schemes() {
    return this._m.listSchemes();
  }

  /** The bit width a format runs at when none is given: 8, clamped to the format's range (tcq: 4). */
  defaultBits(format) {
    const s = this.schemes().find((x) => x.name === format);
    if (!s || !s.minBits) return SCHEME_DEFAULTS.bits;
    return Math.min(Math.max(SCHEME_DEFAULTS.bits, s.minBits), s.maxBits);
  }

  /**
   * Run one scheme of the registry on a tensor. options: quantize()'s plus format ('int' default,
   * 'binary', 'ternary', ... see schemes()), calibration, saturate, doubleQuant, seed, and clip:
   * [min, max] (int only) to quantize with a fixed clip range instead of a calibrator.
   * @returns {{format, label, options, dequantized: Float32Array, metrics, storedBits,
   *   bitsPerWeight, units, unitShape, levels: Float32Array, integer: object|null}}
   */
  runScheme(data, shape, options = {}) {
    const full = { ...SCHEME_DEFAULTS, ...options };
    if (options.bits === undefined || options.bits === null) full.bits = this.defaultBits(full.format);
    const r = this._call('runScheme', data, shape, full);
    if (r.integer) r.integer.dequantized = r.dequantized;  // the core hands the reconstruction over once
    return r;
  }

  /** The default "compare all" set for a tensor of this shape: [options]. */
  defaultComparison(shape) {
    return this._call('defaultComparison', shape);
  }

  /**
   * Compare schemes on one tensor: rows { label, options, bitsPerWeight, metrics, milliseconds,
   * error, pareto }, in the order given (default: defaultComparison(shape)). A scheme that refuses
   * the tensor gives a row with `error` instead of throwing. `onRow(row, index, total)` is called
   * after each scheme (the Worker uses a held tensor directly to yield between schemes).
   */
  compareSchemes(data, shape, optionsList = null, onRow = null) {
    const held = this.holdTensor(data, shape);
    try {
      const list = optionsList ?? this.defaultComparison(shape);
      const rows = [];
      for (let i = 0; i < list.length; i++) {
        rows.push(held.compare(list[i]));
        onRow?.(rows[i], i, list.length);
      }
      return this.markParetoFront(rows);
    } finally {
      held.release();
    }
  }

  /** Keep a tensor in WebAssembly memory: { compare(options) -> row, release() }. */
  holdTensor(data, shape) {
    const id = this._call('holdTensor', data, shape);
    return {
      compare: (options) => this._call('compareHeld', id, { ...SCHEME_DEFAULTS, ...options }),
      release: () => this._m.releaseTensor(id),
    };
  }

  /**
   * Prepare a matrix multiplication to run many times (benchmarks, the Kernels panel).
   * Integer kinds: C = Σ_k (A − aZeroPoint)(B − bZeroPoints[j]) as int32 (ONNX MatMulInteger),
   * A a Uint8Array or Int8Array (M×K), B an Int8Array or Uint8Array (K×N), row-major; the array
   * types give the signedness. 'int8' runs the packed SIMD kernel, 'int8-ref' the triple loop,
   * 'int8-relaxed' the relaxed-SIMD kernel (browsers only: see capabilities(); variant() names
   * the path its weights chose: 'int8-relaxed/one-dot', '/two-dots' or '/simd128'; weights spanning
   * 128..254 codes take SIMD128 unless relaxedTwoDots is true, see docs/numerics.md §12.5).
   * Float kinds ('f32', 'f32-ref'): A and B Float32Array, C = A·B.
   * @returns {{ run(times?: number): void, output(): Int32Array|Float32Array, variant(): string,
   *   release(): void }}
   */
  prepareMatmul({ kind = 'int8', a, b, m, k, n, aZeroPoint = 0, bZeroPoints = [0], relaxedTwoDots = false }) {
    const isFloat = kind === 'f32' || kind === 'f32-ref';
    const options = { kind, m, k, n, aZeroPoint, bZeroPoints: Array.from(bZeroPoints), relaxedTwoDots };
    if (isFloat) Object.assign(options, { a, b });
    else Object.assign(options, { a: asBytes(a, 'a'), b: asBytes(b, 'b'), aSigned: a instanceof Int8Array, bSigned: b instanceof Int8Array });
    const id = this._call('prepareMatmul', options);
    return {
      run: (times = 1) => this._call('runMatmul', id, times),
      output: () => this._call('matmulOutput', id),
      variant: () => this._call('matmulVariant', id),
      release: () => this._m.releaseMatmul(id),
    };
  }

  /**
   * ONNX MatMulInteger: int32 C (M×N) from A (M×K) and B (K×N) codes with zero points
   * (bZeroPoint: one number or one per column).
   */
  matmulInteger(a, [m, k], b, [k2, n], { aZeroPoint = 0, bZeroPoint = 0 } = {}) {
    if (k !== k2) throw new QplayError(`matmulInteger: inner dimensions differ (${m}×${k} · ${k2}×${n})`);
    const plan = this.prepareMatmul({ a, b, m, k, n, aZeroPoint, bZeroPoints: typeof bZeroPoint === 'number' ? [bZeroPoint] : bZeroPoint });
    try {
      plan.run();
      return plan.output();
    } finally {
      plan.release();
    }
  }

  /**
   * Threads the matmuls may use (the caller included): { threads, available }. Only the 'threads'
   * build has more than one; elsewhere the count stays 1.
   */
  setThreads(n) {
    return this._m.setThreads(n);
  }

  /**
   * What this runtime can run (for the Kernels panel): { build, simd, relaxedSimd (the engine
   * validates it), relaxedInstalled (kind 'int8-relaxed' works), relaxedReason (why not, or null),
   * relaxedKernels ('u8': full-range weights in one dot; 'i7': weights spanning ≤ 127 codes; null),
   * threads (the pthreads build is running), crossOriginIsolated }.
   */
  capabilities() {
    return {
      build: this.build, simd: this.build === 'simd', ...this._relaxed,
      relaxedInstalled: this._m.relaxedKernelsInstalled(),
      threads: this.build === 'threads', crossOriginIsolated: globalThis.crossOriginIsolated === true,
    };
  }

  /**
   * Dynamic quantization of an activation matrix (docs/numerics.md §12.4): mode 'onnx'
   * (DynamicQuantizeLinear, uint8 0..255) or 'pytorch' (quint8 reduce_range, 0..127); perRow: one
   * scale and zero point per row. -> { codes: Uint8Array, scales: Float32Array, zeroPoints: Int32Array, qmin, qmax }
   */
  dynamicQuantize(data, [rows, cols], { mode = 'onnx', perRow = false } = {}) {
    return this._call('dynamicQuantize', data, rows, cols, { mode, perRow });
  }

  /**
   * Requantize int32 accumulators (M×N) to 8-bit codes (docs/numerics.md §12.3): method 'float'
   * (ONNX QLinearMatMul / XNNPACK fp32) or 'fixed-point' (gemmlowp / TFLite); multipliers: one
   * number, or one per column (S_a·S_w/S_y); bias: Int32Array of N or null; the clamp [qmin, qmax]
   * (qmin = zeroPoint is a fused ReLU). -> Int8Array (qmin < 0) or Uint8Array.
   */
  requantize(acc, [m, n], { method = 'float', multipliers, bias = null, zeroPoint = 0, qmin = -128, qmax = 127 } = {}) {
    const mult = typeof multipliers === 'number' ? new Float32Array([multipliers]) : Float32Array.from(multipliers ?? []);
    return this._call('requantize', acc, m, n, { method, multipliers: mult, bias, zeroPoint, qmin, qmax });
  }

  /** Runs the register-only dot_i16x8 + add loop (iterations × 96 operations); returns a checksum. */
  peakLoop(iterations) {
    return this._m.peakLoop(iterations);
  }

  /** Sets row.pareto on rows { bitsPerWeight, metrics: { mse }, error } (the core decides). */
  markParetoFront(rows) {
    const flags = this._call('paretoFront', rows);
    rows.forEach((r, i) => { r.pareto = flags[i]; });
    return rows;
  }

  /**
   * A network from a state dict (.safetensors written by the playground or torch, .pt/.pth, .npz)
   * or an ONNX model (a chain of Gemm/MatMul/Conv/BatchNorm/pools/Flatten/Reshape/ReLU; external
   * data files as further sources). `input` is a Uint8Array (with `name`), a source
   * ({name, size, read}), or an array of sources, the network file first. The handle's `warnings`
   * say what changed on the way (a dropped Softmax, a folded BatchNorm).
   */
  loadNetwork(input, name = 'network.safetensors') {
    const sources = input instanceof Uint8Array ? [sourceFromBytes(name, input)] : Array.isArray(input) ? input : [input];
    const { id, warnings } = this._call('nnLoadNetwork', sources, inflateRaw);
    return new NetworkHandle(this, id, warnings);
  }

  /**
   * The user's test data: one .npz (inputs + labels), a .npy pair, or an IDX pair (gzipped or not),
   * as sources; inputShape [c, h, w] (the network's input) shapes flat samples.
   */
  datasetFromFiles(sources, inputShape = null) {
    return new DatasetHandle(this, this._call('nnDatasetFromFiles', sources, inflateRaw, inputShape));
  }

  /** A dataset from NCHW float32 inputs of shape [count, c, h, w] and optional Int32Array labels. */
  datasetFromArrays(inputs, shape, labels = null) {
    return new DatasetHandle(this, this._call('nnDatasetFromArrays', inputs, shape, labels));
  }

  /** A dataset from IDX images (N×H×W ubyte, scaled to pixel/255) and labels, both decompressed. */
  datasetFromIdx(images, labels) {
    return new DatasetHandle(this, this._call('nnDatasetFromIdx', images, labels));
  }

  /** { correct, total, accuracy, confusion: Uint32Array classes × classes [true][predicted] }. */
  scorePredictions(predicted, labels, classes) {
    return this._call('nnScore', predicted, labels, classes);
  }

  /** The real values of the integer grid: (q - zeroPoint) * scale for q in [qmin, qmax]. */
  gridLevels(scale, zeroPoint, qmin, qmax) {
    return this._call('gridLevels', scale, zeroPoint, qmin, qmax);
  }
}

/**
 * An opened model: format, files, tensors (name, dtype, storedType, shape, parameters, bytes,
 * file, problem), metadata, graph (ONNX), warnings. Call close() when done.
 */
export class WeightFile {
  constructor(qplay, info) {
    this._qplay = qplay;
    Object.assign(this, info);
  }

  /** Reads tensor `index` (or the tensor named so) as float32: { name, shape, data }. */
  readTensor(indexOrName) {
    const index = this._index(indexOrName);
    return this._qplay._call('readModelTensor', this.id, index);
  }

  /**
   * Reads tensor `index` (or name) and measures it inside the core, holding no copy of its values
   * on the JS side: memory stays near one float32 copy of the tensor. `options` are quantize()'s
   * (null: statistics only). -> { name, shape, stats, quantized: quantize()'s result without
   * codes/dequantized (or null), quantizeError: why the scheme refused the tensor (or null) }.
   */
  analyzeTensor(indexOrName, options = null) {
    const index = this._index(indexOrName);
    return this._qplay._call('analyzeModelTensor', this.id, index,
      options === null ? null : { ...QUANTIZE_DEFAULTS, ...options });
  }

  /**
   * Reads tensor `index` (or name) and runs every scheme of `optionsList` on it inside the core:
   * [{ label, options, bitsPerWeight, metrics, milliseconds, error }]. For a whole-model
   * comparison, one call per tensor.
   */
  compareTensor(indexOrName, optionsList) {
    const list = optionsList.map((o) => ({ ...SCHEME_DEFAULTS, ...o }));
    return this._qplay._call('compareModelTensor', this.id, this._index(indexOrName), list);
  }

  _index(indexOrName) {
    const index = typeof indexOrName === 'number' ? indexOrName
      : this.tensors.findIndex((t) => t.name === indexOrName);
    if (index < 0) throw new QplayError(`no tensor named '${indexOrName}'`);
    return index;
  }

  close() {
    this._qplay._m.closeModel(this.id);
  }
}

const SAFETENSORS_DTYPE = new Map([
  [Float32Array, 'f32'], [Float64Array, 'f64'], [Int8Array, 'i8'], [Uint8Array, 'u8'],
  [Int16Array, 'i16'], [Uint16Array, 'u16'], [Int32Array, 'i32'], [Uint32Array, 'u32'],
  [BigInt64Array, 'i64'], [BigUint64Array, 'u64'],
]);

const NPY_DESCR = new Map([
  [Float32Array, '<f4'], [Float64Array, '<f8'], [Int8Array, '|i1'], [Uint8Array, '|u1'],
  [Int16Array, '<i2'], [Uint16Array, '<u2'], [Int32Array, '<i4'], [Uint32Array, '<u4'],
  [BigInt64Array, '<i8'], [BigUint64Array, '<u8'],
]);

/** Whether this context may run the pthreads build: SharedArrayBuffer needs cross-origin isolation. */
export function canUseThreads() {
  return typeof SharedArrayBuffer === 'function' && globalThis.crossOriginIsolated === true && engineHasSimd();
}

/**
 * Load the WebAssembly core. build: 'auto' (SIMD when available), 'simd', 'scalar' or 'threads'
 * (SIMD + a pool of 4 pthreads for the matmuls; browsers only, and only when cross-origin isolated:
 * see canUseThreads()). 'auto' never picks 'threads': the caller opts in. relaxedKernels: 'u8' or
 * 'i7' restricts the relaxed-SIMD kernel to that set (tests); by default the best that passes its
 * self-check. Each call instantiates a fresh module; keep the returned object and reuse it.
 */
export async function loadQplay({ build = 'auto', relaxedKernels = undefined } = {}) {
  if (build === 'threads') {
    if (!canUseThreads()) {
      throw new QplayError('the threaded build needs SharedArrayBuffer, i.e. a cross-origin isolated page (COOP/COEP headers)');
    }
    const { default: create } = await import('../gen/qp_wasm_threads.mjs');
    // The relaxed kernels import an unshared memory: this build keeps the SIMD128 kernels.
    const qp = new Qplay(await create(), 'threads', { relaxedSimd: engineHasRelaxedSimd(), relaxedInstalled: false,
      relaxedReason: 'the threaded build runs the SIMD128 kernels', relaxedKernels: null });
    qp.setThreads(Math.min(navigator.hardwareConcurrency || 1, 4 + 1));  // pool of 4 + the caller
    return qp;
  }
  const useSimd = build === 'simd' || (build === 'auto' && engineHasSimd());
  if (build === 'simd' && !engineHasSimd()) throw new QplayError('this engine has no WebAssembly SIMD');
  // Relaxed SIMD builds on SIMD128; the scalar build never gets it. Its bytes download meanwhile.
  const relaxedBytes = useSimd ? fetchRelaxedKernels() : null;
  // Literal specifiers in each branch keep bundlers able to see every build.
  const { default: create } = useSimd
    ? await import('../gen/qp_wasm.mjs')
    : await import('../gen/qp_wasm_scalar.mjs');
  const module = await create();
  const relaxed = useSimd ? await installRelaxedKernels(module, relaxedKernels, relaxedBytes)
    : { relaxedSimd: engineHasRelaxedSimd(), relaxedInstalled: false, relaxedReason: 'the scalar build is running',
      relaxedKernels: null };
  return new Qplay(module, useSimd ? 'simd' : 'scalar', relaxed);
}
