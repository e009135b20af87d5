// The table of ggml block types and the row drivers: argument checks, then one codec call per
// block (ggml_blocks32.cpp, ggml_kquants.cpp).
#include "quant/ggml_quantize.h"

#include <cctype>
#include <cmath>
#include <string>

#include "core/error.h"
#include "kernels/quantize_f32.h"
#include "quant/ggml_block_codecs.h"

namespace qp {

namespace {

using BlockQuantizer = void (*)(const float*, uint8_t*);
using BlockDequantizer = void (*)(const uint8_t*, float*);

struct Entry {
  GgmlBlockFormat format;
  BlockQuantizer quantize;  // nullptr: dequantize only
  BlockDequantizer dequantize;
};

// Sizes are ggml's sizeof(block_<type>) (ggml-common.h).
const Entry kEntries[] = {
    {{GgmlBlockType::Q8_0, "q8_0", 32, 34, true}, ggml::quantize_block_q8_0, ggml::dequantize_block_q8_0},
    {{GgmlBlockType::Q4_0, "q4_0", 32, 18, true}, ggml::quantize_block_q4_0, ggml::dequantize_block_q4_0},
    {{GgmlBlockType::Q4_1, "q4_1", 32, 20, true}, ggml::quantize_block_q4_1, ggml::dequantize_block_q4_1},
    {{GgmlBlockType::Q5_0, "q5_0", 32, 22, true}, ggml::quantize_block_q5_0, ggml::dequantize_block_q5_0},
    {{GgmlBlockType::Q5_1, "q5_1", 32, 24, true}, ggml::quantize_block_q5_1, ggml::dequantize_block_q5_1},
    {{GgmlBlockType::Q2_K, "q2_k", 256, 84, false}, nullptr, ggml::dequantize_block_q2_k},
    {{GgmlBlockType::Q3_K, "q3_k", 256, 110, false}, nullptr, ggml::dequantize_block_q3_k},
    {{GgmlBlockType::Q4_K, "q4_k", 256, 144, true}, ggml::quantize_block_q4_k, ggml::dequantize_block_q4_k},
    {{GgmlBlockType::Q5_K, "q5_k", 256, 176, false}, nullptr, ggml::dequantize_block_q5_k},
    {{GgmlBlockType::Q6_K, "q6_k", 256, 210, true}, ggml::quantize_block_q6_k, ggml::dequantize_block_q6_k},
};

const Entry& entry(GgmlBlockType t) {
  for (const Entry& e : kEntries) {
    if (e.format.type == t) return e;
  }
  throw Error("unknown ggml block type");
}

size_t whole_blocks(const GgmlBlockFormat& f, size_t n) {
  if (n % f.block_elements != 0) {
    throw Error(std::string(f.name) + " works on blocks of " + std::to_string(f.block_elements) +
                " values, but the row has " + std::to_string(n));
  }
  return n / f.block_elements;
}

}  // namespace

const GgmlBlockFormat& ggml_block_format(GgmlBlockType t) { return entry(t).format; }

GgmlBlockType parse_ggml_block_type(const std::string& name) {
  std::string lower;
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string known;
  for (const Entry& e : kEntries) {
    if (lower == e.format.name) return e.format.type;
    known += (known.empty() ? "" : ", ") + std::string(e.format.name);
  }
  throw Error("unknown ggml block type '" + name + "' (known: " + known + ")");
}

double ggml_bits_per_weight(GgmlBlockType t) {
  const GgmlBlockFormat& f = ggml_block_format(t);
  return static_cast<double>(f.block_bytes) * 8.0 / f.block_elements;
}

size_t ggml_row_bytes(GgmlBlockType t, size_t n) {
  const GgmlBlockFormat& f = ggml_block_format(t);
  return whole_blocks(f, n) * f.block_bytes;
}

void ggml_quantize_row(GgmlBlockType t, const float* x, size_t n, uint8_t* out) {
  const Entry& e = entry(t);
  const size_t blocks = whole_blocks(e.format, n);
  if (!e.quantize) {
    throw Error(std::string(e.format.name) + " can be read (dequantized) but not quantized here");
  }
  if (!kernels::all_finite_f32(x, n)) {
    size_t i = 0;
    while (std::isfinite(x[i])) ++i;
    throw Error(std::string(e.format.name) + ": value " + std::to_string(i) + " is " + std::to_string(x[i]) +
                "; ggml block quantization needs finite values");
  }
  for (size_t k = 0; k < blocks; ++k) e.quantize(x + k * e.format.block_elements, out + k * e.format.block_bytes);
}

void ggml_dequantize_row(GgmlBlockType t, const uint8_t* in, size_t n, float* y) {
  const Entry& e = entry(t);
  const size_t blocks = whole_blocks(e.format, n);
  for (size_t k = 0; k < blocks; ++k) e.dequantize(in + k * e.format.block_bytes, y + k * e.format.block_elements);
}

}  // namespace qp
