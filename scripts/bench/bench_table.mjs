// The GEMM benchmark of issue #5, independent of the runtime (Node or the headless-Chromium page
// import it alike): per shape, a correctness cross-check of every runner, then interleaved timed
// batches; then the tables (GOPS median (min) per runner and shape) and the ratios the issue sets
// targets for. Runners follow the interface documented in ours_gemm.mjs.
import { makeGemmData, referenceGemmInt, referenceGemmIntAt, shapeName } from './gemm_shapes.mjs';

// Names the ratios look up (ours: ours_gemm.mjs; ORT: ort_gemm.mjs).
const ORT_U8S8 = 'ORT MatMulInteger u8×s8';
const ORT_S8S8 = 'ORT MatMulInteger s8×s8';
const ORT_F32 = 'ORT MatMul f32';
const OURS_S8S8 = 'ours int8×int8';
const OURS_U8S8 = 'ours uint8×int8';
const OURS_RELAXED = 'ours relaxed u8×s8';
const OURS_F32 = 'ours float32';
const PEAK = 'peak loop';

/** Ratios of median GOPS, per shape; `target` is the issue's (shapes it applies to in the text). */
export const RATIOS = Object.freeze([
  { label: 'ours u8×s8 / ORT u8×s8', num: OURS_U8S8, den: ORT_U8S8, target: '≥ 1.1 at 256×1024×1024 and 1024³; ≥ 2 at 1×784×256' },
  { label: 'ours relaxed / ORT u8×s8', num: OURS_RELAXED, den: ORT_U8S8, target: '≥ 1.8 at the large shapes (Chromium)' },
  { label: 'ours s8×s8 / ORT s8×s8', num: OURS_S8S8, den: ORT_S8S8, target: '≥ 10' },
  { label: 'ours s8×s8 / ours u8×s8', num: OURS_S8S8, den: OURS_U8S8, target: '≈ 1 (same speed)' },
  { label: 'ours int8 / ours float32', num: OURS_S8S8, den: OURS_F32, target: '≥ 2 at 256×1024×1024' },
  { label: 'ours relaxed / ours float32', num: OURS_RELAXED, den: OURS_F32, target: '(int8 on relaxed SIMD vs float)' },
  { label: 'ours u8×s8 / peak loop', num: OURS_U8S8, den: PEAK, target: '≥ 0.85' },
  { label: 'ours s8×s8 / peak loop', num: OURS_S8S8, den: PEAK, target: '≥ 0.85' },
  { label: 'ORT u8×s8 / peak loop', num: ORT_U8S8, den: PEAK, target: '(issue: ≈ 0.83)' },
  { label: 'ORT u8×s8 / ORT f32', num: ORT_U8S8, den: ORT_F32, target: '(ORT int8 vs its float)' },
  { label: 'ORT s8×s8 / ORT u8×s8', num: ORT_S8S8, den: ORT_U8S8, target: '(ORT signed path)' },
]);

/** Defaults: a full run and the --quick smoke run. */
export const TIMING = Object.freeze({
  full: { reps: 7, batchSeconds: 0.2, warmupSeconds: 0.1 },
  quick: { reps: 3, batchSeconds: 0.03, warmupSeconds: 0.01 },
});

const now = () => performance.now() / 1000;

export function median(values) {
  const s = values.slice().sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1] + s[h]) / 2;
}

// ---------------------------------------------------------------------------------------------
// Correctness before timing.
//
// Integer runners: every one must return C = Σ_k (A − za)(B − zb) bit for bit (the u8 and s8
// inputs are the same integers shifted by 128, gemm_shapes.mjs). The plain JS reference is computed
// in full up to FULL_REFERENCE_OPS multiply-adds; above that (1024³) it is checked at SPOT_CHECKS
// seeded positions plus the four corners, and the integer runners are compared with each other
// element by element.
//
// float32 runners compute aF32·bF32, the same integers as floats. Tolerance: the classic forward
// error bound of a float dot product in any summation order, FMA or not (Higham, "Accuracy and
// Stability of Numerical Algorithms", §3.1): |fl(c) − c| ≤ γ_K · Σ_k |a_k||b_k|, γ_K = K·u/(1 − K·u),
// u = 2^−24, with Σ|a_k||b_k| bounded by rowAbsSum(A)[m] · colAbsMax(B)[n] to stay O(MK + KN).
// In practice the error is 0 here (integer partial sums far below 2^24); its max is reported.
const FULL_REFERENCE_OPS = 2 ** 28;
const SPOT_CHECKS = 512;

function spotPositions(M, N, seed) {
  let s = seed >>> 0;
  const next = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s; };  // LCG: positions only
  const pos = [[0, 0], [0, N - 1], [M - 1, 0], [M - 1, N - 1]];
  for (let i = 0; i < SPOT_CHECKS; i++) pos.push([next() % M, next() % N]);
  return pos;
}

function firstIntMismatch(expected, actual) {
  if (!(actual instanceof Int32Array)) return { index: -1, expected: 'Int32Array', actual: actual?.constructor?.name ?? String(actual) };
  if (actual.length !== expected.length) return { index: -1, expected: `${expected.length} values`, actual: `${actual.length}` };
  for (let i = 0; i < expected.length; i++) if (expected[i] !== actual[i]) return { index: i, expected: expected[i], actual: actual[i] };
  return null;
}

/**
 * Checks every runner with an output() on this shape. Returns { failed: [names], notes: [lines],
 * maxF32Error }. A failure line gives shape, seed, index (m, n), expected and actual.
 */
export async function crossCheck(runners, shape, data) {
  const { M, K, N } = shape;
  const name = shapeName(shape);
  const notes = [];
  const failed = [];
  const fail = (r, where, expected, actual) => {
    failed.push(r.name);
    const at = where >= 0 ? `index ${where} (m=${Math.floor(where / N)}, n=${where % N})` : 'size/type';
    notes.push(`FAIL ${r.name} at ${name}, seed ${data.seed}: ${at}: expected ${expected}, got ${actual}`);
  };
  const full = M * K * N <= FULL_REFERENCE_OPS
    ? referenceGemmInt(data.aU8, data.zp.aU8, data.bS8, data.zp.b, M, K, N) : null;
  const spots = full ? null : spotPositions(M, N, data.seed);
  const spotRef = spots?.map(([m, n]) => referenceGemmIntAt(data.aU8, data.zp.aU8, data.bS8, data.zp.b, K, N, m, n));

  let exact = full;  // the exact C used for the float check and the pairwise int comparison
  const ints = [];
  const floats = [];
  for (const r of runners) {
    if (typeof r.output !== 'function') continue;
    let out;
    try {
      out = await r.output();
    } catch (e) {
      failed.push(r.name);
      notes.push(`FAIL ${r.name} at ${name}: output() threw ${e?.message ?? e}`);
      continue;
    }
    (r.kind === 'f32' ? floats : ints).push([r, out]);
  }
  for (const [r, out] of ints) {
    if (full) {
      const bad = firstIntMismatch(full, out);
      if (bad) fail(r, bad.index, bad.expected, bad.actual);
      continue;
    }
    if (!(out instanceof Int32Array) || out.length !== M * N) {
      fail(r, -1, `Int32Array of ${M * N}`, `${out?.constructor?.name} of ${out?.length}`);
      continue;
    }
    const i = spots.findIndex(([m, n], j) => out[m * N + n] !== spotRef[j]);
    if (i >= 0) { const [m, n] = spots[i]; fail(r, m * N + n, spotRef[i], out[m * N + n]); continue; }
    if (!exact) { exact = out; continue; }  // the first one that passes the spot check: compared with the others in full
    const bad = firstIntMismatch(exact, out);
    if (bad) fail(r, bad.index, bad.expected, bad.actual);
  }
  const passedInts = ints.filter(([r]) => !failed.includes(r.name)).length;
  notes.push(`${name}: ${passedInts}/${ints.length} integer runners equal bit for bit ` +
    (full ? 'to the full JS reference' : `to each other and to the JS reference at ${spots.length} positions`));

  let maxF32Error = 0;
  if (floats.length) {
    const rowAbs = new Float64Array(M);
    for (let m = 0; m < M; m++) for (let k = 0; k < K; k++) rowAbs[m] += Math.abs(data.aF32[m * K + k]);
    const colMax = new Float64Array(N);
    for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) colMax[n] = Math.max(colMax[n], Math.abs(data.bF32[k * N + n]));
    const u = 2 ** -24;
    const gamma = (K * u) / (1 - K * u);
    for (const [r, out] of floats) {
      if (!(out instanceof Float32Array) || out.length !== M * N) { fail(r, -1, `Float32Array of ${M * N}`, `${out?.constructor?.name} of ${out?.length}`); continue; }
      const positions = exact ? null : spots;
      const count = positions ? positions.length : M * N;
      for (let j = 0; j < count; j++) {
        const idx = positions ? positions[j][0] * N + positions[j][1] : j;
        const want = positions ? spotRef[j] : exact[idx];
        const err = Math.abs(out[idx] - want);
        maxF32Error = Math.max(maxF32Error, err);
        const tol = gamma * rowAbs[Math.floor(idx / N)] * colMax[idx % N];
        if (!(err <= tol)) { fail(r, idx, `${want} ± ${tol.toPrecision(3)}`, out[idx]); break; }
      }
    }
    notes.push(`${name}: float32 runners within γ_K·Σ|a||b| of the exact product; max |error| ${maxF32Error}`);
  }
  return { failed, notes, maxF32Error };
}

// ---------------------------------------------------------------------------------------------
// Timing. Warm-up (JIT tiers, ORT's first-run allocations, memory growth) until warmupSeconds and
// at least 2 runs; the batch size n is then chosen so that one batch takes ≈ batchSeconds; each
// repetition times one batch of every runner in turn (interleaved, so a burst of machine noise hits
// all runners rather than one). GOPS of a batch = n·ops / seconds / 1e9. Tables show the median
// and the min (the slowest repetition: how far noise pulled the figure down); the max and every
// repetition are in the saved JSON.

async function warmUp(r, warmupSeconds) {
  let runs = 0;
  const t0 = now();
  while (runs < 2 || now() - t0 < warmupSeconds) { await r.run(); runs++; }
  return (now() - t0) / runs;  // seconds per run, the first runs included: only sizes the batch
}

async function timeBatch(r, n, cpuSeconds) {
  const c0 = cpuSeconds?.();
  const t0 = now();
  for (let i = 0; i < n; i++) await r.run();
  const t1 = now();
  return { wall: t1 - t0, cpu: cpuSeconds ? cpuSeconds() - c0 : null };
}

/**
 * Times the runners of one shape; returns Map name → { median, min, max, gops[], batch, msPerRun }
 * (GOPS over wall-clock time), plus cpuMedian/cpuGops when a cpuSeconds clock is given: GOPS over
 * the CPU time of the process (Node: process.cpuUsage), which time slices lost to other processes
 * on a shared machine do not count against. The browser has no such clock.
 */
export async function timeRunners(runners, { reps, batchSeconds, warmupSeconds }, log = () => {}, cpuSeconds = null) {
  const batch = new Map();
  for (const r of runners) {
    const perRun = await warmUp(r, warmupSeconds);
    batch.set(r, Math.max(1, Math.round(batchSeconds / perRun)));
  }
  const gops = new Map(runners.map((r) => [r, []]));
  const cpuGops = new Map(runners.map((r) => [r, []]));
  for (let rep = 0; rep < reps; rep++) {
    for (const r of runners) {
      const n = batch.get(r);
      const { wall, cpu } = await timeBatch(r, n, cpuSeconds);
      gops.get(r).push((n * r.ops) / wall / 1e9);
      if (cpu) cpuGops.get(r).push((n * r.ops) / cpu / 1e9);
    }
    log(`  rep ${rep + 1}/${reps}`);
  }
  const out = new Map();
  for (const r of runners) {
    const g = gops.get(r);
    const med = median(g);
    const cg = cpuGops.get(r);
    out.set(r.name, {
      median: med, min: Math.min(...g), max: Math.max(...g), gops: g,
      batch: batch.get(r), msPerRun: (r.ops / (med * 1e9)) * 1e3,
      ...(cg.length === g.length ? { cpuMedian: median(cg), cpuMin: Math.min(...cg), cpuGops: cg } : {}),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

/**
 * The whole benchmark. makeRunners(shape, data) → runners (ORT's and ours for that shape).
 * meta: runtime, versions, CPU, … (saved as is). cpuSeconds: optional process CPU clock (see
 * timeRunners). Returns the result object that formatMarkdown()
 * prints and save_results.mjs writes.
 */
export async function runGemmBench({ shapes, makeRunners, timing = TIMING.full, meta = {}, log = () => {}, cpuSeconds = null, weightBits = 8 }) {
  const result = {
    meta: { ...meta, date: new Date().toISOString(), timing, weights: weightBits === 7 ? 'int8 codes in [−64, 63] (7-bit)' : 'int8 codes in [−128, 127]' },
    shapes: shapes.map(shapeName),
    runners: [],   // [{ name, kind }] in order of first appearance
    cells: {},     // runner name → shape name → { median, min, max, gops, batch, msPerRun }
    checks: {},    // shape name → { failed, notes, maxF32Error }
    errors: [],
  };
  for (const shape of shapes) {
    const name = shapeName(shape);
    log(`${name}: building inputs and runners`);
    const data = makeGemmData(shape, { weightBits });
    const runners = await makeRunners(shape, data);
    for (const r of runners) {
      if (!result.runners.some((x) => x.name === r.name)) result.runners.push({ name: r.name, kind: r.kind });
    }
    const check = await crossCheck(runners, shape, data);
    for (const r of runners) if (r.variant?.startsWith('int8-relaxed')) check.notes.push(`${name}: ${r.name} ran ${r.variant}`);
    result.checks[name] = check;
    for (const line of check.notes) log(`  ${line}`);
    const good = runners.filter((r) => !check.failed.includes(r.name));
    log(`${name}: timing ${good.map((r) => r.name).join(', ')}`);
    try {
      const cells = await timeRunners(good, timing, log, cpuSeconds);
      for (const [runner, cell] of cells) (result.cells[runner] ??= {})[name] = cell;
    } catch (e) {
      result.errors.push(`${name}: ${e?.stack ?? e}`);
      log(`  error: ${e?.message ?? e}`);
    }
    for (const r of runners) await r.dispose?.();
  }
  result.ratios = computeRatios(result);
  return result;
}

/** Ratio rows: label, target, and per shape the ratio of medians (null when a runner is missing). */
export function computeRatios(result) {
  const med = (runner, shape) => result.cells[runner]?.[shape]?.median ?? null;
  // The peak loop measures the machine, not the shape: when a shape lacks it, use its best median.
  const peakAny = Math.max(...Object.values(result.cells[PEAK] ?? {}).map((c) => c.median), -Infinity);
  const den = (runner, shape) => med(runner, shape) ?? (runner === PEAK && peakAny > 0 ? peakAny : null);
  return RATIOS.map(({ label, num, den: d, target }) => ({
    label, target,
    values: Object.fromEntries(result.shapes.map((s) => {
      const a = med(num, s), b = den(d, s);
      return [s, a !== null && b ? a / b : null];
    })),
  }));
}

// ---------------------------------------------------------------------------------------------
// Printing: markdown tables, readable in a terminal as well.

const DASH = '–';

function mdTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

// One decimal from 1 GOPS up; 3 significant digits below (tiny shapes, scalar code).
const gopsText = (g) => (g >= 1 ? g.toFixed(1) : g.toPrecision(3));

/** clock 'wall' (the benchmark's figure) or 'cpu' (per CPU second; Node only, null if absent). */
export function formatGopsTable(result, clock = 'wall') {
  const [med, min] = clock === 'cpu' ? ['cpuMedian', 'cpuMin'] : ['median', 'min'];
  const cells = Object.values(result.cells).flatMap((byShape) => Object.values(byShape));
  if (!cells.some((c) => c[med] !== undefined)) return null;
  const rows = result.runners.map(({ name }) => [name, ...result.shapes.map((s) => {
    const c = result.cells[name]?.[s];
    if (c && c[med] !== undefined) return `${gopsText(c[med])} (${gopsText(c[min])})`;
    return (result.checks[s]?.failed ?? []).includes(name) ? 'WRONG' : DASH;
  })]);
  return mdTable([clock === 'cpu' ? 'GOPS per CPU second' : 'GOPS median (min)', ...result.shapes], rows);
}

/** Median time of one run: at batch 1 a fixed per-call cost (ORT: session.run) dominates. */
export function formatTimeTable(result) {
  const rows = result.runners.map(({ name }) => [name, ...result.shapes.map((s) => {
    const c = result.cells[name]?.[s];
    return c ? (c.msPerRun * 1e3).toFixed(c.msPerRun < 1 ? 1 : 0) : DASH;
  })]);
  return mdTable(['µs per run (median)', ...result.shapes], rows);
}

export function formatRatioTable(result) {
  const rows = (result.ratios ?? computeRatios(result)).map((r) => [
    r.label, ...result.shapes.map((s) => (r.values[s] === null ? DASH : `${r.values[s].toFixed(2)}×`)), r.target,
  ]);
  return mdTable(['ratio of medians', ...result.shapes, 'target'], rows);
}

function formatMeta(m) {
  const lines = [
    `- runtime: ${m.runtime}${m.runtimeVersion ? ` ${m.runtimeVersion}` : ''}`,
    m.userAgent ? `- user agent: ${m.userAgent}` : null,
    `- CPU: ${m.cpu ?? 'unknown'}${m.cores ? ` (${m.cores} logical cores)` : ''}${m.cpuDetail ? `, ${m.cpuDetail}` : ''}`,
    m.ort ? `- onnxruntime-web ${m.ort.version}, wasm backend, numThreads ${m.ort.numThreads}${m.ort.wasmFile ? `, ${m.ort.wasmFile}` : ''}` : null,
    `- ours: ${m.ours ?? 'not loaded'}`,
    m.crossOriginIsolated !== undefined ? `- cross-origin isolated: ${m.crossOriginIsolated}` : null,
    `- date: ${m.date}`,
    m.weights ? `- weights (B): ${m.weights}` : null,
    `- timing: ${m.timing.reps} repetitions of a batch of ≈ ${m.timing.batchSeconds} s per runner and shape, interleaved, after ≥ ${m.timing.warmupSeconds} s warm-up`,
    m.loadAverage ? `- load average at start (1, 5, 15 min): ${m.loadAverage.map((x) => x.toFixed(2)).join(', ')}` : null,
    m.note ? `- note: ${m.note}` : null,
  ];
  return lines.filter(Boolean).join('\n');
}

/** The report: meta, GOPS table, ratio table, cross-check lines, errors. */
export function formatMarkdown(result) {
  const checks = Object.values(result.checks).flatMap((c) => c.notes).map((l) => `- ${l}`);
  return [
    `## GEMM benchmark: ${result.meta.runtime}`, '',
    formatMeta(result.meta), '',
    formatGopsTable(result) ?? 'no timings', '',
    formatRatioTable(result), '',
    formatTimeTable(result), '',
    ...(formatGopsTable(result, 'cpu') ? ['The same runs over the CPU time of the process (time lost to other processes on a',
      'shared machine not counted; the ratios above use the wall-clock medians):', '', formatGopsTable(result, 'cpu'), ''] : []),
    'Cross-check before timing:', ...checks,
    ...(result.errors.length ? ['', 'Errors:', ...result.errors.map((e) => `- ${e}`)] : []),
    '',
  ].join('\n');
}
