// The packed path of gemm_q8.h: blocks A into int16 row blocks sized for the L2 cache, runs the
// build's micro-kernel over every (row group, weight panel) pair and applies the zero-point terms
// when storing. The weight panel (8 columns × K int16) stays in L1 while the row groups of one
// block stream past it.
#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/thread_pool.h"
#include "kernels/gemm_q8.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qp::kernels {

namespace {

#if defined(__wasm_simd128__)
constexpr auto micro_3x8 = gemm_q8_micro_3x8__wasmsimd;
constexpr auto micro_1x8 = gemm_q8_micro_1x8__wasmsimd;
constexpr auto pack_group = gemm_q8_pack_rows__wasmsimd;
#else
constexpr auto micro_3x8 = gemm_q8_micro_3x8_generic;
constexpr auto micro_1x8 = gemm_q8_micro_1x8_generic;
constexpr auto pack_group = gemm_q8_pack_rows_generic;
#endif

// Rows of A per packed block: about 128 KiB of int16, a multiple of the micro-kernel's rows.
size_t block_rows(size_t k_padded) {
  const size_t rows = (size_t{64} * 1024) / k_padded;
  return std::clamp<size_t>(rows / kMicroRows * kMicroRows, kMicroRows, 256);
}

}  // namespace

void gemm_q8(size_t m, Q8Matrix a, size_t lda, int32_t a_zero_point, const PackedQ8Weights& b,
             int32_t* c, size_t ldc) {
  check_q8_input_zero_point(a.is_signed, a_zero_point);
  if (m == 0) return;
  const size_t n = b.n, kp = b.k_padded;
  const uint32_t za = static_cast<uint32_t>(a_zero_point);

  // Scratch for one block of A, reused across calls (grow-only: a batch-1 call allocates nothing).
  // A block of rows is padded up to whole groups of kMicroRows.
  const size_t mc = std::min(block_rows(kp), (m + kMicroRows - 1) / kMicroRows * kMicroRows);
  thread_local std::vector<int16_t> a_block;
  thread_local std::vector<uint32_t> row_sums;
  if (a_block.size() < mc * kp) a_block.resize(mc * kp);
  if (row_sums.size() < mc) row_sums.resize(mc);
  const size_t panels = (n + kPanelCols - 1) / kPanelCols;
  // With several threads, each takes a contiguous range of panels (disjoint columns of C) of the
  // packed block; small products stay on one thread (waking workers costs more than they save).
  const bool parallel = thread_count() > 1 && m * n * b.k >= (size_t{1} << 21) && panels > 1;
  const size_t chunks = parallel ? std::min(panels, static_cast<size_t>(thread_count()) * 4) : 1;

  for (size_t i0 = 0; i0 < m; i0 += mc) {
    const size_t rows = std::min(mc, m - i0);
    for (size_t r0 = 0; r0 < rows; r0 += kMicroRows) {
      pack_group(a.data + (i0 + r0) * lda, lda, a.is_signed, std::min(kMicroRows, rows - r0), b.k, kp,
                 a_block.data() + r0 * kp, row_sums.data() + r0);
    }
    const int16_t* const a_packed = a_block.data();
    const uint32_t* const sums = row_sums.data();
    parallel_for(chunks, [&](size_t chunk) {
      int32_t tile[kMicroRows * kPanelCols];
      const size_t p_end = panels * (chunk + 1) / chunks;
      for (size_t panel = panels * chunk / chunks; panel < p_end; ++panel) {
        const size_t j0 = panel * kPanelCols;
        const size_t cols = std::min(kPanelCols, n - j0);
        for (size_t r0 = 0; r0 < rows; r0 += kMicroRows) {
          const size_t group = std::min(kMicroRows, rows - r0);
          if (group == 1) micro_1x8(kp, a_packed + r0 * kp, b.panel(panel), tile);
          else micro_3x8(kp, a_packed + r0 * kp, b.panel(panel), tile);
          for (size_t r = 0; r < group; ++r) {
            int32_t* out = c + (i0 + r0 + r) * ldc + j0;
            const uint32_t row_sum = sums[r0 + r];
            const auto store = [&](size_t j) {
              out[j] = static_cast<int32_t>(static_cast<uint32_t>(tile[r * kPanelCols + j]) -
                                            static_cast<uint32_t>(b.zero_points[j0 + j]) * row_sum -
                                            za * static_cast<uint32_t>(b.column_fold[j0 + j]));
            };
            // In small convolutions (K = 9, 144) this store is a sixth of the time: a full panel
            // is stored with vectors (wasm: two i32x4 per row; wrapping i32x4 arithmetic is the
            // same mod-2^32 sum as the scalar store), or a constant-length loop elsewhere.
            if (cols == kPanelCols) {
#if defined(__wasm_simd128__)
              const v128_t sum = wasm_i32x4_splat(static_cast<int32_t>(row_sum));
              const v128_t za_v = wasm_i32x4_splat(static_cast<int32_t>(za));
              for (size_t h = 0; h < kPanelCols; h += 4) {
                const v128_t t = wasm_v128_load(tile + r * kPanelCols + h);
                const v128_t zb = wasm_v128_load(b.zero_points.data() + j0 + h);
                const v128_t fold = wasm_v128_load(b.column_fold.data() + j0 + h);
                wasm_v128_store(out + h, wasm_i32x4_sub(wasm_i32x4_sub(t, wasm_i32x4_mul(zb, sum)),
                                                        wasm_i32x4_mul(za_v, fold)));
              }
#else
              for (size_t j = 0; j < kPanelCols; ++j) store(j);
#endif
            } else {
              for (size_t j = 0; j < cols; ++j) store(j);
            }
          }
        }
      }
    });
  }
}

}  // namespace qp::kernels
