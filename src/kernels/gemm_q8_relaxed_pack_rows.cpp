// Packing of A's rows for gemm_q8_relaxed (layout in gemm_q8_relaxed.h): the portable tier and the
// WebAssembly SIMD128 tier for one dot per slice (16 codes per load, the uint8 → int8 shift as one
// xor, the row sum by two pairwise widening adds). Both write the same bytes and the same sums
// (mod 2^32). It runs on every row of A at every call — for a convolution, on every im2col row
// of every sample — so it needs the SIMD tier as much as the micro-kernel does.
#include "kernels/gemm_q8_relaxed.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qp::kernels {

namespace {
// a' = a − oa: uint8 codes shift by 128 into the signed range, int8 codes stay (two's complement).
inline int8_t shifted(const uint8_t* src, size_t p, bool is_signed) {
  return static_cast<int8_t>(is_signed ? src[p] : static_cast<uint8_t>(src[p] ^ 0x80));
}
}  // namespace

void gemm_q8_relaxed_pack_rows_generic(const uint8_t* a, size_t lda, bool is_signed, size_t rows, size_t group_rows,
                                       size_t k, size_t k_padded, size_t dots, int8_t* dst, uint32_t* row_sums) {
  for (size_t r = 0; r < group_rows; ++r) {
    uint32_t sum = 0;
    for (size_t p = 0; p < k_padded; ++p) {
      const int8_t v = r < rows && p < k ? shifted(a + r * lda, p, is_signed) : 0;
      sum += static_cast<uint32_t>(static_cast<int32_t>(v));
      const size_t slice = p / kRelaxedDepth, lane = p % kRelaxedDepth;
      for (size_t d = 0; d < dots; ++d) dst[((slice * dots + d) * group_rows + r) * kRelaxedDepth + lane] = v;
    }
    row_sums[r] = sum;
  }
}

#if defined(__wasm_simd128__)
void gemm_q8_relaxed_pack_rows__wasmsimd(const uint8_t* a, size_t lda, bool is_signed, size_t rows,
                                         size_t group_rows, size_t k, size_t k_padded, size_t dots, int8_t* dst,
                                         uint32_t* row_sums) {
  if (dots != 1) {  // two dots (opt-in, rare): the portable tier
    gemm_q8_relaxed_pack_rows_generic(a, lda, is_signed, rows, group_rows, k, k_padded, dots, dst, row_sums);
    return;
  }
  const v128_t flip = wasm_i8x16_splat(is_signed ? 0 : static_cast<int8_t>(0x80));
  const size_t slices = k_padded / kRelaxedDepth, full = k / kRelaxedDepth, stride = group_rows * kRelaxedDepth;
  for (size_t r = 0; r < group_rows; ++r) {
    int8_t* out = dst + r * kRelaxedDepth;
    if (r >= rows) {
      for (size_t s = 0; s < slices; ++s) wasm_v128_store(out + s * stride, wasm_i64x2_const(0, 0));
      row_sums[r] = 0;
      continue;
    }
    const uint8_t* src = a + r * lda;
    v128_t sums = wasm_i32x4_const(0, 0, 0, 0);
    const auto put = [&](size_t s, v128_t v) {
      wasm_v128_store(out + s * stride, v);
      sums = wasm_i32x4_add(sums, wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_extadd_pairwise_i8x16(v)));
    };
    for (size_t s = 0; s < full; ++s) put(s, wasm_v128_xor(wasm_v128_load(src + s * kRelaxedDepth), flip));
    if (full < slices && lda >= k_padded) {
      // The last, partial slice from a row padded to whole slices (lda ≥ k_padded: readable): one
      // load, lanes past k zeroed.
      const v128_t lane = wasm_i8x16_const(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
      const v128_t keep = wasm_i8x16_lt(lane, wasm_i8x16_splat(static_cast<int8_t>(k - full * kRelaxedDepth)));
      put(full, wasm_v128_and(wasm_v128_xor(wasm_v128_load(src + full * kRelaxedDepth), flip), keep));
    } else if (full < slices) {  // the last, partial slice: shifted codes then zeros
      alignas(16) int8_t tail[kRelaxedDepth] = {};
      for (size_t p = full * kRelaxedDepth; p < k; ++p) tail[p - full * kRelaxedDepth] = shifted(src, p, is_signed);
      put(full, wasm_v128_load(tail));
    }
    row_sums[r] = static_cast<uint32_t>(wasm_i32x4_extract_lane(sums, 0) + wasm_i32x4_extract_lane(sums, 1) +
                                        wasm_i32x4_extract_lane(sums, 2) + wasm_i32x4_extract_lane(sums, 3));
  }
}
#endif

}  // namespace qp::kernels
