// One block at a time: the per-type codecs behind ggml_quantize_row / ggml_dequantize_row
// (ggml_quantize.h), and the small helpers they share. Internal to src/quant.
#pragma once
#include <cmath>
#include <cstdint>
#include <cstring>

#include "core/half.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qp::ggml {

// fp16 block headers, little endian. Encoding is IEEE round-to-nearest-even with overflow to
// ±inf, as ggml's GGML_FP32_TO_FP16.
inline float load_half(const uint8_t* p) {
  return half_bits_to_float(static_cast<uint16_t>(p[0] | (p[1] << 8)));
}
inline void store_half(uint8_t* p, float v) {
  const uint16_t h = float_to_half_bits(v, false);
  p[0] = static_cast<uint8_t>(h & 0xff);
  p[1] = static_cast<uint8_t>(h >> 8);
}
// A value as ggml stores it in an fp16 header and reads it back.
inline float through_half(float v) { return half_bits_to_float(float_to_half_bits(v, false)); }

// ggml's nearest_int: add 1.5 * 2^23 so the float's low mantissa bits hold the rounded integer
// (round half to even for |v| < 2^22). Reproduced bit for bit, also outside that range, where
// ggml's result is garbage but deterministic.
inline int nearest_int(float v) {
  const float biased = v + 12582912.f;
  int32_t i;
  std::memcpy(&i, &biased, sizeof i);
  return (i & 0x007fffff) - 0x00400000;
}

#if defined(__wasm_simd128__)
// nearest_int on four lanes, the same bits per lane: the biased float's low mantissa bits.
inline v128_t nearest_int_x4(v128_t v) {
  const v128_t biased = wasm_f32x4_add(v, wasm_f32x4_splat(12582912.f));
  return wasm_i32x4_sub(wasm_v128_and(biased, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x00400000));
}
#endif

// ggml's legacy quantizers cast float to int8_t / uint8_t directly; the reference build (gcc,
// x86-64) converts through a 32-bit cvttss2si (truncation; NaN or out of int32 range gives
// 0x80000000) and keeps the low byte. Only a tiny block scale (inf reciprocal) leaves the range.
inline uint8_t low_byte_of_trunc(float v) {
  const bool in_range = v >= -2147483648.0f && v < 2147483648.0f;  // NaN fails both
  const uint32_t t = in_range ? static_cast<uint32_t>(static_cast<int32_t>(v)) : 0x80000000u;
  return static_cast<uint8_t>(t & 0xffu);
}

// roundf (half away from zero) followed by the same cast, without a libm call: truncate, then
// step away from zero when the dropped part is at least one half (v - trunc(v) is exact).
inline uint8_t low_byte_of_roundf(float v) {
  if (!(v >= -2147483648.0f && v < 2147483648.0f)) return 0x00;  // 0x80000000's low byte
  int32_t t = static_cast<int32_t>(v);
  const float dropped = v - static_cast<float>(t);
  if (dropped >= 0.5f) ++t;
  if (dropped <= -0.5f) --t;
  return static_cast<uint8_t>(static_cast<uint32_t>(t) & 0xffu);
}

// Legacy blocks of 32 (ggml_blocks32.cpp).
void quantize_block_q8_0(const float* x, uint8_t* b);
void quantize_block_q4_0(const float* x, uint8_t* b);
void quantize_block_q4_1(const float* x, uint8_t* b);
void quantize_block_q5_0(const float* x, uint8_t* b);
void quantize_block_q5_1(const float* x, uint8_t* b);
void dequantize_block_q8_0(const uint8_t* b, float* y);
void dequantize_block_q4_0(const uint8_t* b, float* y);
void dequantize_block_q4_1(const uint8_t* b, float* y);
void dequantize_block_q5_0(const uint8_t* b, float* y);
void dequantize_block_q5_1(const uint8_t* b, float* y);

// K-quant super-blocks of 256 (ggml_kquants.cpp).
void quantize_block_q4_k(const float* x, uint8_t* b);
void quantize_block_q4_k_ref(const float* x, uint8_t* b);  // the plain search: same bytes, slower
void quantize_block_q6_k(const float* x, uint8_t* b);
void quantize_block_q6_k_ref(const float* x, uint8_t* b);  // the plain search: same bytes, slower
void dequantize_block_q2_k(const uint8_t* b, float* y);
void dequantize_block_q3_k(const uint8_t* b, float* y);
void dequantize_block_q4_k(const uint8_t* b, float* y);
void dequantize_block_q5_k(const uint8_t* b, float* y);
void dequantize_block_q6_k(const uint8_t* b, float* y);

}  // namespace qp::ggml
