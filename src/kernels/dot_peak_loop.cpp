// dot_i16x8_peak_loop (matmul_plan.h): the ceiling of the SIMD128 int8 kernels. Six accumulator
// chains of i32x4.add over i32x4.dot_i16x8_s, 13 live vectors (fits the 16 registers of x86-64
// without spills). The second operand is re-read through a volatile pointer each iteration: a
// single load, but it keeps compilers and engines from hoisting the loop-invariant dots (a loop
// whose dots get hoisted measures only adds and reports ~3× too many operations).
#include "kernels/matmul_plan.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qp::kernels {

int32_t dot_i16x8_peak_loop(size_t iterations) {
#if defined(__wasm_simd128__)
  static volatile v128_t operand = wasm_i16x8_make(3, -1, 4, -1, 5, -9, 2, -6);
  const v128_t seed = operand;
  v128_t x[6], acc[6];
  for (int i = 0; i < 6; ++i) {
    x[i] = wasm_i16x8_add(seed, wasm_i16x8_splat(static_cast<int16_t>(i)));
    acc[i] = wasm_i32x4_splat(0);
  }
  for (size_t it = 0; it < iterations; ++it) {
    const v128_t y = operand;
    for (int i = 0; i < 6; ++i) acc[i] = wasm_i32x4_add(acc[i], wasm_i32x4_dot_i16x8(x[i], y));
  }
  v128_t sum = acc[0];
  for (int i = 1; i < 6; ++i) sum = wasm_i32x4_add(sum, acc[i]);
  return wasm_i32x4_extract_lane(sum, 0);
#else
  (void)iterations;
  return 0;
#endif
}

}  // namespace qp::kernels
