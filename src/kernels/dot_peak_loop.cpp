// dot_i16x8_peak_loop (matmul_plan.h): the ceiling of the SIMD128 int8 kernels. Six accumulator
// chains of i32x4.add over i32x4.dot_i16x8_s; 6 accumulators + 6 operands + 1 loaded operand fit
// the 16 vector registers of x86-64 without spills. The shared operand is loaded each iteration
// from a 1 KiB table at a rotating address: a load costs no vector ALU slot, and the changing
// value keeps compilers and engines from hoisting or merging the dots (a loop whose dots get
// hoisted measures only adds and reports several times too many operations).
#include "kernels/matmul_plan.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qp::kernels {

int32_t dot_i16x8_peak_loop(size_t iterations) {
#if defined(__wasm_simd128__)
  alignas(16) static int16_t table[64 * 8];
  for (size_t i = 0; i < 64 * 8; ++i) table[i] = static_cast<int16_t>((i * 37) % 255 - 127);
  v128_t x[6], acc[6];
  for (int i = 0; i < 6; ++i) {
    x[i] = wasm_v128_load(table + 8 * (i + 1));
    acc[i] = wasm_i32x4_splat(0);
  }
  for (size_t it = 0; it < iterations; ++it) {
    const v128_t y = wasm_v128_load(table + (it & 63) * 8);
    for (int i = 0; i < 6; ++i) acc[i] = wasm_i32x4_add(acc[i], wasm_i32x4_dot_i16x8(x[i], y));
  }
  v128_t sum = acc[0];
  for (int i = 1; i < 6; ++i) sum = wasm_i32x4_add(sum, acc[i]);
  return wasm_i32x4_extract_lane(sum, 0) ^ wasm_i32x4_extract_lane(sum, 1) ^ wasm_i32x4_extract_lane(sum, 2) ^
         wasm_i32x4_extract_lane(sum, 3);
#else
  (void)iterations;
  return 0;
#endif
}

}  // namespace qp::kernels
