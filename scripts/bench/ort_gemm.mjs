// onnxruntime-web as the peer of our GEMM kernels (issue #5): MatMulInteger u8×s8 and s8×s8, and
// float32 MatMul, on the wasm backend with one thread, each as a one-node model built in memory
// (onnx_model_bytes.mjs) whose weights B are an initializer, so ORT pre-packs them once per session.
//
// The caller passes the `ort` namespace: Node imports 'onnxruntime-web' (→ dist/ort.node.min.mjs,
// which reads dist/ort-wasm-simd-threaded.{mjs,wasm} from node_modules), the page imports
// dist/ort.wasm.min.mjs with env.wasm.wasmPaths pointing at the same folder served locally.
// onnxruntime-web 1.30 ships SIMD builds only (there is no non-SIMD .wasm and env.wasm.simd is
// gone), so "SIMD on" needs no flag; what we pin is the thread count. A session.run includes
// ORT's JS↔wasm copies of A and C: that is what a user of onnxruntime-web pays per call.
import { matMulIntegerModel, matMulFloatModel } from './onnx_model_bytes.mjs';

/** One thread, no proxy worker; must be set before the first session is created. */
export function configureOrt(ort, { wasmPaths } = {}) {
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  if (wasmPaths !== undefined) ort.env.wasm.wasmPaths = wasmPaths;
}

/** Versions and settings to save with the results. */
export function ortInfo(ort) {
  return { version: ort.env.versions?.web ?? 'unknown', numThreads: ort.env.wasm.numThreads, backend: 'wasm' };
}

async function runner(ort, { name, kind, shape, modelBytes, input }) {
  const session = await ort.InferenceSession.create(modelBytes, {
    executionProviders: ['wasm'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
  });
  const feeds = { A: input };
  return {
    name, kind,
    ops: 2 * shape.M * shape.N * shape.K,
    run: async () => { await session.run(feeds); },
    output: async () => (await session.run(feeds)).Y.data.slice(),  // a copy: never a view ORT may reuse
    dispose: async () => { await session.release(); },
  };
}

/**
 * The ORT runners for one shape on the data of gemm_shapes.mjs makeGemmData(): same A, B and zero
 * points as ours. Zero points are initializers when non-zero, omitted when 0 (ONNX default).
 */
export async function makeOrtRunners(ort, shape, data) {
  configureOrt(ort);
  const { M, K, N } = shape;
  const zpOrNull = (v) => (v === 0 ? null : v);
  return [
    await runner(ort, {
      name: 'ORT MatMulInteger u8×s8', kind: 'u8s8', shape,
      modelBytes: matMulIntegerModel({ M, K, N, aType: 'uint8', b: data.bS8, aZeroPoint: zpOrNull(data.zp.aU8), bZeroPoint: zpOrNull(data.zp.b) }),
      input: new ort.Tensor('uint8', data.aU8, [M, K]),
    }),
    await runner(ort, {
      name: 'ORT MatMulInteger s8×s8', kind: 's8s8', shape,
      modelBytes: matMulIntegerModel({ M, K, N, aType: 'int8', b: data.bS8, aZeroPoint: zpOrNull(data.zp.aS8), bZeroPoint: zpOrNull(data.zp.b) }),
      input: new ort.Tensor('int8', data.aS8, [M, K]),
    }),
    await runner(ort, {
      name: 'ORT MatMul f32', kind: 'f32', shape,
      modelBytes: matMulFloatModel({ M, K, N, b: data.bF32 }),
      input: new ort.Tensor('float32', data.aF32, [M, K]),
    }),
  ];
}
