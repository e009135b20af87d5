// 8-bit integer matrix multiplication with int32 accumulation (ONNX MatMulInteger semantics).
//
//   A: M×K bytes, row-major with row stride lda, uint8 or int8, one zero point za.
//   B: K×N bytes (the weights), uint8 or int8, one zero point per column zb[j].
//   C: M×N int32, row-major with row stride ldc:
//        C[i][j] = Σ_k (A[i][k] − za) · (B[k][j] − zb[j])        (mod 2^32)
//
// The sum wraps modulo 2^32 like every int32 accumulator (exact while K < 33 000 for 8-bit data;
// all tiers wrap the same way, so they agree bit for bit even past that).
//
// How the fast path gets there (the gemmlowp "offsets out of the kernel" algebra):
//   Σ (a − za)(b − zb) = Σ a·b − zb·Σ_k a − za·Σ_k b + K·za·zb
// The micro-kernel computes only Σ a·b on raw codes; Σ_k b (column sums) is computed once when
// the weights are packed, Σ_k a (row sums) when a block of A is packed, and the last two terms are
// applied when the tile is stored. Zero points therefore never enter the inner loop.
//
// Layout ("c8": 8 consecutive k per vector, the dot runs along K). Codes are widened to int16
// once, at packing, because WebAssembly SIMD128 has no 8-bit multiply-add (relaxed SIMD does).
// K is padded with zeros to a multiple of kDepthBlock = 8.
//   Weights (PackedQ8Weights): panels of kPanelCols = 8 columns; inside a panel, column pairs
//   (j, j+1) one after the other; inside a pair, for each block of 8 k: the 8 values of column j,
//   then the 8 of column j+1 (32 bytes). One pair's stream is contiguous.
//   Rows of A, packed per call in groups of kMicroRows = 3: for each block of 8 k, the 8 values of
//   row 0, then rows 1, 2 (48 bytes); a group of 1 row is just the row.
// One i32x4.dot_i16x8_s of a row vector and a column vector gives 4 partial sums of that output;
// the micro-kernel adds them up across K and once, at the end, across the 4 lanes. The only
// vector work per 8 multiply-adds is one dot and one add (no broadcasts or shuffles in the loop).
// Padding columns and k are zero and contribute nothing.
//
// Tiers: gemm_q8_ref is the triple loop written from the equation on the unpacked B; the packed
// path (gemm_q8) runs the micro-kernel of the build (wasm SIMD128, or portable C++) and must equal
// the reference bit for bit.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qp::kernels {

constexpr size_t kPanelCols = 8;
constexpr size_t kDepthBlock = 8;

struct Q8Matrix {
  const uint8_t* data = nullptr;  // bytes; int8 codes are read as two's complement
  bool is_signed = false;
};

// Weights packed once for gemm_q8. Built by pack_q8_weights; immutable afterwards.
struct PackedQ8Weights {
  size_t k = 0, n = 0;
  size_t k_padded = 0;                 // k rounded up to a multiple of kDepthBlock
  std::vector<int16_t> panels;         // ceil(n/8) panels of k_padded*8 int16
  std::vector<int32_t> column_sums;    // Σ_k B[k][j], raw codes, n values
  std::vector<int32_t> zero_points;    // zb[j], n values
  // Σ_k B[k][j] − K·zb[j] (mod 2^32): the fold's per-column term is za times this.
  std::vector<int32_t> column_fold;
  const int16_t* panel(size_t p) const { return panels.data() + p * k_padded * kPanelCols; }
};

// The refusals every int8 matmul entry point shares (qp::Error, one wording everywhere): an empty
// weight matrix, a zero-point count other than 1 or N, a zero point outside the codes' range.
void check_q8_weights(Q8Matrix b, size_t k, size_t n, const std::vector<int32_t>& zero_points);
void check_q8_input_zero_point(bool is_signed, int32_t zero_point);

// Packs B given as element (k, j) at b.data[k*stride_k + j*stride_n] (K×N row-major: stride_k=N,
// stride_n=1; an N×K PyTorch Linear weight: stride_k=1, stride_n=K). zero_points has n values,
// or one value used for every column. Throws qp::Error on bad sizes.
PackedQ8Weights pack_q8_weights(Q8Matrix b, size_t k, size_t n, size_t stride_k, size_t stride_n,
                                const std::vector<int32_t>& zero_points);

// C = (A − za)·(B − zb), packed path (the best micro-kernel compiled into this build).
void gemm_q8(size_t m, Q8Matrix a, size_t lda, int32_t a_zero_point, const PackedQ8Weights& b,
             int32_t* c, size_t ldc);

// Reference: the plain triple loop on the unpacked B (element (k, j) at b.data[k*ldb + j]).
void gemm_q8_ref(size_t m, size_t n, size_t k, Q8Matrix a, size_t lda, int32_t a_zero_point,
                 Q8Matrix b, size_t ldb, const int32_t* b_zero_points, int32_t* c, size_t ldc);

// Micro-kernels (one set per tier): the int32 sums Σ_k a·b of raw codes (no zero points) of a
// group of rows against one whole panel (8 columns), written to out[r*8 + j].
//   3x8: a group of 3 rows in the interleaved layout above (missing rows are zero rows);
//   1x8: one row, contiguous: batch 1 (GEMV) and a last single row.
constexpr size_t kMicroRows = 3;
void gemm_q8_micro_3x8_generic(size_t k_padded, const int16_t* a_group, const int16_t* panel, int32_t* out);
void gemm_q8_micro_1x8_generic(size_t k_padded, const int16_t* a_row, const int16_t* panel, int32_t* out);
// Packing of one group of A rows (rows ≤ kMicroRows) for the micro-kernels: interleaved for the
// 3x8 kernel (missing rows are zero rows), contiguous when it is a single row (the 1x8 kernel);
// K is padded with zeros to k_padded; the raw row sums (mod 2^32, kMicroRows of them, or one) go to
// row_sums. Runs once per call on every row of A, so it has a SIMD tier too.
void gemm_q8_pack_rows_generic(const uint8_t* a, size_t lda, bool is_signed, size_t rows, size_t k,
                               size_t k_padded, int16_t* dst, uint32_t* row_sums);
#if defined(__wasm_simd128__)
void gemm_q8_pack_rows__wasmsimd(const uint8_t* a, size_t lda, bool is_signed, size_t rows, size_t k,
                                 size_t k_padded, int16_t* dst, uint32_t* row_sums);
void gemm_q8_micro_3x8__wasmsimd(size_t k_padded, const int16_t* a_group, const int16_t* panel, int32_t* out);
void gemm_q8_micro_1x8__wasmsimd(size_t k_padded, const int16_t* a_row, const int16_t* panel, int32_t* out);
#endif

}  // namespace qp::kernels
