#include "quant/log2_quant.h"

#include <algorithm>
#include <cmath>

namespace qp {

int log2_exponent_count(int bits) { return (1 << (bits - 1)) - 1; }

uint8_t log2_magnitude_code(double u, int bits) {
  if (!(u > 0.0)) return 0;
  const int k_max = log2_exponent_count(bits);
  int e;
  const double m = std::frexp(u, &e);  // u = m · 2^e, m in [0.5, 1): log2 u = e + log2 m
  // Round(log2 u): e when log2 m >= -0.5 (m >= 2^-0.5), else e - 1.
  const int rounded = m >= std::sqrt(0.5) ? e : e - 1;
  const int k = -std::min(rounded, 0);  // the level 2^-k; anything above 2^0 clips to it
  return k <= k_max - 1 ? static_cast<uint8_t>(k + 1) : 0;
}

float log2_magnitude(uint8_t code, float scale) {
  return code == 0 ? 0.0f : std::ldexp(scale, -(static_cast<int>(code) - 1));
}

float log2_quantize(const float* x, size_t n, int bits, uint8_t* codes, float* out) {
  float amax = 0.0f;
  for (size_t i = 0; i < n; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float scale = amax > 0.0f ? amax : 1.0f;
  const uint8_t sign_bit = static_cast<uint8_t>(1u << (bits - 1));
  for (size_t i = 0; i < n; ++i) {
    const uint8_t code = log2_magnitude_code(std::fabs(static_cast<double>(x[i])) / scale, bits);
    const float mag = log2_magnitude(code, scale);
    const bool negative = x[i] < 0.0f && code != 0;
    out[i] = negative ? -mag : mag;
    if (codes) codes[i] = static_cast<uint8_t>(negative ? sign_bit | code : code);
  }
  return scale;
}

std::vector<float> log2_levels(int bits, float scale) {
  std::vector<float> levels{0.0f};
  for (int code = 1; code <= log2_exponent_count(bits); ++code) {
    const float mag = log2_magnitude(static_cast<uint8_t>(code), scale);
    levels.push_back(mag);
    levels.push_back(-mag);
  }
  std::sort(levels.begin(), levels.end());
  return levels;
}

}  // namespace qp
