// Bindings of the relaxed-SIMD GEMM path: web/lib/relaxed.mjs instantiates the WAT micro-kernels
// on this module's memory, appends them to this module's function table and passes their table
// indices here. See kernels/gemm_q8_relaxed.h.
#pragma once
#include <emscripten/val.h>

#include <string>

namespace qp::bindings {

using emscripten::val;

// Installs the micro-kernels at these function-table indices (wasm32 function pointers are table
// indices; a call goes wasm to wasm through call_indirect, no JS in between). set: "i7" (3-row
// group kernel, panel bytes in [0, 127]) or "u8" (4-row group kernel, exact unsigned panel bytes).
val install_relaxed_kernels(int index_group, int index_1x8, const std::string& set);
bool relaxed_kernels_installed();

}  // namespace qp::bindings
