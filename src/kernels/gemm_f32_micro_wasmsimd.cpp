// WebAssembly SIMD128 micro-kernel of gemm_f32.h: up to 4 rows × 8 columns. Per k: two 16-byte
// loads of the panel, one 4-byte splat of a(i,k) per row, f32x4.mul then f32x4.add (separately
// rounded, as the reference; SIMD128 has no fused multiply-add). Each lane walks k in order, so
// the result equals the reference bit for bit.
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "kernels/gemm_f32.h"

namespace qp::kernels {

namespace {

template <size_t Rows>
void micro_rows(size_t k, const float* a, size_t a_stride, const float* panel, float* out) {
  v128_t acc_lo[Rows], acc_hi[Rows];
  for (size_t r = 0; r < Rows; ++r) acc_lo[r] = acc_hi[r] = wasm_f32x4_splat(0.0f);
  for (size_t p = 0; p < k; ++p) {
    const v128_t b_lo = wasm_v128_load(panel + p * kPanelCols);
    const v128_t b_hi = wasm_v128_load(panel + p * kPanelCols + 4);
    for (size_t r = 0; r < Rows; ++r) {
      const v128_t av = wasm_v128_load32_splat(a + r * a_stride + p);
      acc_lo[r] = wasm_f32x4_add(acc_lo[r], wasm_f32x4_mul(av, b_lo));
      acc_hi[r] = wasm_f32x4_add(acc_hi[r], wasm_f32x4_mul(av, b_hi));
    }
  }
  for (size_t r = 0; r < Rows; ++r) {
    wasm_v128_store(out + r * kPanelCols, acc_lo[r]);
    wasm_v128_store(out + r * kPanelCols + 4, acc_hi[r]);
  }
}

}  // namespace

void gemm_f32_micro__wasmsimd(size_t rows, size_t k, const float* a, size_t a_stride, const float* panel,
                              float* out) {
  static_assert(kF32MicroRows == 4, "one instantiation per row count below");
  switch (rows) {
    case 4: micro_rows<4>(k, a, a_stride, panel, out); break;
    case 3: micro_rows<3>(k, a, a_stride, panel, out); break;
    case 2: micro_rows<2>(k, a, a_stride, panel, out); break;
    default: micro_rows<1>(k, a, a_stride, panel, out); break;
  }
}

}  // namespace qp::kernels
#endif
