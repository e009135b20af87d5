#include "quant/metrics.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace qp {

ErrorMetrics compute_error_metrics(const float* x, const float* y, size_t n) {
  if (n == 0) throw Error("cannot compute error metrics of an empty tensor");
  double sum_err2 = 0, sum_x2 = 0, sum_y2 = 0, sum_xy = 0, max_abs = 0;
  for (size_t i = 0; i < n; ++i) {
    const double a = x[i], b = y[i], d = a - b;
    sum_err2 += d * d;
    sum_x2 += a * a;
    sum_y2 += b * b;
    sum_xy += a * b;
    if (std::fabs(d) > max_abs) max_abs = std::fabs(d);
  }
  ErrorMetrics m;
  m.mse = sum_err2 / static_cast<double>(n);
  m.max_abs_error = max_abs;
  if (sum_err2 == 0) m.sqnr_db = std::numeric_limits<double>::infinity();
  else if (sum_x2 == 0) m.sqnr_db = -std::numeric_limits<double>::infinity();
  else m.sqnr_db = 10.0 * std::log10(sum_x2 / sum_err2);
  if (sum_x2 == 0 && sum_y2 == 0) m.cosine = 1.0;
  else if (sum_x2 == 0 || sum_y2 == 0) m.cosine = 0.0;
  else m.cosine = sum_xy / (std::sqrt(sum_x2) * std::sqrt(sum_y2));
  return m;
}

}  // namespace qp
