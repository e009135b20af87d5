// Portable emulation of the relaxed-SIMD micro-kernels of gemm_q8_relaxed.h (the WAT ones in
// gemm_q8_relaxed.wat), for native builds and the tests. Each dot (the WAT's
// i16x8.relaxed_dot_i8x16_i7x16_s + i32x4.extadd_pairwise_i16x8_s + i32x4.add) is computed the way
// V8 lowers it on x86 without VNNI, the least forgiving of the allowed implementations:
//   pmaddubsw: 8 int16 = saturate16(a'[2i]·u[2i] + a'[2i+1]·u[2i+1]), u = the i7 byte read as UNSIGNED
//   pmaddwd with ones: 4 int32 = sum of adjacent int16 pairs;  paddd: add to the accumulator.
// With every weight byte in [0, 127] this is the exact dot product; outside it gives the same wrong
// sums as the browser would, so the packing's range guarantee is what the tests check.
// The u8 set (i32x4.relaxed_dot_i8x16_i7x16_add_s as one vpdpbusd on x86 with AVX-VNNI) is the exact
// sum of signed × unsigned bytes, 4 rows per group.
#include <algorithm>

#include "kernels/gemm_q8_relaxed.h"

namespace qp::kernels {

namespace {

// One 16-byte relaxed dot reduced over its 4 lanes (the micro-kernels only need the lane total).
// saturate: the i7 set's pmaddubsw pair sums clamped to int16; the u8 set has no such step.
template <bool saturate>
inline uint32_t relaxed_dot16(const int8_t* a, const int8_t* w) {
  uint32_t total = 0;
  for (size_t pair = 0; pair < kRelaxedDepth; pair += 2) {
    const int32_t u0 = static_cast<uint8_t>(w[pair]), u1 = static_cast<uint8_t>(w[pair + 1]);
    const int32_t s = a[pair] * u0 + a[pair + 1] * u1;
    total += static_cast<uint32_t>(saturate ? std::clamp<int32_t>(s, -32768, 32767) : s);
  }
  return total;
}

// `rows` rows whose block kb starts at a + kb*block_stride + r*16; the panel's pairs as in the header.
template <bool saturate>
void micro(size_t rows, size_t block_stride, uint32_t blocks, const int8_t* a, const int8_t* panel, int32_t* out) {
  const size_t pair_stride = size_t{blocks} * kRelaxedDepth * 2;
  for (size_t pair = 0; pair < kPanelCols / 2; ++pair) {
    const int8_t* w = panel + pair * pair_stride;
    for (size_t r = 0; r < rows; ++r) {
      uint32_t s0 = 0, s1 = 0;
      for (size_t kb = 0; kb < blocks; ++kb) {
        const int8_t* av = a + kb * block_stride + r * kRelaxedDepth;
        s0 += relaxed_dot16<saturate>(av, w + kb * 2 * kRelaxedDepth);
        s1 += relaxed_dot16<saturate>(av, w + kb * 2 * kRelaxedDepth + kRelaxedDepth);
      }
      out[r * kPanelCols + 2 * pair] = static_cast<int32_t>(s0);
      out[r * kPanelCols + 2 * pair + 1] = static_cast<int32_t>(s1);
    }
  }
}

void micro_3x8_emulated(uint32_t blocks, const int8_t* a, const int8_t* panel, int32_t* out) {
  micro<true>(kRelaxedMicroRows, kRelaxedMicroRows * kRelaxedDepth, blocks, a, panel, out);
}

void micro_1x8_emulated(uint32_t blocks, const int8_t* a, const int8_t* panel, int32_t* out) {
  micro<true>(1, kRelaxedDepth, blocks, a, panel, out);
}

void micro_u8_4x8_emulated(uint32_t blocks, const int8_t* a, const int8_t* panel, int32_t* out) {
  micro<false>(kRelaxedU8MicroRows, kRelaxedU8MicroRows * kRelaxedDepth, blocks, a, panel, out);
}

void micro_u8_1x8_emulated(uint32_t blocks, const int8_t* a, const int8_t* panel, int32_t* out) {
  micro<false>(1, kRelaxedDepth, blocks, a, panel, out);
}

}  // namespace

RelaxedKernels relaxed_kernels_emulated() {
  return {micro_3x8_emulated, micro_1x8_emulated, kRelaxedMicroRows, false};
}

RelaxedKernels relaxed_kernels_emulated_u8() {
  return {micro_u8_4x8_emulated, micro_u8_1x8_emulated, kRelaxedU8MicroRows, true};
}

}  // namespace qp::kernels
