// IEEE 754 binary16 ("fp16") and bfloat16 ("bf16") <-> binary32 conversions.
//
// Encoders round to nearest, ties to even, with gradual underflow (subnormals) and the sign of
// zero kept. Overflow means: the value rounded with an unbounded exponent exceeds the largest
// finite value (fp16 65504, bf16 0x7F7F = 3.3895314e38). For fp16 that is |x| >= 65520 (65520 is
// the tie between 65504 and 2^16 and goes to the even neighbour, 2^16 = inf), so 65519.996 gives
// 65504. With saturate == false (the IEEE conversion, numpy astype / torch .half() / .bfloat16())
// overflow and ±inf give ±inf; with saturate == true they give ±max. NaN gives a quiet NaN with
// the sign and the top payload bits kept (fp16: sign | 0x7E00 | payload >> 13; bf16: the top 16
// bits with the quiet bit 0x0040 set), so a NaN never turns into an infinity.
// Decoders are exact (every fp16 and bf16 value is a float32) and keep NaN payloads.
#pragma once
#include <cstddef>
#include <cstdint>

namespace qp {

float half_bits_to_float(uint16_t h);
uint16_t float_to_half_bits(float x, bool saturate = false);

float bf16_bits_to_float(uint16_t b);  // bf16 is the top half of a float32: bits << 16
uint16_t float_to_bf16_bits(float x, bool saturate = false);

// Array forms; input and output may not overlap.
void encode_f16(const float* x, size_t n, bool saturate, uint16_t* out);
void decode_f16(const uint16_t* h, size_t n, float* out);
void encode_bf16(const float* x, size_t n, bool saturate, uint16_t* out);
void decode_bf16(const uint16_t* b, size_t n, float* out);

}  // namespace qp
