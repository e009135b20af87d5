#include "quant/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace qp {

void ErrorAccumulator::add(const float* x, const float* y, size_t n) noexcept {
  size_t i = 0;
  auto one = [&](size_t k, int lane) {
    const double a = x[k], b = y[k], d = a - b, ad = std::fabs(d);
    sums_.err2[lane] += d * d;
    sums_.x2[lane] += a * a;
    sums_.y2[lane] += b * b;
    sums_.xy[lane] += a * b;
    if (ad > sums_.max_abs[lane]) sums_.max_abs[lane] = ad;  // a NaN difference is ignored, as before
  };
  // Until the global index is a multiple of 4, then whole quadruples in the kernel (whose element
  // i goes to lane i mod 4, now the global lane), then the rest.
  for (; i < n && (count_ + i) % kLanes != 0; ++i) one(i, static_cast<int>((count_ + i) % kLanes));
  const size_t whole = (n - i) / kLanes * kLanes;
  kernels::error_sums_add(sums_, x + i, y + i, whole);
  for (i += whole; i < n; ++i) one(i, static_cast<int>((count_ + i) % kLanes));
  count_ += n;
}

void ErrorAccumulator::throw_misaligned() {
  throw Error("internal: fused error sums must start at a global index that is a multiple of 4");
}

namespace {

double combine(const double* s) { return (s[0] + s[1]) + (s[2] + s[3]); }

}  // namespace

ErrorMetrics ErrorAccumulator::result() const {
  if (count_ == 0) throw Error("cannot compute error metrics of an empty tensor");
  const double sum_err2 = combine(sums_.err2), sum_x2 = combine(sums_.x2), sum_y2 = combine(sums_.y2),
               sum_xy = combine(sums_.xy);
  const double* max_abs = sums_.max_abs;
  ErrorMetrics m;
  m.mse = sum_err2 / static_cast<double>(count_);
  m.max_abs_error = std::max(std::max(max_abs[0], max_abs[1]), std::max(max_abs[2], max_abs[3]));
  if (sum_err2 == 0) m.sqnr_db = std::numeric_limits<double>::infinity();
  else if (sum_x2 == 0) m.sqnr_db = -std::numeric_limits<double>::infinity();
  else m.sqnr_db = 10.0 * std::log10(sum_x2 / sum_err2);
  if (sum_x2 == 0 && sum_y2 == 0) m.cosine = 1.0;
  else if (sum_x2 == 0 || sum_y2 == 0) m.cosine = 0.0;
  else m.cosine = sum_xy / (std::sqrt(sum_x2) * std::sqrt(sum_y2));
  return m;
}

ErrorMetrics compute_error_metrics(const float* x, const float* y, size_t n) {
  ErrorAccumulator acc;
  acc.add(x, y, n);
  return acc.result();
}

}  // namespace qp
