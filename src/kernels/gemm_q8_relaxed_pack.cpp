// Weight packing for gemm_q8_relaxed (layout and ranges in gemm_q8_relaxed.h): done once per
// weight matrix, so it favours clarity over speed. It reads the codes first to pick the mode.
#include <algorithm>
#include <string>

#include "core/error.h"
#include "kernels/gemm_q8_relaxed.h"

namespace qp::kernels {

namespace {

inline int32_t code_at(Q8Matrix b, size_t index) {
  return b.is_signed ? static_cast<int32_t>(static_cast<int8_t>(b.data[index])) : static_cast<int32_t>(b.data[index]);
}

}  // namespace

const char* relaxed_weight_mode_name(RelaxedWeightMode mode) {
  switch (mode) {
    case RelaxedWeightMode::kOneDot: return "one-dot";
    case RelaxedWeightMode::kTwoDots: return "two-dots";
    case RelaxedWeightMode::kSimd128: return "simd128";
    case RelaxedWeightMode::kFullRange: return "full-range";
  }
  return "?";
}

PackedQ8RelaxedWeights pack_q8_relaxed_weights(Q8Matrix b, size_t k, size_t n, size_t stride_k, size_t stride_n,
                                               const std::vector<int32_t>& zero_points, bool allow_two_dots,
                                               bool unsigned_weights) {
  check_q8_weights(b, k, n, zero_points);
  PackedQ8RelaxedWeights w;
  w.k = k;
  w.n = n;
  w.k_padded = (k + kRelaxedDepth - 1) / kRelaxedDepth * kRelaxedDepth;
  w.zero_points.assign(n, zero_points[0]);
  if (zero_points.size() == n) w.zero_points = zero_points;

  // Per-column offset ob[j] = min code; the widest column decides the mode for the whole matrix.
  w.offsets.assign(n, 0);
  int32_t widest = 0;
  for (size_t j = 0; j < n; ++j) {
    int32_t lo = code_at(b, j * stride_n), hi = lo;
    for (size_t p = 1; p < k; ++p) {
      const int32_t v = code_at(b, p * stride_k + j * stride_n);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    w.offsets[j] = lo;
    widest = std::max(widest, hi - lo);
  }
  if (unsigned_weights) {
    w.mode = RelaxedWeightMode::kFullRange;  // widest ≤ 255 always
    w.dots = 1;
  } else if (widest <= 127) {
    w.mode = RelaxedWeightMode::kOneDot;
    w.dots = 1;
  } else if (widest <= 254 && allow_two_dots) {
    w.mode = RelaxedWeightMode::kTwoDots;
    w.dots = 2;
  } else {
    w.mode = RelaxedWeightMode::kSimd128;
    w.fallback = pack_q8_weights(b, k, n, stride_k, stride_n, zero_points);
    return w;
  }

  const size_t panels = (n + kPanelCols - 1) / kPanelCols;
  const size_t pair_bytes = w.blocks() * kRelaxedDepth * 2;  // one column pair's stream
  w.panels.assign(panels * pair_bytes * (kPanelCols / 2), 0);
  w.beta.resize(n);
  w.column_fold.resize(n);
  for (size_t j = 0; j < n; ++j) {
    // Column j: panel j/8, pair (j%8)/2, slot j%2 inside each 32-byte block pair.
    int8_t* pair = w.panels.data() + (j / kPanelCols) * pair_bytes * (kPanelCols / 2) + ((j % kPanelCols) / 2) * pair_bytes;
    const size_t slot = j % 2;
    uint32_t v_sum = 0;  // V_j, wraps modulo 2^32 like the accumulators
    for (size_t p = 0; p < k; ++p) {
      const int32_t v = code_at(b, p * stride_k + j * stride_n) - w.offsets[j];  // [0, widest], widest ≤ 255
      v_sum += static_cast<uint32_t>(v);
      const size_t slice = p / kRelaxedDepth, lane = p % kRelaxedDepth;
      if (w.dots == 1) {
        // kFullRange's v in 128..255 is stored as its byte (the kernel reads it unsigned).
        pair[(slice * 2 + slot) * kRelaxedDepth + lane] = static_cast<int8_t>(static_cast<uint8_t>(v));
      } else {
        // Blocks 2·slice (h) and 2·slice + 1 (l): h = v >> 1 and l = v − h, both ≤ 127.
        const int32_t h = v >> 1;
        pair[((2 * slice) * 2 + slot) * kRelaxedDepth + lane] = static_cast<int8_t>(h);
        pair[((2 * slice + 1) * 2 + slot) * kRelaxedDepth + lane] = static_cast<int8_t>(v - h);
      }
    }
    const uint32_t beta = static_cast<uint32_t>(w.offsets[j]) - static_cast<uint32_t>(w.zero_points[j]);
    w.beta[j] = static_cast<int32_t>(beta);
    w.column_fold[j] = static_cast<int32_t>(v_sum + static_cast<uint32_t>(k) * beta);
  }
  return w;
}

}  // namespace qp::kernels
