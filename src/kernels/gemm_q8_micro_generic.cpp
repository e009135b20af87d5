// Portable micro-kernels of gemm_q8.h (native builds and the scalar WebAssembly build): the same
// packed layouts walked with plain loops. Products of 8-bit codes fit int32; sums wrap like the
// SIMD tier's i32x4.add (unsigned arithmetic keeps that defined).
#include "kernels/gemm_q8.h"

namespace qp::kernels {

namespace {

// Σ over one block of 8 k of a[p]·b[p].
inline uint32_t block_dot(const int16_t* a, const int16_t* b) {
  uint32_t s = 0;
  for (size_t p = 0; p < kDepthBlock; ++p) s += static_cast<uint32_t>(a[p] * b[p]);
  return s;
}

// `rows` rows whose block kb starts at a + kb*block_stride + r*kDepthBlock.
void micro(size_t rows, size_t block_stride, size_t k_padded, const int16_t* a, const int16_t* panel, int32_t* out) {
  const size_t blocks = k_padded / kDepthBlock;
  for (size_t pair = 0; pair < kPanelCols / 2; ++pair) {
    const int16_t* b = panel + pair * k_padded * 2;
    for (size_t r = 0; r < rows; ++r) {
      uint32_t s0 = 0, s1 = 0;
      for (size_t kb = 0; kb < blocks; ++kb) {
        const int16_t* av = a + kb * block_stride + r * kDepthBlock;
        s0 += block_dot(av, b + kb * 2 * kDepthBlock);
        s1 += block_dot(av, b + kb * 2 * kDepthBlock + kDepthBlock);
      }
      out[r * kPanelCols + 2 * pair] = static_cast<int32_t>(s0);
      out[r * kPanelCols + 2 * pair + 1] = static_cast<int32_t>(s1);
    }
  }
}

}  // namespace

void gemm_q8_micro_3x8_generic(size_t k_padded, const int16_t* a, const int16_t* panel, int32_t* out) {
  micro(kMicroRows, kMicroRows * kDepthBlock, k_padded, a, panel, out);
}

void gemm_q8_micro_1x8_generic(size_t k_padded, const int16_t* a, const int16_t* panel, int32_t* out) {
  micro(1, kDepthBlock, k_padded, a, panel, out);
}

}  // namespace qp::kernels
