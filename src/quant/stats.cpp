#include "quant/stats.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "kernels/quantize_f32.h"

namespace qp {

TensorStats compute_stats(const float* x, size_t n) {
  TensorStats s;
  s.count = n;
  double sum = 0;
  bool first = true;
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (std::isnan(v)) { ++s.nan_count; continue; }
    if (std::isinf(v)) { (v > 0 ? s.posinf_count : s.neginf_count)++; continue; }
    ++s.finite_count;
    if (v == 0.0f) ++s.zero_count;
    sum += v;
    if (first) { s.min = s.max = v; first = false; }
    else { if (v < s.min) s.min = v; if (s.max < v) s.max = v; }
  }
  if (s.finite_count == 0) return s;
  s.mean = sum / static_cast<double>(s.finite_count);
  double sq = 0;
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) continue;
    const double d = x[i] - s.mean;
    sq += d * d;
  }
  s.std = std::sqrt(sq / static_cast<double>(s.finite_count));
  return s;
}

void require_finite(const float* x, size_t n) {
  if (n == 0) throw Error("the tensor is empty: there is nothing to quantize");
  if (kernels::all_finite_f32(x, n)) return;
  const TensorStats s = compute_stats(x, n);
  throw Error("the tensor holds " + std::to_string(s.nan_count) + " NaN, " +
              std::to_string(s.posinf_count) + " +Inf and " + std::to_string(s.neginf_count) +
              " -Inf values of " + std::to_string(s.count) +
              "; quantization needs finite values (PyTorch and ONNX leave non-finite input undefined)");
}

Histogram compute_histogram(const float* x, size_t n, int bins, double lo, double hi) {
  if (bins < 1 || bins > (1 << 20))
    throw Error("histogram bins must be between 1 and 1048576, got " + std::to_string(bins));
  if (!std::isfinite(lo) || !std::isfinite(hi) || hi < lo)
    throw Error("histogram range must be finite with lo <= hi");
  Histogram h;
  h.lo = lo;
  h.hi = hi;
  h.counts.assign(static_cast<size_t>(bins), 0.0);
  const double width = hi - lo;
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i];
    if (!std::isfinite(v)) continue;
    if (v < lo) { ++h.below; continue; }
    if (v > hi) { ++h.above; continue; }
    size_t b;
    if (width == 0) b = static_cast<size_t>(bins) / 2;
    else {
      b = static_cast<size_t>((v - lo) / width * bins);
      if (b >= static_cast<size_t>(bins)) b = static_cast<size_t>(bins) - 1;  // v == hi
    }
    h.counts[b] += 1;
  }
  return h;
}

}  // namespace qp
