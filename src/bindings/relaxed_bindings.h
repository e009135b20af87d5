// Bindings of the relaxed-SIMD GEMM path: web/lib/relaxed.mjs instantiates the WAT micro-kernels
// on this module's memory, appends them to this module's function table and passes their table
// indices here. See kernels/gemm_q8_relaxed.h.
#pragma once
#include <emscripten/val.h>

namespace qp::bindings {

using emscripten::val;

// Installs the micro-kernels at these function-table indices (wasm32 function pointers are table
// indices; a call goes wasm to wasm through call_indirect, no JS in between).
val install_relaxed_kernels(int index_3x8, int index_1x8);
bool relaxed_kernels_installed();

}  // namespace qp::bindings
