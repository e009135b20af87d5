// The driver of gemm_q8_relaxed.h: packs A per call into int8 row groups (a' = a − oa, each 16-k
// slice written `dots` times), runs the micro-kernels through the function pointers of the
// runtime over every (row group, weight panel) pair and applies the fold when storing. Blocking
// follows gemm_q8's driver: a block of A rows sized for L2 streams past one panel held in L1.
#include <algorithm>
#include <string>

#include "core/error.h"
#include "kernels/gemm_q8_relaxed.h"

namespace qp::kernels {

namespace {

RelaxedKernels g_installed;  // set once at load time by the JS loader (bindings), read by every call

// a' = a − oa: uint8 codes shift by 128 into the signed range, int8 codes stay (two's complement).
inline int8_t shifted(const uint8_t* src, size_t p, bool is_signed) {
  return static_cast<int8_t>(is_signed ? src[p] : static_cast<uint8_t>(src[p] ^ 0x80));
}

// Packs rows [0, rows) of A (rows ≤ mr) as one micro-kernel group of mr rows, or of 1 row when
// rows == 1 (layout in gemm_q8_relaxed.h); writes R_i = Σ_k a' to row_sums. Padding k and missing
// rows are zero.
void pack_group(const uint8_t* a, size_t lda, bool is_signed, size_t rows, size_t mr, size_t k, size_t kp,
                size_t dots, int8_t* dst, uint32_t* row_sums) {
  const size_t group_rows = rows == 1 ? 1 : mr;
  for (size_t r = 0; r < group_rows; ++r) {
    uint32_t sum = 0;
    for (size_t p = 0; p < kp; ++p) {
      const int8_t v = r < rows && p < k ? shifted(a + r * lda, p, is_signed) : 0;
      sum += static_cast<uint32_t>(static_cast<int32_t>(v));
      const size_t slice = p / kRelaxedDepth, lane = p % kRelaxedDepth;
      for (size_t d = 0; d < dots; ++d) {
        dst[((slice * dots + d) * group_rows + r) * kRelaxedDepth + lane] = v;
      }
    }
    row_sums[r] = sum;
  }
}

// Rows of A per packed block: about 64 KiB of int8 (the SIMD128 driver holds 128 KiB of int16, the
// same number of codes), a multiple of the micro-kernel's rows mr.
size_t block_rows(size_t block_bytes_per_row, size_t mr) {
  const size_t rows = (size_t{64} * 1024) / block_bytes_per_row;
  return std::clamp<size_t>(rows / mr * mr, mr, 256 / mr * mr);
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
  if ((b.mode == RelaxedWeightMode::kFullRange) != kernels.unsigned_weights) {
    throw Error(std::string("matmul: weights packed for the ") +
                (b.mode == RelaxedWeightMode::kFullRange ? "u8" : "i7") + " relaxed kernel set, run with the " +
                (kernels.unsigned_weights ? "u8" : "i7") + " set");
  }
  check_q8_input_zero_point(a.is_signed, a_zero_point);
  if (m == 0) return;
  const size_t n = b.n, kp = b.k_padded, dots = b.dots;
  const size_t row_bytes = b.blocks() * kRelaxedDepth;  // one packed row of A
  const uint32_t blocks = static_cast<uint32_t>(b.blocks());
  // α = oa − za (mod 2^32).
  const uint32_t alpha = (a.is_signed ? 0u : 128u) - static_cast<uint32_t>(a_zero_point);

  // Scratch for one block of A, reused across calls (grow-only: a batch-1 call allocates nothing).
  const size_t mr = kernels.rows;
  const size_t mc = std::min(block_rows(row_bytes, mr), (m + mr - 1) / mr * mr);
  thread_local std::vector<int8_t> a_block;
  thread_local std::vector<uint32_t> row_sums;
  if (a_block.size() < mc * row_bytes) a_block.resize(mc * row_bytes);
  if (row_sums.size() < mc) row_sums.resize(mc);
  alignas(16) int32_t tile[kRelaxedU8MicroRows * kPanelCols];  // the larger of the two sets' groups
  const size_t panels = (n + kPanelCols - 1) / kPanelCols;

  for (size_t i0 = 0; i0 < m; i0 += mc) {
    const size_t rows = std::min(mc, m - i0);
    for (size_t r0 = 0; r0 < rows; r0 += mr) {
      pack_group(a.data + (i0 + r0) * lda, lda, a.is_signed, std::min(mr, rows - r0), mr, b.k, kp, dots,
                 a_block.data() + r0 * row_bytes, row_sums.data() + r0);
    }
    for (size_t panel = 0; panel < panels; ++panel) {
      const size_t j0 = panel * kPanelCols;
      const size_t cols = std::min(kPanelCols, n - j0);
      for (size_t r0 = 0; r0 < rows; r0 += mr) {
        const size_t group = std::min(mr, rows - r0);
        const int8_t* a_group = a_block.data() + r0 * row_bytes;
        if (group == 1) kernels.micro_1x8(blocks, a_group, b.panel(panel), tile);
        else kernels.micro_group(blocks, a_group, b.panel(panel), tile);
        for (size_t r = 0; r < group; ++r) {
          int32_t* out = c + (i0 + r0 + r) * ldc + j0;
          const uint32_t row_sum = row_sums[r0 + r];
          for (size_t j = 0; j < cols; ++j) {
            // S + β_j·R_i + α·(V_j + K·β_j), all mod 2^32.
            out[j] = static_cast<int32_t>(static_cast<uint32_t>(tile[r * kPanelCols + j]) +
                                          static_cast<uint32_t>(b.beta[j0 + j]) * row_sum +
                                          alpha * static_cast<uint32_t>(b.column_fold[j0 + j]));
          }
        }
      }
    }
  }
}

}  // namespace qp::kernels
