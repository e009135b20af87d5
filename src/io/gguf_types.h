// ggml's tensor type ids as stored in GGUF tensor infos (enum ggml_type in ggml.h), and which of
// them this reader can decode.
#pragma once
#include <cstdint>
#include <string>

#include "io/dtype.h"

namespace qp::io {

struct GgmlTypeInfo {
  const char* name;        // ggml's name: "F32", "Q4_K", ...; nullptr for an unknown id
  DType dtype;             // DType::Unsupported when we cannot decode it
  uint32_t block_elements; // weights per block (1 for plain types); 0 when unknown
  uint32_t block_bytes;    // bytes per block; 0 when unknown
};

GgmlTypeInfo ggml_type_info(uint32_t id);

// "Q4_K", or "type 77" for an id ggml does not define.
std::string ggml_type_name(uint32_t id);

// The value types of GGUF metadata (enum gguf_type).
enum class GgufValueType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7,
  String = 8, Array = 9, U64 = 10, I64 = 11, F64 = 12,
};
constexpr uint32_t kGgufValueTypeCount = 13;

// "u8", "string", "array", ... for summaries; "type N" for an unknown id.
std::string gguf_value_type_name(uint32_t id);

}  // namespace qp::io
