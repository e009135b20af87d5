// WebAssembly SIMD128 micro-kernel of gemm_q8.h: up to 4 rows × 8 columns of int32 sums.
// Per pair of k: two 16-byte loads of the weight panel, then for each row one 4-byte splat of
// (a(i,k), a(i,k+1)) and two i32x4.dot_i16x8_s + i32x4.add (V8 lowers the dot to one pmaddwd).
// 8 accumulators + 2 weight vectors + 1 splat stay within the 16 vector registers of x86-64.
// Bit-exact with gemm_q8_micro_generic: integer sums in any order are identical (mod 2^32).
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "kernels/gemm_q8.h"

namespace qp::kernels {

namespace {

template <size_t Rows>
void micro_rows(size_t k_padded, const int16_t* a, size_t a_stride, const int16_t* panel, int32_t* out) {
  v128_t acc_lo[Rows], acc_hi[Rows];  // columns 0–3 and 4–7
  for (size_t r = 0; r < Rows; ++r) acc_lo[r] = acc_hi[r] = wasm_i32x4_splat(0);
  for (size_t p = 0; p < k_padded; p += 2) {
    const v128_t b_lo = wasm_v128_load(panel + p * kPanelCols);
    const v128_t b_hi = wasm_v128_load(panel + p * kPanelCols + 8);
    for (size_t r = 0; r < Rows; ++r) {
      const v128_t pair = wasm_v128_load32_splat(a + r * a_stride + p);
      acc_lo[r] = wasm_i32x4_add(acc_lo[r], wasm_i32x4_dot_i16x8(pair, b_lo));
      acc_hi[r] = wasm_i32x4_add(acc_hi[r], wasm_i32x4_dot_i16x8(pair, b_hi));
    }
  }
  for (size_t r = 0; r < Rows; ++r) {
    wasm_v128_store(out + r * kPanelCols, acc_lo[r]);
    wasm_v128_store(out + r * kPanelCols + 4, acc_hi[r]);
  }
}

}  // namespace

void gemm_q8_micro__wasmsimd(size_t rows, size_t k_padded, const int16_t* a, size_t a_stride,
                             const int16_t* panel, int32_t* out) {
  static_assert(kMicroRows == 4, "one instantiation per row count below");
  switch (rows) {
    case 4: micro_rows<4>(k_padded, a, a_stride, panel, out); break;
    case 3: micro_rows<3>(k_padded, a, a_stride, panel, out); break;
    case 2: micro_rows<2>(k_padded, a, a_stride, panel, out); break;
    default: micro_rows<1>(k_padded, a, a_stride, panel, out); break;
  }
}

}  // namespace qp::kernels
#endif
