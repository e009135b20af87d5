#include "quant/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace qp {

void ErrorAccumulator::add(const float* x, const float* y, size_t n) {
  size_t i = 0;
  auto one = [&](size_t k, int lane) {
    const double a = x[k], b = y[k], d = a - b, ad = std::fabs(d);
    err2_[lane] += d * d;
    x2_[lane] += a * a;
    y2_[lane] += b * b;
    xy_[lane] += a * b;
    if (ad > max_abs_[lane]) max_abs_[lane] = ad;  // a NaN difference is ignored, as before
  };
  // Until the global index is a multiple of 4, then four at a time in locals (so the compiler
  // keeps them in registers and may pair lanes into f64x2), then the rest.
  for (; i < n && (count_ + i) % kLanes != 0; ++i) one(i, static_cast<int>((count_ + i) % kLanes));
  double e[kLanes], p[kLanes], q[kLanes], r[kLanes], m[kLanes];
  for (int l = 0; l < kLanes; ++l) e[l] = err2_[l], p[l] = x2_[l], q[l] = y2_[l], r[l] = xy_[l], m[l] = max_abs_[l];
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const double a = x[i + l], b = y[i + l], d = a - b, ad = std::fabs(d);
      e[l] += d * d;
      p[l] += a * a;
      q[l] += b * b;
      r[l] += a * b;
      m[l] = ad > m[l] ? ad : m[l];
    }
  }
  for (int l = 0; l < kLanes; ++l) err2_[l] = e[l], x2_[l] = p[l], y2_[l] = q[l], xy_[l] = r[l], max_abs_[l] = m[l];
  for (; i < n; ++i) one(i, static_cast<int>((count_ + i) % kLanes));
  count_ += n;
}

namespace {

double combine(const double* s) { return (s[0] + s[1]) + (s[2] + s[3]); }

}  // namespace

ErrorMetrics ErrorAccumulator::result() const {
  if (count_ == 0) throw Error("cannot compute error metrics of an empty tensor");
  const double sum_err2 = combine(err2_), sum_x2 = combine(x2_), sum_y2 = combine(y2_), sum_xy = combine(xy_);
  ErrorMetrics m;
  m.mse = sum_err2 / static_cast<double>(count_);
  m.max_abs_error = std::max(std::max(max_abs_[0], max_abs_[1]), std::max(max_abs_[2], max_abs_[3]));
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
