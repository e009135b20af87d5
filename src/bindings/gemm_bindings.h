// Bindings of the matmul kernels: prepared matrix multiplications held by id (benchmarks, the
// Kernels panel, matmulInteger) and the peak loop. Conversions only; see kernels/matmul_plan.h.
#pragma once
#include <emscripten/val.h>

namespace qp::bindings {

using emscripten::val;

val prepare_matmul(val options);   // -> id
val run_matmul(int id, int times);  // runs it `times` times
val matmul_output(int id);          // Int32Array or Float32Array copy of C
void release_matmul(int id);
val matmul_variant(int id);         // which path runs, e.g. "int8-relaxed/one-dot"
val peak_loop(double iterations);   // checksum
val set_threads(int n);             // -> { threads, available }: threads the matmuls may use

}  // namespace qp::bindings
