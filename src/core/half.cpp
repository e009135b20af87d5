#include "core/half.h"

#include <cstring>

#include "core/minifloat.h"

namespace qp {

float half_bits_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  uint32_t mant = h & 0x3ffu;
  uint32_t bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000u | (mant << 13);  // inf, NaN (payload kept)
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);  // normal: rebias 15 -> 127
  } else if (mant == 0) {
    bits = sign;  // ±0
  } else {
    // Subnormal half: normalise the mantissa into a float32 normal.
    int e = -1;
    do { ++e; mant <<= 1; } while ((mant & 0x400u) == 0);
    bits = sign | (static_cast<uint32_t>(112 - e) << 23) | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

namespace {

uint32_t f32_bits(float x) {
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

}  // namespace

uint16_t float_to_half_bits(float x, bool saturate) {
  const uint32_t b = f32_bits(x);
  const uint32_t sign = (b >> 16) & 0x8000u;
  const uint32_t a = b & 0x7fffffffu;
  if (a > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u | ((a >> 13) & 0x3ffu));
  // Infinity enters as the inf code so that it meets the same overflow rule as finite values.
  uint32_t m = a == 0x7f800000u ? 0x7c00u : detail::round_to_magnitude_code(a, 10, -14);
  if (m > 0x7bffu) m = saturate ? 0x7bffu : 0x7c00u;
  return static_cast<uint16_t>(sign | m);
}

float bf16_bits_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

uint16_t float_to_bf16_bits(float x, bool saturate) {
  // bf16 keeps float32's exponent range, so only the rounding of the low 16 bits (and its carry
  // into the exponent, up to inf) happens here; subnormals round like any other value.
  const uint32_t b = f32_bits(x);
  const uint32_t sign = (b >> 16) & 0x8000u;
  const uint32_t a = b & 0x7fffffffu;
  if (a > 0x7f800000u) return static_cast<uint16_t>((b >> 16) | 0x0040u);
  uint32_t m = a == 0x7f800000u ? 0x7f80u : detail::round_to_magnitude_code(a, 7, -126);
  if (m > 0x7f7fu) m = saturate ? 0x7f7fu : 0x7f80u;
  return static_cast<uint16_t>(sign | m);
}

void encode_f16(const float* x, size_t n, bool saturate, uint16_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = float_to_half_bits(x[i], saturate);
}
void decode_f16(const uint16_t* h, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = half_bits_to_float(h[i]);
}
void encode_bf16(const float* x, size_t n, bool saturate, uint16_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = float_to_bf16_bits(x[i], saturate);
}
void decode_bf16(const uint16_t* b, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = bf16_bits_to_float(b[i]);
}

}  // namespace qp
