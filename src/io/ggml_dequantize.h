// Dequantization of ggml's block formats (as stored in GGUF files) to float32, for analysis.
// Block layouts and formulas: ggml's reference dequantize_row_* (see
// ../shared/fixtures/oracle-sample/README.md); fp16 block scales via qp::half_bits_to_float.
#pragma once
#include <cstdint>

#include "io/dtype.h"

namespace qp::io {

struct GgmlBlockLayout {
  uint32_t elements;  // weights per block (32 for Q8_0/Q4_0/Q4_1/Q5_0/Q5_1)
  uint32_t bytes;     // bytes per block
};

// Throws qp::Error for a DType that is not a ggml block type.
GgmlBlockLayout ggml_block_layout(DType t);

// `count` must be a multiple of the block's element count (checked; throws qp::Error).
void ggml_dequantize(DType t, const uint8_t* src, uint64_t count, float* dst);

}  // namespace qp::io
