// Binary floating-point formats narrower than float32, converted bit by bit:
//   FP8 E4M3FN and E5M2 (OCP 8-bit Floating Point Specification, OFP8, rev 1.0),
//   FP4 E2M1 (OCP Microscaling Formats (MX) Specification v1.0, element type "FP4").
// fp16 and bf16 live in core/half.h and share the rounding core declared here.
//
// Encoders round to nearest, ties to even, with gradual underflow (subnormals), and keep the sign
// of zero (a negative value that rounds to zero gives -0). "Overflow" below means: the value
// rounded to nearest-even with an unbounded exponent is larger than the format's largest finite
// value. So the overflow thresholds are the midpoints above the maxima, with the tie rule applied:
//   E4M3FN: max 448 (S.1111.110); |x| <= 464 gives 448, |x| > 464 overflows (464 is a tie and
//           448's mantissa 110 is the even neighbour).
//   E5M2:   max 57344 (S.11110.11); |x| < 61440 gives 57344, |x| >= 61440 overflows (the tie
//           goes to the even neighbour 2^16, which is the infinity code S.11111.00, as in IEEE).
//   E2M1:   max 6; larger magnitudes always saturate to 6 (the format has no inf or NaN).
// With saturate == true overflow and ±inf give ±max (what CUDA's __NV_SATFINITE and ONNX Cast
// saturate=1 do); with saturate == false overflow and ±inf give NaN for E4M3FN (it has no inf)
// and ±inf for E5M2. NaN input always gives NaN: sign kept, code S.1111.111 (E4M3FN, the only
// NaN) or S.11111.10 (E5M2, the IEEE quiet NaN). E2M1 has no NaN: NaN input gives +6 (code 0x7),
// the rule of ONNX's FLOAT4E2M1 type, and ±inf give ±6.
#pragma once
#include <cstddef>
#include <cstdint>

namespace qp {

// FP8 E4M3FN: 1 sign, 4 exponent (bias 7), 3 mantissa bits; no inf; S.1111.111 is NaN.
uint8_t float_to_fp8_e4m3fn_bits(float x, bool saturate);
float fp8_e4m3fn_bits_to_float(uint8_t b);

// FP8 E5M2: 1 sign, 5 exponent (bias 15), 2 mantissa bits; IEEE-like:
// S.11111.00 is ±inf, S.11111.{01,10,11} are NaN. It is the top byte of an IEEE binary16.
uint8_t float_to_fp8_e5m2_bits(float x, bool saturate);
float fp8_e5m2_bits_to_float(uint8_t b);

// FP4 E2M1: 1 sign, 2 exponent (bias 1), 1 mantissa bit in the low nibble of a byte; values
// ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}. Always saturating. The decoder ignores the high nibble.
uint8_t float_to_fp4_e2m1_bits(float x);
float fp4_e2m1_bits_to_float(uint8_t b);

// Array forms: one code per byte (FP4 codes are not packed two to a byte). Input and output may
// not overlap.
void encode_fp8_e4m3fn(const float* x, size_t n, bool saturate, uint8_t* out);
void decode_fp8_e4m3fn(const uint8_t* b, size_t n, float* out);
void encode_fp8_e5m2(const float* x, size_t n, bool saturate, uint8_t* out);
void decode_fp8_e5m2(const uint8_t* b, size_t n, float* out);
void encode_fp4_e2m1(const float* x, size_t n, uint8_t* out);
void decode_fp4_e2m1(const uint8_t* b, size_t n, float* out);

namespace detail {

// The shared rounding step of every encoder here and in half.h. `abs_bits` is the float32 bit
// pattern of a finite, non-negative value. Returns the magnitude code of the nearest value
// (ties to even) of a format with `mant_bits` explicit mantissa bits and smallest normal exponent
// `emin` (= 1 - bias): (exponent field << mant_bits) | mantissa. The exponent is not bounded
// above, so the result can exceed the format's largest finite code; the caller decides what
// overflow means. Needs 1 <= mant_bits <= 22 and -126 <= emin.
uint32_t round_to_magnitude_code(uint32_t abs_bits, int mant_bits, int emin);

// Exact value of a finite magnitude code of such a format (the inverse of the above).
float magnitude_code_to_float(uint32_t code, int mant_bits, int emin);

}  // namespace detail
}  // namespace qp
