// ggml block formats to float32, one block at a time, in the same float operations as ggml's
// reference dequantize_row_* (fp16 scale converted to float32 first, then one multiply and, for
// the "_1" types, one add; the build disables FMA contraction, so the rounding matches).
#include "io/ggml_dequantize.h"

#include <string>

#include "core/error.h"
#include "core/half.h"

namespace qp::io {

namespace {

constexpr uint32_t kBlock = 32;  // weights per block of every type handled here

float load_half(const uint8_t* p) {
  return half_bits_to_float(static_cast<uint16_t>(p[0] | (p[1] << 8)));
}

uint32_t load_u32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

// Block = d16, int8 qs[32]: x = q * d.
void block_q8_0(const uint8_t* b, float* y) {
  const float d = load_half(b);
  for (uint32_t j = 0; j < kBlock; ++j) y[j] = static_cast<float>(static_cast<int8_t>(b[2 + j])) * d;
}

// Block = d16, qs[16]. Byte j holds element j in its low nibble and element j + 16 in its high
// nibble (not adjacent pairs); codes are offset by 8.
void block_q4_0(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const uint8_t* qs = b + 2;
  for (uint32_t j = 0; j < kBlock / 2; ++j) {
    y[j] = static_cast<float>((qs[j] & 0x0f) - 8) * d;
    y[j + kBlock / 2] = static_cast<float>((qs[j] >> 4) - 8) * d;
  }
}

// Block = d16, m16, qs[16]: x = q * d + m, nibbles as in Q4_0.
void block_q4_1(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const float m = load_half(b + 2);
  const uint8_t* qs = b + 4;
  for (uint32_t j = 0; j < kBlock / 2; ++j) {
    y[j] = static_cast<float>(qs[j] & 0x0f) * d + m;
    y[j + kBlock / 2] = static_cast<float>(qs[j] >> 4) * d + m;
  }
}

// The fifth bit of element j is bit j of qh (a little-endian uint32).
uint32_t fifth_bit(uint32_t qh, uint32_t j) { return ((qh >> j) & 1u) << 4; }

// Block = d16, qh[4], qs[16]: 5-bit codes offset by 16.
void block_q5_0(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const uint32_t qh = load_u32(b + 2);
  const uint8_t* qs = b + 6;
  for (uint32_t j = 0; j < kBlock / 2; ++j) {
    const int lo = static_cast<int>((qs[j] & 0x0fu) | fifth_bit(qh, j));
    const int hi = static_cast<int>((qs[j] >> 4) | fifth_bit(qh, j + kBlock / 2));
    y[j] = static_cast<float>(lo - 16) * d;
    y[j + kBlock / 2] = static_cast<float>(hi - 16) * d;
  }
}

// Block = d16, m16, qh[4], qs[16]: x = q * d + m with 5-bit codes.
void block_q5_1(const uint8_t* b, float* y) {
  const float d = load_half(b);
  const float m = load_half(b + 2);
  const uint32_t qh = load_u32(b + 4);
  const uint8_t* qs = b + 8;
  for (uint32_t j = 0; j < kBlock / 2; ++j) {
    const uint32_t lo = (qs[j] & 0x0fu) | fifth_bit(qh, j);
    const uint32_t hi = (qs[j] >> 4) | fifth_bit(qh, j + kBlock / 2);
    y[j] = static_cast<float>(lo) * d + m;
    y[j + kBlock / 2] = static_cast<float>(hi) * d + m;
  }
}

}  // namespace

GgmlBlockLayout ggml_block_layout(DType t) {
  switch (t) {
    case DType::Q8_0: return {32, 34};
    case DType::Q4_0: return {32, 18};
    case DType::Q4_1: return {32, 20};
    case DType::Q5_0: return {32, 22};
    case DType::Q5_1: return {32, 24};
    default: break;
  }
  throw Error(std::string(dtype_name(t)) + " is not a ggml block type");
}

void ggml_dequantize(DType t, const uint8_t* src, uint64_t count, float* dst) {
  const GgmlBlockLayout layout = ggml_block_layout(t);
  if (count % layout.elements != 0) {
    throw Error(std::string(dtype_name(t)) + " stores blocks of " + std::to_string(layout.elements) +
                " elements, but " + std::to_string(count) + " were requested");
  }
  void (*block)(const uint8_t*, float*) = nullptr;
  switch (t) {
    case DType::Q8_0: block = block_q8_0; break;
    case DType::Q4_0: block = block_q4_0; break;
    case DType::Q4_1: block = block_q4_1; break;
    case DType::Q5_0: block = block_q5_0; break;
    case DType::Q5_1: block = block_q5_1; break;
    default: break;  // ggml_block_layout already refused the rest
  }
  const uint64_t blocks = count / layout.elements;
  for (uint64_t i = 0; i < blocks; ++i) block(src + i * layout.bytes, dst + i * layout.elements);
}

}  // namespace qp::io
