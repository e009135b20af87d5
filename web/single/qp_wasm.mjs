// The SIMD core for the single-file page: the classic-script build with the wasm inlined
// (CMake target qp_wasm_single, -sSINGLE_FILE=1), in place of gen/qp_wasm.mjs.
import createQplayModule from '../gen/qp_wasm_single.cjs';

export default createQplayModule;
