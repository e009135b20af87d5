// ONNX's TensorProto.DataType ids: their names, the DType we read them as, and which typed field
// holds their values when raw_data is not used (onnx.proto, "TensorProto").
#pragma once
#include <cstdint>
#include <string>

#include "io/dtype.h"

namespace qp::io {

enum class OnnxField : uint8_t { None, FloatData, Int32Data, StringData, Int64Data, DoubleData, Uint64Data };

struct OnnxType {
  int32_t id = 0;
  const char* name = "";        // "FLOAT16", as onnx.proto spells it
  const char* value_name = "";  // "float16", as graph inputs/outputs are shown
  DType dtype = DType::Unsupported;  // Unsupported: listed, not readable (yet)
  OnnxField typed_field = OnnxField::None;
};

// The entry for `id`; unknown ids give {id, "", "", Unsupported, None}.
OnnxType onnx_type(int32_t id);

// "FLOAT16", or "type 99" for an id this reader does not know.
std::string onnx_type_name(int32_t id);

const char* onnx_field_name(OnnxField f);  // "int32_data"

}  // namespace qp::io
