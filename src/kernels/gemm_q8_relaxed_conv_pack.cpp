// Packing of a convolution's rows straight into gemm_q8_relaxed's layout (gemm_q8_relaxed_conv.h):
// the plan, the padded copy of a map, the portable tier and the WebAssembly SIMD128 tier. Both tiers
// write the same bytes and row sums; the tests also hold them to im2col_nhwc followed by
// gemm_q8_relaxed_pack_rows_generic, the path this replaces.
#include <algorithm>
#include <cstring>

#include "core/error.h"
#include "kernels/gemm_q8_relaxed_conv.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qp::kernels {

bool relaxed_conv_rows_have_simd(const RelaxedConvRowsPlan& plan) {
  return plan.group_rows <= 4 && plan.layout != RelaxedConvRowsPlan::kPieces;
}

size_t RelaxedConvRowsPlan::packed_bytes() const {
  const size_t m = rows(), full = m / group_rows, rest = m % group_rows;
  return (full * group_rows + (rest == 0 ? 0 : rest == 1 ? 1 : group_rows)) * row_bytes();
}

// Once per layer: built for size (the page's download), not speed.
QP_BUILT_FOR_SIZE RelaxedConvRowsPlan plan_relaxed_conv_rows(size_t in_h, size_t in_w, size_t channels,
                                                             size_t kernel, size_t stride, size_t padding,
                                                             size_t k_padded, size_t dots, size_t group_rows) {
  RelaxedConvRowsPlan p;
  p.channels = channels;
  p.kernel = kernel;
  p.stride = stride;
  p.padded_w = in_w + 2 * padding;
  p.out_h = (in_h + 2 * padding - kernel) / stride + 1;
  p.out_w = (in_w + 2 * padding - kernel) / stride + 1;
  p.k = kernel * kernel * channels;
  p.k_padded = k_padded;
  p.dots = dots;
  p.group_rows = group_rows;
  const size_t run = kernel * channels;  // one kernel row: contiguous in the NHWC map
  for (size_t lo = 0; lo < k_padded; lo += kRelaxedDepth) {
    p.slice_begin.push_back(static_cast<uint32_t>(p.pieces.size()));
    const size_t hi = std::min(lo + kRelaxedDepth, p.k);
    for (size_t ky = 0; ky < kernel; ++ky) {
      const size_t o = ky * run, b = std::max(o, lo), e = std::min(o + run, hi);
      if (b >= e) continue;
      RelaxedConvRowsPlan::Piece piece;
      piece.src = static_cast<uint32_t>(ky * p.padded_w * channels + (b - o));
      piece.lane_begin = static_cast<uint8_t>(b - lo);
      piece.lane_end = static_cast<uint8_t>(e - lo);
      p.pieces.push_back(piece);
      for (size_t l = 0; l < kRelaxedDepth; ++l)
        p.swizzle.push_back(l >= piece.lane_begin && l < piece.lane_end ? static_cast<uint8_t>(l - piece.lane_begin)
                                                                        : uint8_t{0x80});
    }
  }
  p.slice_begin.push_back(static_cast<uint32_t>(p.pieces.size()));
  bool whole = p.pieces.size() == k_padded / kRelaxedDepth;
  for (const auto& piece : p.pieces) whole = whole && piece.lane_begin == 0 && piece.lane_end == kRelaxedDepth;
  p.layout = k_padded == kRelaxedDepth && p.pieces.size() <= 4 ? RelaxedConvRowsPlan::kOneSlice
             : whole                                           ? RelaxedConvRowsPlan::kWholeSlices
                                                               : RelaxedConvRowsPlan::kPieces;
  return p;
}

void pad_map_u8(const uint8_t* x, size_t in_h, size_t in_w, size_t channels, size_t padding, uint8_t pad,
                std::vector<uint8_t>& padded, int* border_pad) {
  const size_t pw = in_w + 2 * padding, ph = in_h + 2 * padding;
  const size_t bytes = ph * pw * channels + kConvPadSlack;
  if (padded.size() != bytes || *border_pad != pad) {
    padded.assign(bytes, pad);  // border and slack; the interior is overwritten below
    *border_pad = pad;
  }
  const size_t row = in_w * channels;
  for (size_t y = 0; y < in_h; ++y) {
    uint8_t* dst = padded.data() + ((y + padding) * pw + padding) * channels;
    const uint8_t* src = x + y * row;
#if defined(__wasm_simd128__)
    // Rows of a small map are short (28 bytes for 28×28×1): 16-byte copies, the last one ending at the
    // row's end (overlapping the one before), rather than a call to memcpy's byte loop.
    if (row >= 16) {
      for (size_t i = 0; i + 16 < row; i += 16) wasm_v128_store(dst + i, wasm_v128_load(src + i));
      wasm_v128_store(dst + row - 16, wasm_v128_load(src + row - 16));
      continue;
    }
#endif
    std::memcpy(dst, src, row);
  }
}

namespace {
// Calls put(row, group_base, group_rows, slot) for every row of A, in order, with the layout of
// gemm_q8_relaxed.h: whole groups of plan.group_rows, a last group of one row alone.
template <class Put>
void for_each_row(const RelaxedConvRowsPlan& plan, int8_t* dst, Put put) {
  const size_t m = plan.rows(), mr = plan.group_rows, row_bytes = plan.row_bytes();
  for (size_t g0 = 0; g0 < m; g0 += mr) {
    const size_t here = std::min(mr, m - g0), group_rows = here == 1 ? 1 : mr;
    int8_t* base = dst + g0 * row_bytes;
    for (size_t r = 0; r < here; ++r) put(g0 + r, base, group_rows, r);
    // Missing rows of a last partial group: zero (they add nothing; their sums are not read).
    for (size_t r = here; r < group_rows; ++r)
      for (size_t b = 0; b < row_bytes / kRelaxedDepth; ++b)
        std::memset(base + (b * group_rows + r) * kRelaxedDepth, 0, kRelaxedDepth);
  }
}

// First byte of row i's window in the padded map.
inline size_t window_origin(const RelaxedConvRowsPlan& plan, size_t i) {
  const size_t oy = i / plan.out_w, ox = i % plan.out_w;
  return (oy * plan.stride * plan.padded_w + ox * plan.stride) * plan.channels;
}
}  // namespace

void pack_relaxed_conv_rows_generic(const RelaxedConvRowsPlan& plan, const uint8_t* padded, int8_t* dst,
                                    uint32_t* row_sums) {
  const size_t slices = plan.k_padded / kRelaxedDepth;
  for_each_row(plan, dst, [&](size_t i, int8_t* base, size_t group_rows, size_t r) {
    const uint8_t* window = padded + window_origin(plan, i);
    uint32_t sum = 0;
    for (size_t s = 0; s < slices; ++s) {
      int8_t slice[kRelaxedDepth] = {};
      for (uint32_t q = plan.slice_begin[s]; q < plan.slice_begin[s + 1]; ++q) {
        const RelaxedConvRowsPlan::Piece& piece = plan.pieces[q];
        for (size_t l = piece.lane_begin; l < piece.lane_end; ++l) {
          slice[l] = static_cast<int8_t>(window[piece.src + l - piece.lane_begin] ^ 0x80);  // a' = a − 128
          sum += static_cast<uint32_t>(int32_t{slice[l]});
        }
      }
      for (size_t d = 0; d < plan.dots; ++d)
        std::memcpy(base + ((s * plan.dots + d) * group_rows + r) * kRelaxedDepth, slice, kRelaxedDepth);
    }
    row_sums[i] = sum;
  });
}

#if defined(__wasm_simd128__)
namespace {
// [Σ lanes of a, Σ b, Σ c, Σ d] (i32x4): four rows' sums reduced together.
inline v128_t lane_sums(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}
// A slice's pair sums lie in [−256, 254]: an int16 lane holds 127 of them.
constexpr size_t kSlicesPerInt16Sum = 127;

// One row of whole slices (every slice one 16-byte run of the window: C a multiple of 16), loaded
// as is, a' = a − 128 (lanes past K zero), stored `dots` times; its sum as 4 int32 partial sums.
inline v128_t pack_whole_row(const RelaxedConvRowsPlan& plan, const uint8_t* window, int8_t* out, size_t step,
                             v128_t flip, v128_t last_flip) {
  const size_t slices = plan.k_padded / kRelaxedDepth, dots = plan.dots;
  const RelaxedConvRowsPlan::Piece* pieces = plan.pieces.data();
  v128_t sums = wasm_i32x4_const(0, 0, 0, 0);
  for (size_t s0 = 0; s0 < slices; s0 += kSlicesPerInt16Sum) {
    const size_t s1 = std::min(slices, s0 + kSlicesPerInt16Sum);
    v128_t pair_sums = wasm_i16x8_const(0, 0, 0, 0, 0, 0, 0, 0);
    for (size_t s = s0; s < s1; ++s) {
      const v128_t v = wasm_v128_xor(wasm_v128_load(window + pieces[s].src), s + 1 == slices ? last_flip : flip);
      wasm_v128_store(out + s * dots * step, v);
      if (dots == 2) wasm_v128_store(out + (s * dots + 1) * step, v);
      pair_sums = wasm_i16x8_add(pair_sums, wasm_i16x8_extadd_pairwise_i8x16(v));
    }
    sums = wasm_i32x4_add(sums, wasm_i32x4_extadd_pairwise_i16x8(pair_sums));
  }
  return sums;
}

// K ≤ 16 (a first convolution: C·kernel² ≤ 16, at most 4 pieces): one slice, its pieces' source
// offsets and swizzles held in registers.
struct OneSliceRow {
  int pieces = 0;
  uint32_t src[4] = {};
  v128_t swizzle[4];
  explicit OneSliceRow(const RelaxedConvRowsPlan& plan) : pieces(static_cast<int>(plan.pieces.size())) {
    for (int q = 0; q < 4; ++q) {  // (unused for other layouts)
      src[q] = q < pieces ? plan.pieces[q].src : 0;
      swizzle[q] = q < pieces ? wasm_v128_load(plan.swizzle.data() + q * kRelaxedDepth) : wasm_i8x16_splat(-1);
    }
  }
  v128_t operator()(const uint8_t* window, int8_t* out, size_t step, size_t dots, v128_t flip) const {
    v128_t v = wasm_i8x16_swizzle(wasm_v128_load(window + src[0]), swizzle[0]);
    if (pieces > 1) v = wasm_v128_or(v, wasm_i8x16_swizzle(wasm_v128_load(window + src[1]), swizzle[1]));
    if (pieces > 2) v = wasm_v128_or(v, wasm_i8x16_swizzle(wasm_v128_load(window + src[2]), swizzle[2]));
    if (pieces > 3) v = wasm_v128_or(v, wasm_i8x16_swizzle(wasm_v128_load(window + src[3]), swizzle[3]));
    v = wasm_v128_xor(v, flip);
    wasm_v128_store(out, v);
    if (dots == 2) wasm_v128_store(out + step, v);
    return wasm_i32x4_extadd_pairwise_i16x8(wasm_i16x8_extadd_pairwise_i8x16(v));
  }
};

// kOneSlice and kWholeSlices plans, groups of at most 4 rows.
void pack_rows_simd(const RelaxedConvRowsPlan& plan, const uint8_t* padded, int8_t* dst, uint32_t* row_sums) {
  const bool one_slice = plan.layout == RelaxedConvRowsPlan::kOneSlice;
  const OneSliceRow first_conv_row(plan);
  const size_t slices = plan.k_padded / kRelaxedDepth;
  const v128_t lane = wasm_i8x16_const(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  // The uint8 → int8 shift on the lanes inside K of the last slice (the others stay zero).
  const v128_t last_flip = wasm_v128_and(
      wasm_i8x16_lt(lane, wasm_i8x16_splat(static_cast<int8_t>(plan.k - (slices - 1) * kRelaxedDepth))),
      wasm_i8x16_splat(static_cast<int8_t>(0x80)));
  const v128_t flip = wasm_i8x16_splat(static_cast<int8_t>(0x80));
  const size_t m = plan.rows(), mr = plan.group_rows, row_bytes = plan.row_bytes();
  // The window walks the output positions in order: stride·C bytes a step, a new map row at out_w.
  const size_t step_x = plan.stride * plan.channels, step_y = plan.stride * plan.padded_w * plan.channels;
  const uint8_t* row_start = padded;
  const uint8_t* window = padded;
  size_t ox = 0;
  for (size_t g0 = 0; g0 < m; g0 += mr) {
    const size_t here = std::min(mr, m - g0), group_rows = here == 1 ? 1 : mr, step = group_rows * kRelaxedDepth;
    int8_t* base = dst + g0 * row_bytes;
    v128_t sums[4] = {wasm_i32x4_const(0, 0, 0, 0), wasm_i32x4_const(0, 0, 0, 0), wasm_i32x4_const(0, 0, 0, 0),
                      wasm_i32x4_const(0, 0, 0, 0)};
    for (size_t r = 0; r < here; ++r) {
      sums[r] = one_slice ? first_conv_row(window, base + r * kRelaxedDepth, step, plan.dots, last_flip)
                          : pack_whole_row(plan, window, base + r * kRelaxedDepth, step, flip, last_flip);
      window += step_x;
      if (++ox == plan.out_w) {
        ox = 0;
        row_start += step_y;
        window = row_start;
      }
    }
    for (size_t r = here; r < group_rows; ++r)  // missing rows of a last partial group: zero
      for (size_t b = 0; b < row_bytes / kRelaxedDepth; ++b)
        wasm_v128_store(base + r * kRelaxedDepth + b * step, wasm_i64x2_const(0, 0));
    alignas(16) uint32_t totals[4];
    wasm_v128_store(totals, lane_sums(sums[0], sums[1], sums[2], sums[3]));
    for (size_t r = 0; r < here; ++r) row_sums[g0 + r] = totals[r];
  }
}
}  // namespace

void pack_relaxed_conv_rows__wasmsimd(const RelaxedConvRowsPlan& plan, const uint8_t* padded, int8_t* dst,
                                      uint32_t* row_sums) {
  // The sums above hold up to 4 rows (both kernel sets' groups fit). The engine packs only these
  // plans (it keeps im2col for the others), so the portable tier stays out of the page's module.
  if (!relaxed_conv_rows_have_simd(plan)) throw Error("relaxed conv rows: no SIMD tier for this plan");
  pack_rows_simd(plan, padded, dst, row_sums);
}
#endif

void pack_relaxed_conv_rows(const RelaxedConvRowsPlan& plan, const uint8_t* padded, int8_t* dst, uint32_t* row_sums) {
#if defined(__wasm_simd128__)
  pack_relaxed_conv_rows__wasmsimd(plan, padded, dst, row_sums);
#else
  pack_relaxed_conv_rows_generic(plan, padded, dst, row_sums);
#endif
}

}  // namespace qp::kernels
