#include "core/minifloat.h"

#include <cstring>

#include "core/half.h"

namespace qp {

namespace {

uint32_t bits_of(float x) {
  uint32_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

float float_of(uint32_t b) {
  float x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}

// 2^k as a float32 built from its bits: exact for the normal range -126 <= k <= 127, with no
// libm call whose rounding could differ between platforms.
float pow2(int k) { return float_of(static_cast<uint32_t>(k + 127) << 23); }

constexpr uint32_t kF32Inf = 0x7f800000u;

// Field layouts: E4M3FN bias 7 (emin -6), E5M2 bias 15 (emin -14), E2M1 bias 1 (emin 0).
constexpr int kE4M3Mant = 3, kE4M3Emin = -6;
constexpr uint32_t kE4M3Max = 0x7e, kE4M3NaN = 0x7f;
constexpr int kE2M1Mant = 1, kE2M1Emin = 0;
constexpr uint32_t kE2M1Max = 0x7;

}  // namespace

namespace detail {

uint32_t round_to_magnitude_code(uint32_t abs_bits, int mant_bits, int emin) {
  // |x| = sig * 2^ex exactly, and e_lead = floor(log2 |x|).
  const int field = static_cast<int>(abs_bits >> 23);
  uint32_t sig;
  int ex, e_lead;
  if (field != 0) {
    sig = (abs_bits & 0x7fffffu) | 0x800000u;
    ex = field - 150;
    e_lead = field - 127;
  } else {
    sig = abs_bits;  // float32 subnormal (or zero): below every emin allowed here
    ex = -149;
    e_lead = -127;
  }
  // The target's spacing around |x| is 2^(e - mant_bits) with e = max(e_lead, emin): below emin
  // the spacing stays that of the subnormals, which is what gives gradual underflow.
  const int e = e_lead > emin ? e_lead : emin;
  // shift >= 1 always: 23 - mant_bits for normal inputs at least, 16 for subnormal ones.
  const int shift = (e - mant_bits) - ex;
  uint32_t q;
  if (shift >= 25) {
    q = 0;  // sig < 2^24 <= half a spacing: rounds to zero
  } else {
    q = sig >> shift;
    const uint32_t rem = sig & ((1u << shift) - 1u);
    const uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1u))) ++q;  // nearest, ties to even
  }
  // q counts spacings of 2^(e - mant_bits): for e > emin it lies in [2^M, 2^(M+1)], and adding it
  // to (e - emin) << M yields exponent field e - emin + 1 = e + bias with the hidden bit removed;
  // q == 2^(M+1) (rounded up to the next binade) carries into the exponent by the same addition,
  // and so does a subnormal that rounds up to the smallest normal.
  return (static_cast<uint32_t>(e - emin) << mant_bits) + q;
}

float magnitude_code_to_float(uint32_t code, int mant_bits, int emin) {
  const uint32_t field = code >> mant_bits;
  const uint32_t mant = code & ((1u << mant_bits) - 1u);
  if (field == 0) return static_cast<float>(mant) * pow2(emin - mant_bits);  // subnormal
  return static_cast<float>(mant | (1u << mant_bits)) *
         pow2(emin + static_cast<int>(field) - 1 - mant_bits);
}

}  // namespace detail

uint8_t float_to_fp8_e4m3fn_bits(float x, bool saturate) {
  const uint32_t b = bits_of(x);
  const uint32_t sign = (b >> 24) & 0x80u;
  const uint32_t a = b & 0x7fffffffu;
  if (a > kF32Inf) return static_cast<uint8_t>(sign | kE4M3NaN);
  uint32_t m = a == kF32Inf ? kE4M3NaN : detail::round_to_magnitude_code(a, kE4M3Mant, kE4M3Emin);
  if (m > kE4M3Max) m = saturate ? kE4M3Max : kE4M3NaN;  // no inf: overflow is NaN
  return static_cast<uint8_t>(sign | m);
}

float fp8_e4m3fn_bits_to_float(uint8_t b) {
  const uint32_t sign = static_cast<uint32_t>(b & 0x80u) << 24;
  const uint32_t m = b & 0x7fu;
  if (m == kE4M3NaN) return float_of(sign | 0x7fc00000u);
  return float_of(sign | bits_of(detail::magnitude_code_to_float(m, kE4M3Mant, kE4M3Emin)));
}

uint8_t float_to_fp8_e5m2_bits(float x, bool saturate) {
  // E5M2 has binary16's exponent and the top 2 of its 10 mantissa bits, but rounding f32 -> f16
  // -> E5M2 would round twice; round once, directly.
  const uint32_t b = bits_of(x);
  const uint32_t sign = (b >> 24) & 0x80u;
  const uint32_t a = b & 0x7fffffffu;
  if (a > kF32Inf) return static_cast<uint8_t>(sign | 0x7eu);  // quiet NaN
  uint32_t m = a == kF32Inf ? 0x7cu : detail::round_to_magnitude_code(a, 2, -14);
  if (m > 0x7bu) m = saturate ? 0x7bu : 0x7cu;  // 0x7b = 57344, 0x7c = inf
  return static_cast<uint8_t>(sign | m);
}

float fp8_e5m2_bits_to_float(uint8_t b) { return half_bits_to_float(static_cast<uint16_t>(b << 8)); }

uint8_t float_to_fp4_e2m1_bits(float x) {
  const uint32_t b = bits_of(x);
  const uint32_t a = b & 0x7fffffffu;
  if (a > kF32Inf) return static_cast<uint8_t>(kE2M1Max);  // NaN -> +6 (ONNX FLOAT4E2M1 rule)
  const uint32_t sign = (b >> 28) & 0x8u;
  uint32_t m = a == kF32Inf ? kE2M1Max : detail::round_to_magnitude_code(a, kE2M1Mant, kE2M1Emin);
  if (m > kE2M1Max) m = kE2M1Max;
  return static_cast<uint8_t>(sign | m);
}

float fp4_e2m1_bits_to_float(uint8_t b) {
  const float v = detail::magnitude_code_to_float(b & 0x7u, kE2M1Mant, kE2M1Emin);
  return (b & 0x8u) ? -v : v;
}

void encode_fp8_e4m3fn(const float* x, size_t n, bool saturate, uint8_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = float_to_fp8_e4m3fn_bits(x[i], saturate);
}
void decode_fp8_e4m3fn(const uint8_t* b, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = fp8_e4m3fn_bits_to_float(b[i]);
}
void encode_fp8_e5m2(const float* x, size_t n, bool saturate, uint8_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = float_to_fp8_e5m2_bits(x[i], saturate);
}
void decode_fp8_e5m2(const uint8_t* b, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = fp8_e5m2_bits_to_float(b[i]);
}
void encode_fp4_e2m1(const float* x, size_t n, uint8_t* out) {
  for (size_t i = 0; i < n; ++i) out[i] = float_to_fp4_e2m1_bits(x[i]);
}
void decode_fp4_e2m1(const uint8_t* b, size_t n, float* out) {
  for (size_t i = 0; i < n; ++i) out[i] = fp4_e2m1_bits_to_float(b[i]);
}

}  // namespace qp
