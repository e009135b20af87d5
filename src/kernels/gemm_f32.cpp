// gemm_f32.h: reference loop, weight packing, the blocked driver and the portable micro-kernel.
#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/thread_pool.h"
#include "kernels/gemm_f32.h"

namespace qp::kernels {

void gemm_f32_ref(size_t m, size_t n, size_t k, const float* a, size_t lda, const float* b, size_t ldb,
                  float* c, size_t ldc) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      float sum = 0.0f;
      for (size_t p = 0; p < k; ++p) sum += a[i * lda + p] * b[p * ldb + j];
      c[i * ldc + j] = sum;
    }
  }
}

PackedF32Weights pack_f32_weights(const float* b, size_t k, size_t n, size_t stride_k, size_t stride_n) {
  if (k == 0 || n == 0) {
    throw Error("matmul: the weight matrix is empty (" + std::to_string(k) + "×" + std::to_string(n) + ")");
  }
  PackedF32Weights w;
  w.k = k;
  w.n = n;
  w.panels.assign((n + kPanelCols - 1) / kPanelCols * k * kPanelCols, 0.0f);
  for (size_t j = 0; j < n; ++j) {
    float* panel = w.panels.data() + (j / kPanelCols) * k * kPanelCols;
    for (size_t p = 0; p < k; ++p) panel[p * kPanelCols + j % kPanelCols] = b[p * stride_k + j * stride_n];
  }
  return w;
}

void gemm_f32_micro_generic(size_t rows, size_t k, const float* a, size_t a_stride, const float* panel,
                            float* out) {
  for (size_t r = 0; r < rows; ++r) {
    float acc[kPanelCols] = {};
    for (size_t p = 0; p < k; ++p) {
      const float av = a[r * a_stride + p];
      for (size_t j = 0; j < kPanelCols; ++j) acc[j] += av * panel[p * kPanelCols + j];
    }
    std::copy(acc, acc + kPanelCols, out + r * kPanelCols);
  }
}

void gemm_f32(size_t m, const float* a, size_t lda, const PackedF32Weights& b, float* c, size_t ldc) {
#if defined(__wasm_simd128__)
  constexpr auto micro = gemm_f32_micro__wasmsimd;
#else
  constexpr auto micro = gemm_f32_micro_generic;
#endif
  const size_t panels = (b.n + kPanelCols - 1) / kPanelCols;
  // Rows of A per block: about 128 KiB of it stays in L2 while every panel passes over it.
  const size_t mc = std::clamp<size_t>((size_t{32} * 1024) / b.k / kF32MicroRows * kF32MicroRows, kF32MicroRows, 256);
  const bool parallel = thread_count() > 1 && m * b.n * b.k >= (size_t{1} << 21) && panels > 1;
  const size_t chunks = parallel ? std::min(panels, static_cast<size_t>(thread_count()) * 4) : 1;
  for (size_t i0 = 0; i0 < m; i0 += mc) {
    const size_t rows = std::min(mc, m - i0);
    parallel_for(chunks, [&](size_t chunk) {  // disjoint column ranges of C per task
      float tile[kF32MicroRows * kPanelCols];
      const size_t p_end = panels * (chunk + 1) / chunks;
      for (size_t panel = panels * chunk / chunks; panel < p_end; ++panel) {
        const size_t j0 = panel * kPanelCols, cols = std::min(kPanelCols, b.n - j0);
        for (size_t r0 = 0; r0 < rows; r0 += kF32MicroRows) {
          const size_t group = std::min(kF32MicroRows, rows - r0);
          micro(group, b.k, a + (i0 + r0) * lda, lda, b.panel(panel), tile);
          for (size_t r = 0; r < group; ++r) {
            float* out = c + (i0 + r0 + r) * ldc + j0;
            if (cols == kPanelCols) {  // constant length: inlined vector copies, not a memmove call
              for (size_t j = 0; j < kPanelCols; ++j) out[j] = tile[r * kPanelCols + j];
            } else {
              std::copy(tile + r * kPanelCols, tile + r * kPanelCols + cols, out);
            }
          }
        }
      }
    });
  }
}

}  // namespace qp::kernels
