// ggml's legacy block formats (32 weights per block): Q8_0, Q4_0, Q4_1, Q5_0, Q5_1.
// Quantizers follow quantize_row_<type>_ref of ggml src/ggml-quants.c operation for operation:
// the scale d and its reciprocal id = d ? 1/d : 0 in float32, codes from x*id (or (x-min)*id),
// and only the stored header rounded to fp16. Dequantizers follow dequantize_row_<type>: the
// fp16 header converted to float32, then one multiply (and one add for the "_1" types); the
// build disables FMA contraction, so the rounding matches.
//
// Nibble order of the 4/5-bit types: byte j holds element j in its low nibble and element
// j + 16 in its high nibble; the fifth bit of element j is bit j of qh (a little-endian uint32).
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "quant/ggml_block_codecs.h"

namespace qp::ggml {

namespace {

constexpr int kBlock = 32;

uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

void store_u32(uint8_t* p, uint32_t v) {
  for (int k = 0; k < 4; ++k) p[k] = static_cast<uint8_t>(v >> (8 * k));
}

// The signed value of largest magnitude (the first one on ties), as Q4_0 / Q5_0 pick it.
float signed_absmax(const float* x) {
  float amax = 0.0f, max = 0.0f;
  for (int j = 0; j < kBlock; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

void block_min_max(const float* x, float& min, float& max) {
  min = FLT_MAX;
  max = -FLT_MAX;
  for (int j = 0; j < kBlock; ++j) {
    if (x[j] < min) min = x[j];
    if (x[j] > max) max = x[j];
  }
}

// Codes of Q4_0 / Q5_0: x*id + (offset + 0.5), truncated (round half up), capped at top.
void symmetric_codes(const float* x, float id, float offset_half, int top, uint8_t* q) {
  for (int j = 0; j < kBlock; ++j) {
    const int8_t t = static_cast<int8_t>(low_byte_of_trunc(x[j] * id + offset_half));
    q[j] = static_cast<uint8_t>(std::min<int>(top, t));
  }
}

// Q5_0 / Q5_1: low nibbles into qs (element j low, j + 16 high), fifth bits into qh.
uint32_t pack_five_bit(const uint8_t* q, uint8_t* qs) {
  uint32_t qh = 0;
  for (int j = 0; j < kBlock / 2; ++j) {
    const uint8_t lo = q[j], hi = q[j + kBlock / 2];
    qs[j] = static_cast<uint8_t>((lo & 0x0f) | ((hi & 0x0f) << 4));
    qh |= ((lo & 0x10u) >> 4) << j;
    qh |= ((hi & 0x10u) >> 4) << (j + kBlock / 2);
  }
  return qh;
}

void pack_nibbles(const uint8_t* q, uint8_t* qs) {
  for (int j = 0; j < kBlock / 2; ++j) qs[j] = static_cast<uint8_t>(q[j] | (q[j + kBlock / 2] << 4));
}

uint32_t fifth_bit(uint32_t qh, int j) { return ((qh >> j) & 1u) << 4; }

}  // namespace

// Block = d16, int8 qs[32]. d = amax/127; q = roundf(x*id) (half away from zero).
void quantize_block_q8_0(const float* x, uint8_t* b) {
  float amax = 0.0f;
  for (int j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_half(b, d);
  for (int j = 0; j < kBlock; ++j) b[2 + j] = low_byte_of_roundf(x[j] * id);
}

// Block = d16, qs[16]. d = m / -8 with m the signed absmax; q = min(15, trunc(x*id + 8.5)).
void quantize_block_q4_0(const float* x, uint8_t* b) {
  const float d = signed_absmax(x) / -8.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_half(b, d);
  uint8_t q[kBlock];
  symmetric_codes(x, id, 8.5f, 15, q);
  pack_nibbles(q, b + 2);
}

// The header of Q4_1 / Q5_1: d = (max - min) / nmax and min, both as fp16 at b. Returns the
// float32 id = 1/d the codes are computed with (0 for a constant block) and the block's min.
static float affine_block_header(const float* x, float nmax, uint8_t* b, float& min) {
  float max;
  block_min_max(x, min, max);
  const float d = (max - min) / nmax;
  store_half(b, d);
  store_half(b + 2, min);
  return d != 0.0f ? 1.0f / d : 0.0f;
}

// Block = d16, m16, qs[16]. d = (max-min)/15; q = min(15, trunc((x-min)*id + 0.5)).
void quantize_block_q4_1(const float* x, uint8_t* b) {
  float min;
  const float id = affine_block_header(x, 15.0f, b, min);
  uint8_t q[kBlock];
  for (int j = 0; j < kBlock; ++j) {
    const int8_t t = static_cast<int8_t>(low_byte_of_trunc((x[j] - min) * id + 0.5f));
    q[j] = static_cast<uint8_t>(std::min<int>(15, t));
  }
  pack_nibbles(q, b + 4);
}

// Block = d16, qh[4], qs[16]. d = m / -16; q = min(31, trunc(x*id + 16.5)).
void quantize_block_q5_0(const float* x, uint8_t* b) {
  const float d = signed_absmax(x) / -16.0f;
  const float id = d != 0.0f ? 1.0f / d : 0.0f;
  store_half(b, d);
  uint8_t q[kBlock];
  symmetric_codes(x, id, 16.5f, 31, q);
  store_u32(b + 2, pack_five_bit(q, b + 6));
}

// Block = d16, m16, qh[4], qs[16]. d = (max-min)/31; q = trunc((x-min)*id + 0.5), no cap (the
// largest value gives 31 exactly or 31.5 truncated).
void quantize_block_q5_1(const float* x, uint8_t* b) {
  float min;
  const float id = affine_block_header(x, 31.0f, b, min);
  uint8_t q[kBlock];
  for (int j = 0; j < kBlock; ++j) q[j] = low_byte_of_trunc((x[j] - min) * id + 0.5f);
  store_u32(b + 4, pack_five_bit(q, b + 8));
}

void dequantize_block_q8_0(const uint8_t* b, float* y) {
  const float d = load_half(b);
  for (int j = 0; j < kBlock; ++j) y[j] = static_cast<float>(static_cast<int8_t>(b[2 + j])) * d;
}

void dequantize_block_q4_0(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const uint8_t* qs = b + 2;
  for (int j = 0; j < kBlock / 2; ++j) {
    y[j] = static_cast<float>((qs[j] & 0x0f) - 8) * d;
    y[j + kBlock / 2] = static_cast<float>((qs[j] >> 4) - 8) * d;
  }
}

void dequantize_block_q4_1(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const float m = load_half(b + 2);
  const uint8_t* qs = b + 4;
  for (int j = 0; j < kBlock / 2; ++j) {
    y[j] = static_cast<float>(qs[j] & 0x0f) * d + m;
    y[j + kBlock / 2] = static_cast<float>(qs[j] >> 4) * d + m;
  }
}

void dequantize_block_q5_0(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const uint32_t qh = load_u32(b + 2);
  const uint8_t* qs = b + 6;
  for (int j = 0; j < kBlock / 2; ++j) {
    const int lo = static_cast<int>((qs[j] & 0x0fu) | fifth_bit(qh, j));
    const int hi = static_cast<int>((qs[j] >> 4) | fifth_bit(qh, j + kBlock / 2));
    y[j] = static_cast<float>(lo - 16) * d;
    y[j + kBlock / 2] = static_cast<float>(hi - 16) * d;
  }
}

void dequantize_block_q5_1(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const float m = load_half(b + 2);
  const uint32_t qh = load_u32(b + 4);
  const uint8_t* qs = b + 8;
  for (int j = 0; j < kBlock / 2; ++j) {
    const uint32_t lo = (qs[j] & 0x0fu) | fifth_bit(qh, j);
    const uint32_t hi = (qs[j] >> 4) | fifth_bit(qh, j + kBlock / 2);
    y[j] = static_cast<float>(lo) * d + m;
    y[j + kBlock / 2] = static_cast<float>(hi) * d + m;
  }
}

}  // namespace qp::ggml
