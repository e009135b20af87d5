// Packing of the weights for gemm_q8 (layout documented in gemm_q8.h): done once per weight
// matrix, so it favours clarity over speed.
#include <string>

#include "core/error.h"
#include "kernels/gemm_q8.h"

namespace qp::kernels {

void check_q8_weights(Q8Matrix b, size_t k, size_t n, const std::vector<int32_t>& zero_points) {
  if (k == 0 || n == 0) throw Error("matmul: the weight matrix is empty (" + std::to_string(k) + "×" +
                                    std::to_string(n) + ")");
  if (zero_points.size() != 1 && zero_points.size() != n) {
    throw Error("matmul: expected 1 or " + std::to_string(n) + " weight zero points, got " +
                std::to_string(zero_points.size()));
  }
  const int32_t lo = b.is_signed ? -128 : 0, hi = b.is_signed ? 127 : 255;
  for (int32_t z : zero_points) {
    if (z < lo || z > hi) {
      throw Error("matmul: weight zero point " + std::to_string(z) + " is outside the code range [" +
                  std::to_string(lo) + ", " + std::to_string(hi) + "]");
    }
  }
}

void check_q8_input_zero_point(bool is_signed, int32_t zero_point) {
  const int32_t lo = is_signed ? -128 : 0, hi = is_signed ? 127 : 255;
  if (zero_point < lo || zero_point > hi) {
    throw Error("matmul: input zero point " + std::to_string(zero_point) + " is outside the code range [" +
                std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
}

PackedQ8Weights pack_q8_weights(Q8Matrix b, size_t k, size_t n, size_t stride_k, size_t stride_n,
                                const std::vector<int32_t>& zero_points) {
  check_q8_weights(b, k, n, zero_points);
  PackedQ8Weights w;
  w.k = k;
  w.n = n;
  w.k_padded = (k + kDepthBlock - 1) / kDepthBlock * kDepthBlock;
  const size_t panels = (n + kPanelCols - 1) / kPanelCols;
  w.panels.assign(panels * w.k_padded * kPanelCols, 0);
  w.column_sums.assign(n, 0);
  w.zero_points.assign(n, zero_points[0]);
  if (zero_points.size() == n) w.zero_points = zero_points;
  for (size_t j = 0; j < n; ++j) {
    // Column j's 8-value blocks: panel j/8, pair (j%8)/2, slot j%2 inside each 16-value block.
    int16_t* pair = w.panels.data() + (j / kPanelCols) * w.k_padded * kPanelCols + ((j % kPanelCols) / 2) * w.k_padded * 2;
    const size_t slot = j % 2;
    uint32_t sum = 0;  // wraps modulo 2^32 like the accumulators (gemm_q8.h)
    for (size_t p = 0; p < k; ++p) {
      const uint8_t byte = b.data[p * stride_k + j * stride_n];
      const int16_t v = b.is_signed ? static_cast<int8_t>(byte) : byte;
      pair[(p / kDepthBlock) * 2 * kDepthBlock + slot * kDepthBlock + p % kDepthBlock] = v;
      sum += static_cast<uint32_t>(static_cast<int32_t>(v));
    }
    w.column_sums[j] = static_cast<int32_t>(sum);
  }
  w.column_fold.resize(n);
  for (size_t j = 0; j < n; ++j) {
    w.column_fold[j] = static_cast<int32_t>(static_cast<uint32_t>(w.column_sums[j]) -
                                            static_cast<uint32_t>(k) * static_cast<uint32_t>(w.zero_points[j]));
  }
  return w;
}

}  // namespace qp::kernels
