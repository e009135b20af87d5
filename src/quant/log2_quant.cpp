#include "quant/log2_quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace qp {

int log2_exponent_count(int bits) { return (1 << (bits - 1)) - 1; }

uint8_t log2_magnitude_code(double u, int bits) {
  if (!(u > 0.0)) return 0;
  // u = 1.f · 2^e (a normal double: u >= float32's smallest value / its largest). Round(log2 u)
  // is e + 1 when 1.f >= sqrt(2) (compared as the mantissa bits of fl64(sqrt 2); sqrt 2 is
  // irrational, so no u lies on the threshold itself), else e.
  constexpr uint64_t kSqrt2Mantissa = 0x6A09E667F3BCDull;  // fl64(sqrt 2) = 0x3FF6A09E667F3BCD
  uint64_t b;
  std::memcpy(&b, &u, 8);
  const int e = static_cast<int>(b >> 52) - 1023;
  const int rounded = e + ((b & 0xFFFFFFFFFFFFFull) >= kSqrt2Mantissa ? 1 : 0);
  const int k = -std::min(rounded, 0);  // the level 2^-k; anything above 2^0 clips to it
  return k <= log2_exponent_count(bits) - 1 ? static_cast<uint8_t>(k + 1) : 0;
}

float log2_magnitude(uint8_t code, float scale) {
  return code == 0 ? 0.0f : std::ldexp(scale, -(static_cast<int>(code) - 1));
}

float log2_quantize(const float* x, size_t n, int bits, uint8_t* codes, float* out) {
  float amax = 0.0f;
  for (size_t i = 0; i < n; ++i) amax = std::max(amax, std::fabs(x[i]));
  const float scale = amax > 0.0f ? amax : 1.0f;
  const uint8_t sign_bit = static_cast<uint8_t>(1u << (bits - 1));
  float magnitude[128];
  for (int code = 0; code <= log2_exponent_count(bits); ++code)
    magnitude[code] = log2_magnitude(static_cast<uint8_t>(code), scale);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t code = log2_magnitude_code(std::fabs(static_cast<double>(x[i])) / scale, bits);
    const float mag = magnitude[code];
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
