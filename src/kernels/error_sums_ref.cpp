#include "kernels/error_sums.h"

#include <cmath>

namespace qp::kernels {

void error_sums_add_ref(ErrorSums& s, const float* x, const float* y, size_t n) noexcept {
  // Lanes in locals, so the compiler keeps them in registers (and may pair them into f64x2).
  double e[4], p[4], q[4], r[4], m[4];
  for (int l = 0; l < 4; ++l) e[l] = s.err2[l], p[l] = s.x2[l], q[l] = s.y2[l], r[l] = s.xy[l], m[l] = s.max_abs[l];
  for (size_t i = 0; i + 4 <= n; i += 4) {
    for (int l = 0; l < 4; ++l) {
      const double a = x[i + l], b = y[i + l], d = a - b, ad = std::fabs(d);
      e[l] += d * d;
      p[l] += a * a;
      q[l] += b * b;
      r[l] += a * b;
      m[l] = ad > m[l] ? ad : m[l];
    }
  }
  for (int l = 0; l < 4; ++l) s.err2[l] = e[l], s.x2[l] = p[l], s.y2[l] = q[l], s.xy[l] = r[l], s.max_abs[l] = m[l];
}

}  // namespace qp::kernels
