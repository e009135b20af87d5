// A minimal module using one SIMD instruction: WebAssembly.validate() says whether the engine
// supports 128-bit SIMD. Shared by the loader (qplay.mjs: which build to load) and the service
// worker's manifest (scripts/vite_offline.mjs: which build to precache), which must agree.
export const SIMD_PROBE = Object.freeze([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0,
  10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11]);
