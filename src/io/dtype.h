// Storage types of the tensors found in weight files, and their conversion to float32 for
// analysis. One enum for every format, so the model view, the reader and the exporters never
// care which file a tensor came from.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace qp::io {

enum class DType : uint8_t {
  F64, F32, F16, BF16, F8_E4M3FN, F8_E5M2,
  I64, I32, I16, I8, U64, U32, U16, U8, Bool,
  // ggml block formats (GGUF), dequantized for analysis; layouts in ggml_dequantize.h.
  Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K,
  // Listed but not readable (a format's type we do not decode yet); TensorEntry::problem says why.
  Unsupported,
};

// Short, format-neutral names as the page and CLI show them: "f32", "bf16", "f8_e4m3fn", "q4_0".
const char* dtype_name(DType t);

// Elements and bytes of one storage unit: {1, item size} for element types, the block for ggml.
struct StorageUnit {
  uint32_t elements;
  uint32_t bytes;
};
StorageUnit storage_unit(DType t);  // throws qp::Error for Unsupported

// Bytes needed to store `count` elements; throws qp::Error when `count` is not a whole number of
// blocks or the product overflows.
uint64_t storage_bytes(DType t, uint64_t count);

bool dtype_is_float(DType t);  // F64/F32/F16/BF16/F8_*

// Converts `count` elements stored in `src` to float32 in dst. Multi-byte items are little
// endian unless `big_endian`. 64-bit integers and float64 round to nearest float32; bool is 0/1;
// fp8 follows the OCP 8-bit floating point spec (E4M3FN: no inf, S.1111.111 is NaN; E5M2: IEEE).
void decode_to_float32(DType t, const uint8_t* src, uint64_t count, bool big_endian, float* dst);

// Scalar decoders (exposed for tests).
float bf16_bits_to_float(uint16_t b);
float fp8_e4m3fn_to_float(uint8_t b);
float fp8_e5m2_to_float(uint8_t b);

}  // namespace qp::io
