// float32 matrix multiplication: the fair baseline for the int8 GEMM (same blocking care) and the
// float path of the network.
//
//   C[i][j] = Σ_k A[i][k]·B[k][j], summed in increasing k from +0, each product and each sum rounded
//   to float32 (no fused multiply-add, no reassociation).
//
// That order is what makes the SIMD tier bit-exact with the triple-loop reference: each SIMD lane
// owns one output and walks k in the same order. Layout of the packed weights: panels of
// kPanelCols = 8 columns, K rows of 8 floats each (two v128 per k); padding columns are zero.
#pragma once
#include <cstddef>
#include <vector>

#include "kernels/gemm_q8.h"  // kPanelCols

namespace qp::kernels {

constexpr size_t kF32MicroRows = 4;  // 8 accumulators + 2 weight vectors + 1 splat: no spills

struct PackedF32Weights {
  size_t k = 0, n = 0;
  std::vector<float> panels;  // ceil(n/8) panels of k*8 floats
  const float* panel(size_t p) const { return panels.data() + p * k * kPanelCols; }
};

// Element (k, j) of B at b[k*stride_k + j*stride_n]. Throws qp::Error on an empty matrix.
PackedF32Weights pack_f32_weights(const float* b, size_t k, size_t n, size_t stride_k, size_t stride_n);

void gemm_f32(size_t m, const float* a, size_t lda, const PackedF32Weights& b, float* c, size_t ldc);

void gemm_f32_ref(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b, size_t ldb,
                  float* c, size_t ldc);

// Micro-kernel contract: `rows` (1..kF32MicroRows) rows of A (a_stride apart) times one panel; the
// rows×8 results go to out[r*8 + j].
void gemm_f32_micro_generic(size_t rows, size_t k, const float* a, size_t a_stride, const float* panel,
                            float* out);
#if defined(__wasm_simd128__)
void gemm_f32_micro__wasmsimd(size_t rows, size_t k, const float* a, size_t a_stride, const float* panel,
                              float* out);
#endif

}  // namespace qp::kernels
