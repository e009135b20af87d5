// The GEMM shapes of issue #5 ("Benchmarks") and the seeded inputs every runner of the benchmark
// gets, so that ORT's runners and ours multiply exactly the same numbers.
// No Node or DOM imports: the Node entry point and the headless-Chromium page both import it.
//
// C = A·B with A [M,K] (activations, row-major) and B [K,N] (weights, row-major), C [M,N].
import { rng } from '../../web/app/tensors.mjs';  // the project's seeded PRNG (Mulberry32)

/** Batch 1 (GEMV), a small batch, and two large GEMMs, as the issue lists them. */
export const GEMM_SHAPES = Object.freeze([
  { M: 1, K: 784, N: 256 },
  { M: 64, K: 784, N: 256 },
  { M: 256, K: 1024, N: 1024 },
  { M: 1024, K: 1024, N: 1024 },
].map(Object.freeze));

/** 'M×K×N', the column heading of the tables and the key of the saved results. */
export function shapeName({ M, K, N }) {
  return `${M}×${K}×${N}`;
}

/**
 * Parses a --shapes filter: comma-separated 'MxKxN' (x or ×), e.g. '1x784x256,256x1024x1024'.
 * Shapes that are not in GEMM_SHAPES are allowed (tiny smoke shapes, odd sizes).
 */
export function parseShapes(text) {
  return text.split(',').filter(Boolean).map((s) => {
    const parts = s.trim().split(/[x×]/).map(Number);
    if (parts.length !== 3 || !parts.every((v) => Number.isInteger(v) && v > 0))
      throw new Error(`bad shape '${s}': expected MxKxN with positive integers, e.g. 64x784x256`);
    const [M, K, N] = parts;
    return { M, K, N };
  });
}

/**
 * Zero points of the benchmark data. The uint8 and int8 activations are the same integers shifted
 * by 128 (aS8 = aU8 − 128 and zpS8 = zpU8 − 128), so a − za is identical for both and every
 * integer runner (u8×s8 and s8×s8 alike) must return the same int32 C. B is symmetric (zero point
 * 0), as produced by per-tensor symmetric weight quantization (and ORT's dynamic quantization).
 */
export const BENCH_ZERO_POINTS = Object.freeze({ aU8: 131, aS8: 131 - 128, b: 0 });

/**
 * Seeded inputs for one shape.
 *   aU8 Uint8Array [M,K], aS8 Int8Array [M,K] (= aU8 − 128), bS8 Int8Array [K,N]: uniform over the
 *   whole range (extreme values included), zero points as in BENCH_ZERO_POINTS (override: zp).
 *   aF32 = aU8 − zpU8 and bF32 = bS8 − zpB as float32, so the float runners compute the same
 *   product, and exactly as long as partial sums stay below 2^24 (see bench_table.mjs).
 */
export function makeGemmData({ M, K, N }, { seed = 1, zp = BENCH_ZERO_POINTS, weightBits = 8 } = {}) {
  // weightBits 7: B in [−64, 63] (7-bit weights, e.g. reduce_range or int4 stored as int8): the
  // range where the relaxed-SIMD kernel needs one dot per 16 multiply-adds. The other kernels'
  // speed does not depend on the values.
  if (weightBits !== 7 && weightBits !== 8) throw new Error(`weightBits must be 7 or 8, got ${weightBits}`);
  const bSpan = weightBits === 7 ? 128 : 256;
  if (zp.aS8 !== zp.aU8 - 128) throw new Error('zero points: aS8 must equal aU8 − 128 (same a − za)');
  const r = rng(seed);
  const aU8 = new Uint8Array(M * K);
  const aS8 = new Int8Array(M * K);
  const aF32 = new Float32Array(M * K);
  for (let i = 0; i < aU8.length; i++) {
    aU8[i] = Math.floor(r() * 256);
    aS8[i] = aU8[i] - 128;
    aF32[i] = aU8[i] - zp.aU8;
  }
  const bS8 = new Int8Array(K * N);
  const bF32 = new Float32Array(K * N);
  for (let i = 0; i < bS8.length; i++) {
    bS8[i] = Math.floor(r() * bSpan) - bSpan / 2;
    bF32[i] = bS8[i] - zp.b;
  }
  return { M, K, N, seed, zp: { ...zp }, aU8, aS8, bS8, aF32, bF32 };
}

/** Plain reference: C[m,n] = Σ_k (A[m,k] − za)(B[k,n] − zb), in exact integer arithmetic. */
export function referenceGemmInt(a, za, b, zb, M, K, N) {
  const c = new Int32Array(M * N);
  const row = new Float64Array(N);  // |sums| < 2^53: exact in doubles, no int32 wrap in the middle
  for (let m = 0; m < M; m++) {
    row.fill(0);
    for (let k = 0; k < K; k++) {
      const av = a[m * K + k] - za;
      if (av === 0) continue;
      const bRow = k * N;
      for (let n = 0; n < N; n++) row[n] += av * (b[bRow + n] - zb);
    }
    for (let n = 0; n < N; n++) c[m * N + n] = row[n];
  }
  return c;
}

/** One element of the reference, for spot checks of large shapes. */
export function referenceGemmIntAt(a, za, b, zb, K, N, m, n) {
  let s = 0;
  for (let k = 0; k < K; k++) s += (a[m * K + k] - za) * (b[k * N + n] - zb);
  return s;
}
