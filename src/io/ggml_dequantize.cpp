// STUB: to be implemented (GGUF helper). Layouts per ggml's reference.
#include "io/ggml_dequantize.h"

#include "core/error.h"

namespace qp::io {

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

void ggml_dequantize(DType t, const uint8_t*, uint64_t, float*) {
  throw Error(std::string("dequantizing ") + dtype_name(t) + " is not implemented yet");
}

}  // namespace qp::io
