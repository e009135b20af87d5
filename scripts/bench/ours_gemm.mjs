// Our GEMM kernels as benchmark runners (issue #5): the packed SIMD kernel for uint8×int8 and
// int8×int8, the relaxed-SIMD kernel where the engine has it, the float32 GEMM, the triple-loop
// scalar reference (small shapes only: it runs at ~1 GOPS) and the register-only peak loop.
//
// Runner interface, shared with ort_gemm.mjs and consumed by bench_table.mjs:
//   {
//     name:    string, unique in a table row, e.g. 'ours int8×int8'. Planned names (the ratios of
//              bench_table.mjs look them up): 'ours int8×int8', 'ours uint8×int8',
//              'ours relaxed u8×s8', 'ours float32', 'scalar reference', 'peak loop'.
//     kind:    'u8s8' | 's8s8' | 'f32' | 'peak'   (what is multiplied; 'peak' = no real GEMM)
//     ops:     2·M·N·K for a GEMM (one multiply + one add per term), the count for GOPS; for the
//              peak loop, the multiply-adds it really executes ×2.
//     run:     async () => void, ONE product on the prebuilt inputs (no packing of B, no
//              allocation if avoidable: packing B happens once, when the runner is made).
//     output:  async () => Int32Array | Float32Array, C [M,N] row-major of one run, for the
//              cross-check: a copy (.slice()), not a view of wasm memory, which the next run
//              overwrites and memory growth detaches. Omit it for runners without a result (peak loop).
//     dispose: optional async () => void, frees wasm memory at the end of the shape.
//   }
// Inputs: data from gemm_shapes.mjs makeGemmData(shape): aU8/aS8 [M,K], bS8 [K,N], aF32/bF32,
// zero points in data.zp ({aU8, aS8, b}). Integer runners must return exactly
// C = Σ_k (A − za)(B − zb), the same int32 as ORT's MatMulInteger (checked bit for bit); float
// runners compute aF32·bF32. The timing loop awaits run() in a batch, so a synchronous kernel may
// simply be wrapped in an async function.

// Above this many operations the scalar reference would take seconds per run: it is skipped.
const REFERENCE_MAX_OPS = 1.1e8;

/** @param qp the object of web/lib/qplay.mjs loadQplay(), or null when the wasm build is absent. */
export async function makeOurRunners(qp, shape, data) {
  if (!qp || typeof qp.prepareMatmul !== 'function') return [];
  const { M: m, K: k, N: n } = shape;
  const ops = 2 * m * n * k;
  const runners = [];
  const plan = (name, kind, options) => {
    const p = qp.prepareMatmul({ m, k, n, ...options });
    runners.push({
      name, kind, ops,
      // Which path the relaxed kernel took for these weights ('int8-relaxed/one-dot' or '/simd128').
      variant: typeof p.variant === 'function' ? p.variant() : null,
      run: async () => p.run(),
      output: async () => { p.run(); return p.output(); },  // one product, as ORT's output()
      dispose: async () => p.release(),
    });
  };
  const zb = [data.zp.b];
  plan('ours uint8×int8', 'u8s8', { kind: 'int8', a: data.aU8, b: data.bS8, aZeroPoint: data.zp.aU8, bZeroPoints: zb });
  plan('ours int8×int8', 's8s8', { kind: 'int8', a: data.aS8, b: data.bS8, aZeroPoint: data.zp.aS8, bZeroPoints: zb });
  const caps = typeof qp.capabilities === 'function' ? qp.capabilities() : null;
  if (caps?.relaxedInstalled) {
    plan('ours relaxed u8×s8', 'u8s8', { kind: 'int8-relaxed', a: data.aU8, b: data.bS8, aZeroPoint: data.zp.aU8, bZeroPoints: zb });
  }
  plan('ours float32', 'f32', { kind: 'f32', a: data.aF32, b: data.bF32 });
  if (ops <= REFERENCE_MAX_OPS) {
    plan('scalar reference', 's8s8', { kind: 'int8-ref', a: data.aS8, b: data.bS8, aZeroPoint: data.zp.aS8, bZeroPoints: zb });
  }
  if (qp.build === 'simd') {
    // As many loop iterations as the shape has operations (96 per iteration), at least 1000.
    const iterations = Math.max(1000, Math.round(ops / 96));
    let sink = 0;
    runners.push({
      name: 'peak loop', kind: 'peak', ops: iterations * 96,
      run: async () => { sink ^= qp.peakLoop(iterations); },
    });
    void sink;
  }
  return runners;
}
