// The reader's view of ggml's block formats: DType -> the block codecs of src/quant (one
// implementation of every layout, shared with the quantizers of quant/ggml_quantize.h).
#include "io/ggml_dequantize.h"

#include <string>

#include "core/error.h"
#include "quant/ggml_quantize.h"

namespace qp::io {

namespace {

GgmlBlockType block_type(DType t) {
  switch (t) {
    case DType::Q8_0: return GgmlBlockType::Q8_0;
    case DType::Q4_0: return GgmlBlockType::Q4_0;
    case DType::Q4_1: return GgmlBlockType::Q4_1;
    case DType::Q5_0: return GgmlBlockType::Q5_0;
    case DType::Q5_1: return GgmlBlockType::Q5_1;
    case DType::Q2_K: return GgmlBlockType::Q2_K;
    case DType::Q3_K: return GgmlBlockType::Q3_K;
    case DType::Q4_K: return GgmlBlockType::Q4_K;
    case DType::Q5_K: return GgmlBlockType::Q5_K;
    case DType::Q6_K: return GgmlBlockType::Q6_K;
    default: break;
  }
  throw Error(std::string(dtype_name(t)) + " is not a ggml block type");
}

}  // namespace

GgmlBlockLayout ggml_block_layout(DType t) {
  const GgmlBlockFormat& f = ggml_block_format(block_type(t));
  return {f.block_elements, f.block_bytes};
}

void ggml_dequantize(DType t, const uint8_t* src, uint64_t count, float* dst) {
  const GgmlBlockLayout layout = ggml_block_layout(t);
  if (count % layout.elements != 0) {
    throw Error(std::string(dtype_name(t)) + " stores blocks of " + std::to_string(layout.elements) +
                " elements, but " + std::to_string(count) + " were requested");
  }
  ggml_dequantize_row(block_type(t), src, static_cast<size_t>(count), dst);
}

}  // namespace qp::io
