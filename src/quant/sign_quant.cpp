#include "quant/sign_quant.h"

#include <cmath>

namespace qp {

namespace {

double mean_abs(const float* x, size_t n) {
  double sum = 0;
  for (size_t i = 0; i < n; ++i) sum += std::fabs(static_cast<double>(x[i]));
  return n ? sum / static_cast<double>(n) : 0.0;
}

}  // namespace

float binary_quantize(const float* x, size_t n, int8_t* codes, float* out) {
  const float alpha = static_cast<float>(mean_abs(x, n));
  for (size_t i = 0; i < n; ++i) {
    const int8_t q = x[i] >= 0.0f ? 1 : -1;
    if (codes) codes[i] = q;
    out[i] = q > 0 ? alpha : -alpha;
  }
  return alpha;
}

float ternary_quantize(const float* x, size_t n, int8_t* codes, float* out) {
  const double delta = 0.7 * mean_abs(x, n);
  double kept_sum = 0;
  size_t kept = 0;
  // Branch-free (values near delta make the branch unpredictable): adding +0.0 to the sum, which
  // starts at +0 and only grows, leaves it unchanged, so the sum is the same as adding kept values only.
  for (size_t i = 0; i < n; ++i) {
    const double a = std::fabs(static_cast<double>(x[i]));
    const bool keep = a > delta;
    kept_sum += keep ? a : 0.0;
    kept += keep ? 1 : 0;
  }
  const float alpha = kept ? static_cast<float>(kept_sum / static_cast<double>(kept)) : 0.0f;
  for (size_t i = 0; i < n; ++i) {
    const double v = x[i];
    const int8_t q = v > delta ? 1 : v < -delta ? -1 : 0;
    if (codes) codes[i] = q;
    out[i] = q == 0 ? 0.0f : q > 0 ? alpha : -alpha;
  }
  return alpha;
}

}  // namespace qp
