// Fused float-format round trip: out[i] = decode(encode(x[i] / scale)) * scale for a binary float
// format narrower than float32 (fp16, bf16, FP8 E4M3FN / E5M2, FP4 E2M1), computed on the float32
// bit pattern without forming the narrow code. It must equal the per-element reference
// (quant/float_formats.h fake_quantize_float with core/half.h, core/minifloat.h) bit for bit on
// every input, NaN and ±inf included; tests/cpp/test_float_fast.cpp checks it.
//
// How, for v = x / scale with sign s and magnitude bits a (shift = 23 - mant_bits):
//   NaN (a > 0x7f800000):   (bits & nan_keep) | nan_or       (the reference's NaN rule)
//   a >= min_normal_bits:   r = (a + (1 << (shift-1)) - 1 + ((a >> shift) & 1)) & ~((1 << shift) - 1)
//                           round to nearest even on the integer pattern; a carry out of the
//                           mantissa bumps the exponent, which is exactly the next binade's value.
//   a <  min_normal_bits:   r = bits((|v| + magic) - magic), magic = 2^(emin - mant_bits + 23):
//                           the float add rounds |v| (< magic) to the ulp of magic, which is the
//                           format's subnormal quantum, to nearest even; the subtraction is exact.
//   r > max_bits (also +inf, whose pattern rounds to itself): the reference's overflow result,
//                           overflow_bits with the input's sign (±max, ±inf or a NaN).
//   else:                   r | s
// then one float32 multiplication by scale, as in the reference.
// Tiers: *_ref plain loop, *__wasmsimd 128-bit SIMD; the unsuffixed name dispatches
// (kernel_dispatch.cpp).
#pragma once
#include <cstddef>
#include <cstdint>

namespace qp::kernels {

struct FloatRoundTrip {
  uint32_t shift = 13;                 // 23 - explicit mantissa bits of the format
  uint32_t min_normal_bits = 0;        // float32 pattern of the smallest normal 2^emin
  float subnormal_magic = 0.5f;        // 2^(emin - mant_bits + 23)
  uint32_t max_bits = 0;               // float32 pattern of the largest finite value
  uint32_t overflow_bits = 0;          // decoded overflow of a positive value (sign ORed in)
  uint32_t nan_keep = 0, nan_or = 0;   // NaN input bits b give (b & nan_keep) | nan_or
};

void float_round_trip_ref(const FloatRoundTrip& p, const float* x, size_t n, float scale, float* out);
#if defined(__wasm_simd128__)
void float_round_trip__wasmsimd(const FloatRoundTrip& p, const float* x, size_t n, float scale, float* out);
#endif
void float_round_trip(const FloatRoundTrip& p, const float* x, size_t n, float scale, float* out);

// One element of the above on the bit pattern of v = x / scale (shared by the tiers' tails).
inline uint32_t float_round_trip_bits(const FloatRoundTrip& p, uint32_t b, float abs_v) {
  const uint32_t a = b & 0x7fffffffu, sign = b & 0x80000000u;
  if (a > 0x7f800000u) return (b & p.nan_keep) | p.nan_or;
  // Both roundings, then a select: the branch would be unpredictable around the subnormal range.
  const uint32_t normal = (a + (1u << (p.shift - 1)) - 1u + ((a >> p.shift) & 1u)) & ~((1u << p.shift) - 1u);
  const float t = (abs_v + p.subnormal_magic) - p.subnormal_magic;
  uint32_t subnormal;
  __builtin_memcpy(&subnormal, &t, sizeof subnormal);
  const uint32_t r = a >= p.min_normal_bits ? normal : subnormal;
  return r > p.max_bits ? p.overflow_bits | sign : r | sign;
}

}  // namespace qp::kernels
