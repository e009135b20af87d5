// Packing of A's rows for gemm_q8 (layout in gemm_q8.h): the portable tier and the WebAssembly
// SIMD128 tier, which widens 8 codes per load (i16x8.load8x8_s/_u) and sums them with
// i32x4.extadd_pairwise_i16x8_s. Both write the same int16 values and the same sums (mod 2^32).
#include "kernels/gemm_q8.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qp::kernels {

namespace {
inline int16_t widen(const uint8_t* src, size_t p, bool is_signed) {
  return is_signed ? static_cast<int8_t>(src[p]) : src[p];
}
}  // namespace

void gemm_q8_pack_rows_generic(const uint8_t* a, size_t lda, bool is_signed, size_t rows, size_t k,
                               size_t kp, int16_t* dst, uint32_t* row_sums) {
  if (rows == 1) {
    uint32_t sum = 0;
    for (size_t p = 0; p < k; ++p) {
      dst[p] = widen(a, p, is_signed);
      sum += static_cast<uint32_t>(static_cast<int32_t>(dst[p]));
    }
    for (size_t p = k; p < kp; ++p) dst[p] = 0;
    row_sums[0] = sum;
    return;
  }
  for (size_t r = 0; r < kMicroRows; ++r) {
    uint32_t sum = 0;
    for (size_t p = 0; p < kp; ++p) {
      const int16_t v = r < rows && p < k ? widen(a + r * lda, p, is_signed) : 0;
      dst[(p / kDepthBlock) * kMicroRows * kDepthBlock + r * kDepthBlock + p % kDepthBlock] = v;
      sum += static_cast<uint32_t>(static_cast<int32_t>(v));
    }
    row_sums[r] = sum;
  }
}

#if defined(__wasm_simd128__)
void gemm_q8_pack_rows__wasmsimd(const uint8_t* a, size_t lda, bool is_signed, size_t rows, size_t k,
                                 size_t kp, int16_t* dst, uint32_t* row_sums) {
  const size_t full = k / kDepthBlock * kDepthBlock;  // blocks read with one 8-byte load each
  const size_t group_rows = rows == 1 ? 1 : kMicroRows;
  const size_t block_stride = group_rows * kDepthBlock;  // int16 between one row's blocks
  for (size_t r = 0; r < group_rows; ++r) {
    int16_t* out = dst + r * kDepthBlock;
    if (r >= rows) {  // a zero row pads the group
      for (size_t p = 0; p < kp; p += kDepthBlock) wasm_v128_store(out + (p / kDepthBlock) * block_stride, wasm_i16x8_splat(0));
      row_sums[r] = 0;
      continue;
    }
    const uint8_t* src = a + r * lda;
    v128_t sums = wasm_i32x4_splat(0);
    for (size_t p = 0; p < full; p += kDepthBlock) {
      const v128_t v = is_signed ? wasm_i16x8_load8x8(src + p) : wasm_u16x8_load8x8(src + p);
      wasm_v128_store(out + (p / kDepthBlock) * block_stride, v);
      sums = wasm_i32x4_add(sums, wasm_i32x4_extadd_pairwise_i16x8(v));
    }
    uint32_t sum = static_cast<uint32_t>(wasm_i32x4_extract_lane(sums, 0)) + static_cast<uint32_t>(wasm_i32x4_extract_lane(sums, 1)) +
                   static_cast<uint32_t>(wasm_i32x4_extract_lane(sums, 2)) + static_cast<uint32_t>(wasm_i32x4_extract_lane(sums, 3));
    if (full < kp) {  // the last, partial block: zero-padded
      alignas(16) int16_t tail[kDepthBlock] = {};
      for (size_t p = full; p < k; ++p) {
        tail[p - full] = widen(src, p, is_signed);
        sum += static_cast<uint32_t>(static_cast<int32_t>(tail[p - full]));
      }
      wasm_v128_store(out + (full / kDepthBlock) * block_stride, wasm_v128_load(tail));
    }
    row_sums[r] = sum;
  }
}
#endif

}  // namespace qp::kernels
