// Our GEMM kernels as benchmark runners (issue #5). STUB: the lead replaces the body once the
// kernels (src/kernels/) are bound to JS; until then it returns [] and the bench runs ORT alone.
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

/** @param qp the object of web/lib/qplay.mjs loadQplay(), or null when the wasm build is absent. */
export async function makeOurRunners(qp, shape, data) {
  if (!qp || typeof qp.prepareGemm !== 'function') return [];
  // The real runners go here (the lead's part): e.g. const g = qp.prepareGemm(...); return [{ name:
  // 'ours int8×int8', kind: 's8s8', ops: 2 * shape.M * shape.N * shape.K, run, output }, ...].
  void data;
  return [];
}
