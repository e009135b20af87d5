// train_math.h: portable RNG and elementary functions (see the header for why).
#include "nn/train_math.h"

#include <cmath>
#include <utility>

namespace qp::nn {

uint64_t TrainRng::next() {
  uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void TrainRng::shuffle(uint32_t* idx, size_t n) {
  for (size_t i = n; i > 1; --i) std::swap(idx[i - 1], idx[below(static_cast<uint32_t>(i))]);
}

// x = k·ln2 + r with |r| <= ln2/2, e^r by its Taylor series to degree 13 (relative error below
// 1e-15), then the exact scaling by 2^k. ln2 is split in two so k·ln2_hi is exact.
double det_exp(double x) {
  if (!(x > -745.0)) return 0.0;
  if (x > 709.0) return HUGE_VAL;
  constexpr double kLn2Hi = 6.93147180369123816490e-01, kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  const double k = std::floor(x * kInvLn2 + 0.5);
  const double r = (x - k * kLn2Hi) - k * kLn2Lo;
  double term = 1.0, sum = 1.0;
  for (int i = 1; i <= 13; ++i) {
    term = term * r / i;
    sum += term;
  }
  return std::ldexp(sum, static_cast<int>(k));
}

// x = m·2^e with m in [1/√2, √2): ln m = 2·atanh(u), u = (m−1)/(m+1), |u| < 0.172, by its series
// to u^29 (error below 1e-22).
double det_log(double x) {
  int e = 0;
  double m = std::frexp(x, &e);  // m in [0.5, 1)
  if (m < 0.70710678118654752440) {
    m *= 2.0;
    e -= 1;
  }
  const double u = (m - 1.0) / (m + 1.0), u2 = u * u;
  double power = u, sum = 0.0;
  for (int i = 1; i <= 29; i += 2) {
    sum += power / i;
    power *= u2;
  }
  constexpr double kLn2 = 6.93147180559945309417e-01;
  return 2.0 * sum + e * kLn2;
}

// cos on [0, π/2] by its Taylor series to x^24 (error below 1e-17), and cos x = −cos(π − x).
double det_cos(double x) {
  double sign = 1.0;
  if (x > kPi / 2) {
    x = kPi - x;
    sign = -1.0;
  }
  const double x2 = x * x;
  double term = 1.0, sum = 1.0;
  for (int i = 2; i <= 24; i += 2) {
    term = -term * x2 / ((i - 1) * i);
    sum += term;
  }
  return sign * sum;
}

}  // namespace qp::nn
