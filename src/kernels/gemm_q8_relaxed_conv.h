// A convolution's rows of A packed straight into gemm_q8_relaxed's layout (gemm_q8_relaxed.h), with
// no im2col buffer in between, and the driver entry that runs on rows packed that way.
//
// Why: in a small CNN (conv1 K = 9, conv2 K = 144) the int8 micro-kernel is a fifth of the time;
// im2col, the copy into the packed row groups and the per-call setup cost as much again. Here one
// pass reads the sample's map and writes the packed groups (a' = a − 128 for uint8 codes, each 16-k
// slice `dots` times, zero past K) and the row sums R_i.
//
// The map is read from a padded copy (padding on every side filled with the zero point's code, plus
// kConvPadSlack readable bytes at the end), so no row needs bounds checks: a row (output position)
// is `kernel` runs of kernel·C contiguous bytes, one per kernel row (NHWC). The plan cuts each 16-k
// slice of a row into pieces, each a stretch of one run; the SIMD tier loads 16 bytes at a piece's
// start and moves them into place with one swizzle (none when a piece fills its slice, e.g. C = 16).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/gemm_q8_relaxed.h"

// Code that runs once per layer (plans, constructors): clang's minsize keeps it small in the page's
// WebAssembly download, as the -Oz files of CMakeLists.txt; GCC (native builds) has no such attribute.
#if defined(__clang__)
#define QP_BUILT_FOR_SIZE __attribute__((minsize))
#else
#define QP_BUILT_FOR_SIZE
#endif

namespace qp::kernels {

// Bytes past the padded map that the SIMD tier may read (never uses): one 16-byte load.
constexpr size_t kConvPadSlack = kRelaxedDepth;

struct RelaxedConvRowsPlan {
  size_t channels = 0, kernel = 1, stride = 1;
  size_t padded_w = 0;          // pixels per row of the padded map
  size_t out_h = 0, out_w = 0;  // output positions: rows of A
  size_t k = 0, k_padded = 0, dots = 1, group_rows = 1;
  // Slice s of a row is pieces [slice_begin[s], slice_begin[s + 1]); a piece puts bytes
  // [src, src + (lane_end − lane_begin)) of the window (offset from the window's first byte) into
  // lanes [lane_begin, lane_end).
  struct Piece {
    uint32_t src = 0;
    uint8_t lane_begin = 0, lane_end = 0;
  };
  std::vector<Piece> pieces;
  std::vector<uint32_t> slice_begin;
  std::vector<uint8_t> swizzle;  // 16 lane indices per piece (lane − lane_begin, or 0x80: zero)
  // kOneSlice: K ≤ 16 in at most 4 pieces (a first convolution, C·kernel² ≤ 16); kWholeSlices: every
  // slice one piece that fills it (C a multiple of 16). The SIMD tier handles these two; for other
  // plans (kPieces) the engine keeps im2col.
  enum Layout { kOneSlice, kWholeSlices, kPieces } layout = kPieces;
  size_t rows() const { return out_h * out_w; }
  size_t row_bytes() const { return dots * k_padded; }
  // Bytes of the packed A of all rows: whole groups, the last one of 1 row in the 1-row layout.
  size_t packed_bytes() const;
};

// in_h × in_w × channels map, square kernel, stride and zero padding; the weights' k_padded and dots
// (PackedQ8RelaxedWeights) and the kernel set's rows per group.
RelaxedConvRowsPlan plan_relaxed_conv_rows(size_t in_h, size_t in_w, size_t channels, size_t kernel, size_t stride,
                                           size_t padding, size_t k_padded, size_t dots, size_t group_rows);

// The padded map: `padded` gets (in_h + 2p) × (in_w + 2p) × channels bytes plus kConvPadSlack, the
// border `pad` (re-written only when `pad` differs from what the buffer holds: *border_pad, −1 at
// first), the interior copied from x.
void pad_map_u8(const uint8_t* x, size_t in_h, size_t in_w, size_t channels, size_t padding, uint8_t pad,
                std::vector<uint8_t>& padded, int* border_pad);

// All rows of A from a padded uint8 map, in groups of plan.group_rows (a last group of one row in the
// 1-row layout, other missing rows zero); R_i to row_sums (plan.rows() values). The portable tier
// takes every plan; the SIMD tier the kOneSlice and kWholeSlices plans with groups of at most 4
// rows (relaxed_conv_rows_have_simd; it throws qp::Error on others), the only ones engines pack
// this way. pack_relaxed_conv_rows: the SIMD tier in SIMD builds, else the portable one.
bool relaxed_conv_rows_have_simd(const RelaxedConvRowsPlan& plan);
void pack_relaxed_conv_rows_generic(const RelaxedConvRowsPlan& plan, const uint8_t* padded, int8_t* dst,
                                    uint32_t* row_sums);
#if defined(__wasm_simd128__)
void pack_relaxed_conv_rows__wasmsimd(const RelaxedConvRowsPlan& plan, const uint8_t* padded, int8_t* dst,
                                      uint32_t* row_sums);
#endif
void pack_relaxed_conv_rows(const RelaxedConvRowsPlan& plan, const uint8_t* padded, int8_t* dst, uint32_t* row_sums);

// C (m × n, row stride ldc) = S + β_j·R_i + column_add[j] (mod 2^32) from A rows packed as above
// (groups of kernels.rows, the 1-row layout for a last group of one) against weights in one of the
// relaxed modes (not kSimd128). column_add[j] = α·(V_j + K·β_j), α = 128 − za for uint8 A, plus any
// per-column constant the caller folds in (an int32 bias): relaxed_column_add computes it.
void gemm_q8_relaxed_prepacked(size_t m, const int8_t* a_packed, const uint32_t* row_sums,
                               const PackedQ8RelaxedWeights& b, const int32_t* column_add, int32_t* c, size_t ldc,
                               const RelaxedKernels& kernels);
// α·(V_j + K·β_j) + bias[j] for uint8 A with zero point za (bias may be null).
std::vector<int32_t> relaxed_column_add(const PackedQ8RelaxedWeights& b, int32_t a_zero_point, const int32_t* bias);

}  // namespace qp::kernels
