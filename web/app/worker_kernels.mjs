// The Worker's side of the Kernels tab: what this runtime can run (capabilities) and the GEMM
// benchmark of our own kernels on the visitor's device (DOM-free; Node runs it too, see
// tests/js/kernel_bench.test.mjs). GOPS = 2·M·N·K / seconds per run, as in scripts/bench_gemm_kernels.cpp.
//
// Each (shape, kernel) measurement: prepare the plan (weights packed once), run it once and check
// its output, warm up, then `repetitions` timed batches of about BATCH_MS each; median and best
// (minimum time) GOPS. The job yields after every batch, so Cancel stops it within one batch.
import { rng } from './tensors.mjs';
import { runCancellable } from './worker_jobs.mjs';

export const SHAPES = Object.freeze([[1, 784, 256], [64, 784, 256], [256, 1024, 1024], [1024, 1024, 1024]]);
/** The scalar reference is timed, and every output is compared in full, up to this many M·K·N. */
const SMALL_OPS = 64 * 784 * 256;
const BATCH_MS = 100;   // one timed batch: long against timer coarsening, short for a prompt Cancel
const WARMUP = { minMs: 30, chunkMs: 25, maxMs: 400 };
const SAMPLED_ENTRIES = 64;
const PEAK_ITERATIONS = 4096;      // one peakLoop() unit: 4096 × 96 operations
const PEAK_OPS_PER_ITERATION = 96;  // 6 dot_i16x8 (8 multiply-adds = 16 operations each) per iteration

/**
 * The kernels the panel times. `a`/`b`: operand types ('u8', 's8', 's7' = weights in −64..63,
 * 'f32'); `needs`: 'relaxed' (only when the relaxed kernel is installed); smallOnly: too slow to
 * time on the large shapes.
 */
const KERNELS = [
  { id: 'u8s8', kind: 'int8', a: 'u8', b: 's8', label: 'int8 u8×s8' },
  { id: 's8s8', kind: 'int8', a: 's8', b: 's8', label: 'int8 s8×s8' },
  { id: 'relaxed', kind: 'int8-relaxed', a: 'u8', b: 's8', label: 'int8 relaxed u8×s8', needs: 'relaxed' },
  { id: 'relaxed7', kind: 'int8-relaxed', a: 'u8', b: 's7', label: 'int8 relaxed u8×s8, weights in −64..63', needs: 'relaxed' },
  { id: 'f32', kind: 'f32', a: 'f32', b: 'f32', label: 'float32' },
  { id: 'u8s8-threads', kind: 'int8', a: 'u8', b: 's8', label: 'int8 u8×s8 SIMD128, threads', needs: 'threads' },
  { id: 'f32-threads', kind: 'f32', a: 'f32', b: 'f32', label: 'float32 SIMD128, threads', needs: 'threads' },
  { id: 'scalar', kind: 'int8-ref', a: 'u8', b: 's8', label: 'scalar int8 reference (triple loop)', smallOnly: true },
];

// A module with one i32x4.relaxed_dot_i8x16_i7x16_add_s (0xfd 0x113): WebAssembly.validate()
// says whether the engine has relaxed SIMD. Used only when the core reports no capabilities().
export const RELAXED_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 6, 1, 96, 1, 123, 1, 123, 3, 2, 1, 0,
  10, 13, 1, 11, 0, 32, 0, 32, 0, 32, 0, 253, 147, 2, 11]);

function userError(message) {
  const e = new Error(message);
  e.name = 'QplayError';
  return e;
}

/**
 * What this runtime can run: {build, kernelTier, simd, relaxedSimd (the engine validates it),
 * relaxedInstalled (kind 'int8-relaxed' works), relaxedReason, relaxedKernels ('u8' | 'i7' | null),
 * kernels: [{id, label, smallOnly}]}.
 */
export function kernelInfo(qp, threaded = null) {
  const caps = typeof qp.capabilities === 'function' ? qp.capabilities() : {
    simd: qp.build === 'simd',
    relaxedSimd: typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_PROBE),
    relaxedInstalled: false,
    relaxedReason: null,  // the page says "kernel not available in this build"
  };
  if (!caps.relaxedSimd && !caps.relaxedInstalled) caps.relaxedReason = 'this engine has no WebAssembly relaxed SIMD';
  const kernels = availableKernels(qp, caps, threaded).map(({ id, label, smallOnly = false }) => ({ id, label, smallOnly }));
  // threaded: the pthreads build when the page is cross-origin isolated ({ qp } or { error }).
  const threads = threaded?.qp ? { installed: true, count: threaded.qp.setThreads(threaded.count).threads }
    : { installed: false, reason: threaded?.error ?? 'the page is not cross-origin isolated (no COOP/COEP headers), so SharedArrayBuffer is off' };
  return { build: qp.build, kernelTier: qp.kernelTier, simd: caps.simd, relaxedSimd: caps.relaxedSimd,
    relaxedInstalled: Boolean(caps.relaxedInstalled), relaxedReason: caps.relaxedReason ?? null,
    relaxedKernels: caps.relaxedKernels ?? null, peakLoop: qp.kernelTier === 'wasmsimd', threads, kernels };
}

function availableKernels(qp, caps, threaded) {
  // In the scalar build the 'int8' and 'f32' kinds run the portable tier, not SIMD: say so.
  const tier = qp.kernelTier === 'wasmsimd' ? 'SIMD128' : 'portable (scalar build)';
  return KERNELS.filter((k) => (k.needs !== 'relaxed' || caps.relaxedInstalled) && (k.needs !== 'threads' || threaded?.qp))
    .map((k) => (k.needs !== 'threads' && (k.kind === 'int8' || k.kind === 'f32') ? { ...k, label: `${k.label} ${tier}` }
      : k.needs === 'threads' ? { ...k, label: `${k.label} (${threaded.count})` } : k));
}

const isSmall = ([m, k, n]) => m * k * n <= SMALL_OPS;

/** Seeded operands of one type: Uint8Array / Int8Array codes, or Float32Array in [−1, 1). */
function operand(type, length, rand) {
  // Plain loops: Array.from with a map function is several times slower on the 1M-entry operands.
  if (type === 'f32') {
    const x = new Float32Array(length);
    for (let i = 0; i < length; i++) x[i] = 2 * rand() - 1;
    return x;
  }
  const [x, span, low] = type === 'u8' ? [new Uint8Array(length), 256, 0]
    : type === 's7' ? [new Int8Array(length), 128, -64] : [new Int8Array(length), 256, -128];
  for (let i = 0; i < length; i++) x[i] = Math.floor(rand() * span) + low;
  return x;
}

/** The operands of every kernel for one shape, made once: {u8, s8, s7, f32} (A) and the same for B. */
function makeInputs([m, k, n], seed, types) {
  const rand = rng(seed);
  const a = {}, b = {};
  for (const t of types.a) a[t] = operand(t, m * k, rand);
  for (const t of types.b) b[t] = operand(t, k * n, rand);
  // Activation zero points as ONNX's DynamicQuantizeLinear picks them (anywhere in range); weights symmetric.
  return { a, b, zeroPoint: { u8: 1 + Math.floor(rand() * 254), s8: Math.floor(rand() * 254) - 127 } };
}

function planOptions(kernel, kind, inputs, [m, k, n]) {
  const a = inputs.a[kernel.a], b = inputs.b[kernel.b];
  if (kernel.a === 'f32') return { kind, a, b, m, k, n };
  return { kind, a, b, m, k, n, aZeroPoint: inputs.zeroPoint[kernel.a], bZeroPoints: [0] };
}

// ---- output checks -----------------------------------------------------------------------

/** (i, j) pairs to check on a large shape: the four corners and seeded points between. */
function sampledEntries([m, , n], seed) {
  const rand = rng(seed ^ 0x5eed);
  const entries = [[0, 0], [0, n - 1], [m - 1, 0], [m - 1, n - 1]];
  while (entries.length < SAMPLED_ENTRIES) entries.push([Math.floor(rand() * m), Math.floor(rand() * n)]);
  return entries;
}

/**
 * Entry (i, j) computed in JS: integer kinds exactly, Σ_k (A − za)(B − zb) (|terms| ≤ 255², exact
 * in doubles); float32 in float64 with Σ_k |a·b|, which bounds the float32 error.
 */
function entryInJs(options, i, j) {
  const { a, b, k, n } = options;
  const za = options.aZeroPoint ?? 0, zb = options.bZeroPoints?.[0] ?? 0;
  let sum = 0, abs = 0;
  for (let p = 0; p < k; p++) {
    const x = (a[i * k + p] - za) * (b[p * n + j] - zb);
    sum += x;
    abs += Math.abs(x);
  }
  return { value: sum, abs };
}

/**
 * Float32 results of the same dot product in two summation orders differ by at most
 * 2·γ_K·Σ|a·b| with γ_K = K·u/(1 − K·u), u = 2⁻²⁴ (Higham, Accuracy and Stability, §3.1): we allow
 * K·2⁻²³·Σ|a·b| plus 0.1% for the 1/(1 − K·u) factor.
 */
export function float32Tolerance(k, absSum) {
  return k * 2 ** -23 * absSum * 1.001;
}

/**
 * null when `out` (the kernel's output) is right, else a message naming the first bad entry.
 * Small shapes: every entry against the core's scalar reference ('int8-ref' / 'f32-ref') on the
 * same inputs; large shapes: SAMPLED_ENTRIES entries against JS.
 */
function checkOutput(qp, kernel, options, out, shape, seed) {
  const float = kernel.a === 'f32';
  const [m, k, n] = shape;
  const where = `${kernel.label} at ${shape.join('×')}`;
  const mismatch = (i, j, expected, tolerance) => {
    const got = out[i * n + j];
    const bad = !Number.isFinite(got) || (float ? Math.abs(got - expected) > tolerance : got !== expected);
    return bad ? `${where}: C[${i}][${j}] = ${got}, expected ${expected}` +
      (float ? ` ± ${tolerance.toPrecision(3)}` : ' exactly') + ` (seed ${seed})` : null;
  };
  if (out.length !== m * n) return `${where}: the output has ${out.length} entries, expected ${m * n}`;
  if (isSmall(shape)) {
    const ref = qp.prepareMatmul({ ...options, kind: float ? 'f32-ref' : 'int8-ref' });
    let expected;
    try {
      ref.run(1);
      expected = ref.output();
    } finally {
      ref.release();
    }
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        const tolerance = float ? float32Tolerance(k, entryInJs(options, i, j).abs) : 0;
        const message = mismatch(i, j, expected[i * n + j], tolerance);
        if (message) return `${message}, against the scalar reference`;
      }
    }
    return null;
  }
  for (const [i, j] of sampledEntries(shape, seed)) {
    const { value, abs } = entryInJs(options, i, j);
    const message = mismatch(i, j, value, float ? float32Tolerance(k, abs) : 0);
    if (message) return `${message}, against a dot product in JavaScript`;
  }
  return null;
}

// ---- timing --------------------------------------------------------------------------------

function median(sorted) {
  const h = sorted.length >> 1;
  return sorted.length % 2 ? sorted[h] : (sorted[h - 1] + sorted[h]) / 2;
}

/**
 * Time `run(times)` (ops operations per time): warm up, then `repetitions` batches of about
 * BATCH_MS, awaiting `step()` (progress, yield, cancel) after each chunk and batch.
 * -> {medianGops, bestGops, msPerRun, runsPerBatch, repetitions}
 */
async function timeRuns(run, ops, repetitions, step) {
  // Warm-up: V8 first runs WebAssembly compiled by its baseline compiler (Liftoff) and swaps in
  // optimized code (TurboFan) once a function is hot, compiled in the background: timing before
  // the swap measures the baseline. So warm up in chunks until one is no faster than the best
  // before it (within 3%), for at least minMs and at most maxMs.
  const t0 = performance.now();
  let perRunMs = Infinity, runs = 1;
  for (;;) {
    const t = performance.now();
    run(runs);
    const chunkMs = performance.now() - t;
    // A chunk under 2 ms is below the timer's resolution (100 µs without cross-origin
    // isolation): grow it instead of trusting its speed.
    const timed = chunkMs >= 2;
    const ms = chunkMs / runs;
    const settled = timed && ms >= perRunMs * 0.97;
    if (timed) perRunMs = Math.min(perRunMs, ms);
    const elapsed = performance.now() - t0;
    if ((settled && elapsed >= WARMUP.minMs) || (elapsed >= WARMUP.maxMs && perRunMs < Infinity)) break;
    runs = timed ? Math.max(1, Math.round(WARMUP.chunkMs / ms)) : runs * 4;
    await step();
  }
  await step();
  const runsPerBatch = Math.max(1, Math.round(BATCH_MS / perRunMs));
  const seconds = [];
  for (let r = 0; r < repetitions; r++) {
    const t = performance.now();
    run(runsPerBatch);
    seconds.push((performance.now() - t) / 1000 / runsPerBatch);
    await step();
  }
  seconds.sort((x, y) => x - y);
  const med = median(seconds);
  return { medianGops: ops / med / 1e9, bestGops: ops / seconds[0] / 1e9, msPerRun: med * 1000, runsPerBatch, repetitions };
}

/**
 * The benchmark job: msg {id, shapes: [[m, k, n]], repetitions, seed}. Progress messages carry
 * each measured row as it comes ({row}); the result is {rows, info, ms}. A row is
 * {shape, kernel, label, kind, variant, medianGops, bestGops, msPerRun, runsPerBatch, repetitions}
 * or, when the kernel's output is wrong, {shape, kernel, label, error} (the job goes on). In the
 * SIMD build each shape starts with the register-only peak loop (kernel 'peak'), so the ratio to
 * the peak compares figures measured under the same machine load.
 */
export function benchKernels(qp, { id, shapes, repetitions = 5, seed = 1 }, post, threaded = null) {
  if (!Array.isArray(shapes) || shapes.length === 0) throw userError('choose at least one shape');
  for (const s of shapes) {
    if (!SHAPES.some((x) => x.join() === String(s))) throw userError(`unknown shape ${String(s)}`);
  }
  const reps = Math.trunc(repetitions);
  if (!(reps >= 1 && reps <= 50)) throw userError('repetitions must be between 1 and 50');
  const info = kernelInfo(qp, threaded);
  const kernels = availableKernels(qp, info, threaded);
  const plan = shapes.map((shape) => ({ shape, kernels: kernels.filter((k) => !k.smallOnly || isSmall(shape)) }));
  const total = plan.reduce((sum, p) => sum + p.kernels.length + (info.peakLoop ? 1 : 0), 0);

  return runCancellable(id, post, async (tick) => {
    const t0 = performance.now();
    let done = 0;
    const rows = [];
    await tick(0, total, { name: '' });
    for (const [index, { shape, kernels: list }] of plan.entries()) {
      const [m, k, n] = shape;
      const shapeSeed = (seed + 7919 * index) >>> 0;
      const types = { a: new Set(list.map((x) => x.a)), b: new Set(list.map((x) => x.b)) };
      const inputs = makeInputs(shape, shapeSeed, types);
      const ops = 2 * m * n * k;
      if (info.peakLoop) {
        const name = `peak loop before ${shape.join('×')}`;
        let sink = 0;
        const row = { shape, kernel: 'peak', kind: 'peak', label: 'register-only peak loop (dot_i16x8 + add)', variant: null,
          ...await timeRuns((times) => { sink ^= qp.peakLoop(times * PEAK_ITERATIONS); },
            PEAK_ITERATIONS * PEAK_OPS_PER_ITERATION, reps, () => tick(done, total, { name })) };
        row.checksum = sink;  // returned, so no engine may drop the loop
        rows.push(row);
        await tick(++done, total, { name, row });
      }
      for (const kernel of list) {
        const name = `${kernel.label} at ${shape.join('×')}`;
        await tick(done, total, { name });
        const base = { shape, kernel: kernel.id, label: kernel.label, kind: kernel.kind };
        const options = planOptions(kernel, kernel.kind, inputs, shape);
        const matmul = (kernel.needs === 'threads' ? threaded.qp : qp).prepareMatmul(options);
        let row;
        try {
          matmul.run(1);
          const error = checkOutput(qp, kernel, options, matmul.output(), shape, shapeSeed);
          if (error) {
            row = { ...base, error };
          } else {
            const variant = typeof matmul.variant === 'function' ? matmul.variant() : null;
            row = { ...base, variant, ...await timeRuns((times) => matmul.run(times), ops, reps, () => tick(done, total, { name })) };
          }
        } finally {
          matmul.release();
        }
        rows.push(row);
        await tick(++done, total, { name, row });
      }
    }
    return { rows, info, ms: performance.now() - t0 };
  }, { always: true, yieldEvery: true });
}
