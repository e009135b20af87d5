// The driver of gemm_q8_relaxed.h: packs A per call into int8 row groups (a' = a − oa, each 16-k
// slice written `dots` times), runs the micro-kernels through the function pointers of the
// runtime over every (row group, weight panel) pair and applies the fold when storing. Blocking
// follows gemm_q8's driver: a block of A rows sized for L2 streams past one panel held in L1.
#include <algorithm>
#include <string>

#include "core/error.h"
#include "kernels/gemm_q8_relaxed.h"
#include "kernels/gemm_q8_relaxed_conv.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qp::kernels {

namespace {

RelaxedKernels g_installed;  // set once at load time by the JS loader (bindings), read by every call

#if defined(__wasm_simd128__)
constexpr auto pack_rows = gemm_q8_relaxed_pack_rows__wasmsimd;
#else
constexpr auto pack_rows = gemm_q8_relaxed_pack_rows_generic;
#endif

// C's row segment out[0..cols) = S + β_j·R + column_add[j], all mod 2^32, from one tile row;
// column_add[j] = α·(V_j + K·β_j) (+ a bias the caller folds in) is computed once per call or layer.
// (Whole panels take the SIMD store in run_packed.)
inline void store_row(const int32_t* tile_row, const int32_t* beta, const int32_t* alpha_fold, uint32_t row_sum,
                      size_t cols, int32_t* out) {
  for (size_t j = 0; j < cols; ++j) {
    out[j] = static_cast<int32_t>(static_cast<uint32_t>(tile_row[j]) + static_cast<uint32_t>(beta[j]) * row_sum +
                                  static_cast<uint32_t>(alpha_fold[j]));
  }
}

// Rows of A per packed block: about 64 KiB of int8 (the SIMD128 driver holds 128 KiB of int16, the
// same number of codes), a multiple of the micro-kernel's rows mr.
size_t block_rows(size_t block_bytes_per_row, size_t mr) {
  const size_t rows = (size_t{64} * 1024) / block_bytes_per_row;
  return std::clamp<size_t>(rows / mr * mr, mr, 256 / mr * mr);
}


void check_kernel_set(const PackedQ8RelaxedWeights& b, const RelaxedKernels& kernels) {
  if (b.mode == RelaxedWeightMode::kSimd128) throw Error("matmul: kSimd128 weights have no relaxed packing");
  if ((b.mode == RelaxedWeightMode::kFullRange) != kernels.unsigned_weights) {
    throw Error(kernels.unsigned_weights ? "matmul: weights packed for the i7 relaxed kernel set, run with the u8 set"
                                         : "matmul: weights packed for the u8 relaxed kernel set, run with the i7 set");
  }
}

// α·(V_j + K·β_j) + bias[j] (mod 2^32), the per-column constant of the fold.
void column_add_for_alpha(const PackedQ8RelaxedWeights& b, uint32_t alpha, const int32_t* bias,
                          std::vector<int32_t>& add) {
  add.resize(b.n);
  for (size_t j = 0; j < b.n; ++j)
    add[j] = static_cast<int32_t>(alpha * static_cast<uint32_t>(b.column_fold[j]) +
                                  (bias ? static_cast<uint32_t>(bias[j]) : 0u));
}

// The micro-kernels over `rows` packed rows (groups of kernels.rows at r0·row_bytes, a last group
// of one row in the 1-row layout), every weight panel, the fold applied when storing.
void run_packed(size_t rows, const int8_t* a_block, const uint32_t* row_sums, const PackedQ8RelaxedWeights& b,
                const int32_t* column_add, int32_t* c, size_t ldc, const RelaxedKernels& kernels) {
  const size_t n = b.n, mr = kernels.rows;
  const size_t row_bytes = b.blocks() * kRelaxedDepth;
  const uint32_t blocks = static_cast<uint32_t>(b.blocks());
  alignas(16) int32_t tile[kRelaxedU8MicroRows * kPanelCols];  // the larger of the two sets' groups
  const size_t panels = (n + kPanelCols - 1) / kPanelCols;
  for (size_t panel = 0; panel < panels; ++panel) {
    const size_t j0 = panel * kPanelCols;
    const size_t cols = std::min(kPanelCols, n - j0);
#if defined(__wasm_simd128__)
    if (cols == kPanelCols) {  // the usual case: the panel's fold terms stay in registers
      const v128_t beta0 = wasm_v128_load(b.beta.data() + j0), beta1 = wasm_v128_load(b.beta.data() + j0 + 4);
      const v128_t add0 = wasm_v128_load(column_add + j0), add1 = wasm_v128_load(column_add + j0 + 4);
      for (size_t r0 = 0; r0 < rows; r0 += mr) {
        const size_t group = std::min(mr, rows - r0);
        const int8_t* a_group = a_block + r0 * row_bytes;
        if (group == 1) kernels.micro_1x8(blocks, a_group, b.panel(panel), tile);
        else kernels.micro_group(blocks, a_group, b.panel(panel), tile);
        for (size_t r = 0; r < group; ++r) {
          const v128_t sum = wasm_i32x4_splat(static_cast<int32_t>(row_sums[r0 + r]));
          int32_t* out = c + (r0 + r) * ldc + j0;
          const int32_t* t = tile + r * kPanelCols;
          wasm_v128_store(out, wasm_i32x4_add(wasm_i32x4_add(wasm_v128_load(t), wasm_i32x4_mul(beta0, sum)), add0));
          wasm_v128_store(out + 4,
                          wasm_i32x4_add(wasm_i32x4_add(wasm_v128_load(t + 4), wasm_i32x4_mul(beta1, sum)), add1));
        }
      }
      continue;
    }
#endif
    for (size_t r0 = 0; r0 < rows; r0 += mr) {
      const size_t group = std::min(mr, rows - r0);
      const int8_t* a_group = a_block + r0 * row_bytes;
      if (group == 1) kernels.micro_1x8(blocks, a_group, b.panel(panel), tile);
      else kernels.micro_group(blocks, a_group, b.panel(panel), tile);
      for (size_t r = 0; r < group; ++r) {
        store_row(tile + r * kPanelCols, b.beta.data() + j0, column_add + j0, row_sums[r0 + r], cols,
                  c + (r0 + r) * ldc + j0);
      }
    }
  }
}

}  // namespace

void install_relaxed_kernels(RelaxedKernels kernels) {
  if (!kernels.micro_group || !kernels.micro_1x8) throw Error("relaxed SIMD: both micro-kernels are needed");
  const size_t expected_rows = kernels.unsigned_weights ? kRelaxedU8MicroRows : kRelaxedMicroRows;
  if (kernels.rows != expected_rows) {
    throw Error("relaxed SIMD: the " + std::string(kernels.unsigned_weights ? "u8" : "i7") + " kernel set has " +
                std::to_string(expected_rows) + " rows per group, not " + std::to_string(kernels.rows));
  }
  g_installed = kernels;
}

void uninstall_relaxed_kernels() { g_installed = {}; }

const RelaxedKernels* installed_relaxed_kernels() { return g_installed.micro_group ? &g_installed : nullptr; }

void gemm_q8_relaxed(size_t m, Q8Matrix a, size_t lda, int32_t a_zero_point, const PackedQ8RelaxedWeights& b,
                     int32_t* c, size_t ldc) {
  const RelaxedKernels* kernels = installed_relaxed_kernels();
  if (!kernels) {
    throw Error("matmul: the relaxed-SIMD kernel is not installed in this runtime (it needs WebAssembly relaxed "
                "SIMD in a browser; Node and native builds use kind 'int8')");
  }
  gemm_q8_relaxed(m, a, lda, a_zero_point, b, c, ldc, *kernels);
}

void gemm_q8_relaxed(size_t m, Q8Matrix a, size_t lda, int32_t a_zero_point, const PackedQ8RelaxedWeights& b,
                     int32_t* c, size_t ldc, const RelaxedKernels& kernels) {
  if (b.mode == RelaxedWeightMode::kSimd128) {
    gemm_q8(m, a, lda, a_zero_point, b.fallback, c, ldc);
    return;
  }
  check_kernel_set(b, kernels);
  check_q8_input_zero_point(a.is_signed, a_zero_point);
  if (m == 0) return;
  const size_t kp = b.k_padded, dots = b.dots;
  const size_t row_bytes = b.blocks() * kRelaxedDepth;  // one packed row of A
  // α = oa − za (mod 2^32).
  const uint32_t alpha = (a.is_signed ? 0u : 128u) - static_cast<uint32_t>(a_zero_point);

  // Scratch for one block of A, reused across calls (grow-only: a batch-1 call allocates nothing).
  const size_t mr = kernels.rows;
  const size_t mc = std::min(block_rows(row_bytes, mr), (m + mr - 1) / mr * mr);
  thread_local std::vector<int8_t> a_block;
  thread_local std::vector<uint32_t> row_sums;
  if (a_block.size() < mc * row_bytes) a_block.resize(mc * row_bytes);
  if (row_sums.size() < mc) row_sums.resize(mc);
  thread_local std::vector<int32_t> alpha_fold;
  column_add_for_alpha(b, alpha, nullptr, alpha_fold);

  for (size_t i0 = 0; i0 < m; i0 += mc) {
    const size_t rows = std::min(mc, m - i0);
    for (size_t r0 = 0; r0 < rows; r0 += mr) {
      const size_t group = std::min(mr, rows - r0);
      pack_rows(a.data + (i0 + r0) * lda, lda, a.is_signed, group, group == 1 ? 1 : mr, b.k, kp, dots,
                a_block.data() + r0 * row_bytes, row_sums.data() + r0);
    }
    run_packed(rows, a_block.data(), row_sums.data(), b, alpha_fold.data(), c + i0 * ldc, ldc, kernels);
  }
}

std::vector<int32_t> relaxed_column_add(const PackedQ8RelaxedWeights& b, int32_t a_zero_point, const int32_t* bias) {
  std::vector<int32_t> add;
  column_add_for_alpha(b, 128u - static_cast<uint32_t>(a_zero_point), bias, add);
  return add;
}

void gemm_q8_relaxed_prepacked(size_t m, const int8_t* a_packed, const uint32_t* row_sums,
                               const PackedQ8RelaxedWeights& b, const int32_t* column_add, int32_t* c, size_t ldc,
                               const RelaxedKernels& kernels) {
  check_kernel_set(b, kernels);
  run_packed(m, a_packed, row_sums, b, column_add, c, ldc, kernels);
}

}  // namespace qp::kernels
