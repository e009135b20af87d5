// Portable micro-kernel of gemm_q8.h (native builds and the scalar WebAssembly build): the same
// packed layout walked with plain loops. Products of int16 codes fit int32; sums wrap like the
// SIMD tier's i32x4.add (unsigned arithmetic keeps that defined).
#include "kernels/gemm_q8.h"

namespace qp::kernels {

void gemm_q8_micro_generic(size_t rows, size_t k_padded, const int16_t* a, size_t a_stride,
                           const int16_t* panel, int32_t* out) {
  for (size_t r = 0; r < rows; ++r) {
    uint32_t acc[kPanelCols] = {};
    const int16_t* row = a + r * a_stride;
    for (size_t p = 0; p < k_padded; p += 2) {
      const int16_t* pair = panel + p * kPanelCols;  // 16 values: (k, k+1) for 8 columns
      for (size_t j = 0; j < kPanelCols; ++j) {
        acc[j] += static_cast<uint32_t>(row[p] * pair[2 * j] + row[p + 1] * pair[2 * j + 1]);
      }
    }
    for (size_t j = 0; j < kPanelCols; ++j) out[r * kPanelCols + j] = static_cast<int32_t>(acc[j]);
  }
}

}  // namespace qp::kernels
