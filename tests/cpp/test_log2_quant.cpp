// Power-of-two quantization (quant/log2_quant.h): against a log-domain reference written from
// LogQuant's definition (nearest exponent by |log2 u - e|), the thresholds at 2^(k - 1/2), and
// the underflow to zero.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "quant/log2_quant.h"

namespace {

// LogQuant from its definition: the exponent e in {0, -1, ..., -(K-1)} nearest to log2 u (u > 0),
// zero when log2 u is nearer to (or below) the next exponent down, -K, than to -(K-1).
float reference(float x, float scale, int bits) {
  const int k_count = (1 << (bits - 1)) - 1;
  const double u = std::fabs(static_cast<double>(x)) / scale;
  if (u == 0.0) return 0.0f;
  const double l = std::log2(u);
  int best = 0;
  for (int e = 0; e >= -(k_count - 1); --e)
    if (std::fabs(l - e) < std::fabs(l - best)) best = e;
  if (l < -(k_count - 1) - 0.5) return 0.0f;
  const float mag = std::ldexp(scale, best);
  return x < 0 ? -mag : mag;
}

}  // namespace

TEST_CASE("log2: matches the log-domain definition on values spread over many octaves") {
  uint32_t seed = 12345;
  for (int bits = 2; bits <= 8; ++bits) {
    for (size_t n : {1, 15, 16, 17, 1000}) {
      std::vector<float> x(n), y(n);
      for (auto& v : x) {
        seed = seed * 1664525u + 1013904223u;
        const float e = static_cast<float>(seed >> 8) / 16777216.0f * -20.0f;  // 2^0 .. 2^-20
        v = std::exp2(e) * ((seed & 1) ? -3.0f : 3.0f);
      }
      x[0] = 0.0f;
      std::vector<uint8_t> codes(n);
      const float scale = qp::log2_quantize(x.data(), n, bits, codes.data(), y.data());
      CAPTURE(bits);
      CAPTURE(n);
      for (size_t i = 0; i < n; ++i) {
        CAPTURE(x[i]);
        CHECK(y[i] == reference(x[i], scale, bits));
        const uint8_t mag = codes[i] & ((1u << (bits - 1)) - 1u);
        const float decoded = qp::log2_magnitude(mag, scale);
        CHECK(y[i] == ((codes[i] >> (bits - 1)) ? -decoded : decoded));
      }
      CHECK(qp::log2_levels(bits, scale).size() == static_cast<size_t>(2 * ((1 << (bits - 1)) - 1) + 1));
    }
  }
}

TEST_CASE("log2: rounding is in the log domain (threshold 2^-0.5, not the linear midpoint 0.75)") {
  const float s = std::sqrt(0.5f);
  const float below = std::nextafter(s, 0.0f), above = std::nextafter(s, 1.0f);
  // sqrt(0.5f) is a float32 below or above the irrational threshold: its neighbours are on both sides.
  CHECK(qp::log2_magnitude_code(below, 3) == 2);  // 2^-1
  CHECK(qp::log2_magnitude_code(above, 3) == 1);  // 2^0
  CHECK(qp::log2_magnitude_code(0.72, 3) == 1);   // linear rounding would give 0.5
  CHECK(qp::log2_magnitude_code(1.0, 3) == 1);
  // 3 bits: magnitudes 1, 1/2, 1/4; below 2^-2.5 = 0.1768 underflows to zero.
  CHECK(qp::log2_magnitude_code(0.18, 3) == 3);
  CHECK(qp::log2_magnitude_code(0.176, 3) == 0);
  CHECK(qp::log2_magnitude_code(0.0, 3) == 0);
  const std::vector<float> levels = qp::log2_levels(3, 2.0f);
  CHECK(levels == std::vector<float>{-2.0f, -1.0f, -0.5f, 0.0f, 0.5f, 1.0f, 2.0f});
  // 2 bits: sign + 1 exponent bit: {-s, 0, s}.
  CHECK(qp::log2_levels(2, 1.0f) == std::vector<float>{-1.0f, 0.0f, 1.0f});
  // An all-zero unit keeps scale 1 and zeros.
  std::vector<float> z(5, 0.0f), y(5, 1.0f);
  CHECK(qp::log2_quantize(z.data(), 5, 4, nullptr, y.data()) == 1.0f);
  for (float v : y) CHECK(v == 0.0f);
}
