// Dequantization of ggml's block formats (as stored in GGUF files) to float32, for analysis.
// A thin DType front end over quant/ggml_quantize.h, which holds the layouts and follows ggml's
// reference dequantize_row_* bit for bit (docs/numerics.md §10).
#pragma once
#include <cstdint>

#include "io/dtype.h"

namespace qp::io {

struct GgmlBlockLayout {
  uint32_t elements;  // weights per block (32 for Q8_0 ... Q5_1, 256 for the K-quants)
  uint32_t bytes;     // bytes per block
};

// Throws qp::Error for a DType that is not a ggml block type.
GgmlBlockLayout ggml_block_layout(DType t);

// `count` must be a multiple of the block's element count (checked; throws qp::Error).
void ggml_dequantize(DType t, const uint8_t* src, uint64_t count, float* dst);

}  // namespace qp::io
