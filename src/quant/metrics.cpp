#include "quant/metrics.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace qp {

void ErrorAccumulator::add(const float* x, const float* y, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double a = x[i], b = y[i], d = a - b;
    sum_err2_ += d * d;
    sum_x2_ += a * a;
    sum_y2_ += b * b;
    sum_xy_ += a * b;
    if (std::fabs(d) > max_abs_) max_abs_ = std::fabs(d);
  }
  count_ += n;
}

ErrorMetrics ErrorAccumulator::result() const {
  if (count_ == 0) throw Error("cannot compute error metrics of an empty tensor");
  ErrorMetrics m;
  m.mse = sum_err2_ / static_cast<double>(count_);
  m.max_abs_error = max_abs_;
  if (sum_err2_ == 0) m.sqnr_db = std::numeric_limits<double>::infinity();
  else if (sum_x2_ == 0) m.sqnr_db = -std::numeric_limits<double>::infinity();
  else m.sqnr_db = 10.0 * std::log10(sum_x2_ / sum_err2_);
  if (sum_x2_ == 0 && sum_y2_ == 0) m.cosine = 1.0;
  else if (sum_x2_ == 0 || sum_y2_ == 0) m.cosine = 0.0;
  else m.cosine = sum_xy_ / (std::sqrt(sum_x2_) * std::sqrt(sum_y2_));
  return m;
}

ErrorMetrics compute_error_metrics(const float* x, const float* y, size_t n) {
  ErrorAccumulator acc;
  acc.add(x, y, n);
  return acc.result();
}

}  // namespace qp
