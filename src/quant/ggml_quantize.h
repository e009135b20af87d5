// ggml's block formats (llama.cpp / GGUF): quantization byte-exact with ggml's reference
// quantizers quantize_row_<type>_ref, and dequantization bit-exact with dequantize_row_<type>
// (ggml src/ggml-quants.c). A row of n float32 values becomes n / block_elements blocks stored
// back to back, each block the raw little-endian ggml struct. Formulas, layouts and rounding:
// docs/numerics.md §10. The GGUF reader decodes through ggml_dequantize_row as well.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace qp {

enum class GgmlBlockType : uint8_t {
  Q8_0, Q4_0, Q4_1, Q5_0, Q5_1,  // blocks of 32
  Q2_K, Q3_K, Q4_K, Q5_K, Q6_K,  // super-blocks of 256 ("K-quants")
};

struct GgmlBlockFormat {
  GgmlBlockType type;
  const char* name;         // lower case, as the registry spells it: "q4_k"
  uint32_t block_elements;  // 32 or 256
  uint32_t block_bytes;     // sizeof the ggml block struct, fp16 headers included
  bool quantizable;         // false: dequantization only (Q2_K, Q3_K, Q5_K)
};

const GgmlBlockFormat& ggml_block_format(GgmlBlockType t);

// "q8_0", "Q4_K", ... (case-insensitive); throws qp::Error naming the known types.
GgmlBlockType parse_ggml_block_type(const std::string& name);

// block_bytes * 8 / block_elements: Q8_0 8.5, Q4_0 4.5, Q4_1 5, Q5_0 5.5, Q5_1 6, Q2_K 2.625,
// Q3_K 3.4375, Q4_K 4.5, Q5_K 5.5, Q6_K 6.5625.
double ggml_bits_per_weight(GgmlBlockType t);

// Bytes of a row of n values; throws qp::Error when n is not a multiple of the block.
size_t ggml_row_bytes(GgmlBlockType t, size_t n);

// x[0..n) -> ggml_row_bytes(t, n) bytes at out. Throws qp::Error when n is not a whole number
// of blocks, when x holds NaN or ±inf, or when t is a dequantize-only type.
void ggml_quantize_row(GgmlBlockType t, const float* x, size_t n, uint8_t* out);

// ggml_row_bytes(t, n) bytes -> y[0..n). Any bytes are accepted (an fp16 scale may be inf/NaN,
// as in ggml). Throws qp::Error when n is not a whole number of blocks.
void ggml_dequantize_row(GgmlBlockType t, const uint8_t* in, size_t n, float* y);

}  // namespace qp
