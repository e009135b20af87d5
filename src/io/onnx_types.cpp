#include "io/onnx_types.h"

namespace qp::io {

namespace {

using F = OnnxField;

// Ids 1..23 from onnx.proto (1.17); FNUZ fp8, 4-bit and complex types are named but not read.
const OnnxType kTypes[] = {
    {1, "FLOAT", "float32", DType::F32, F::FloatData},
    {2, "UINT8", "uint8", DType::U8, F::Int32Data},
    {3, "INT8", "int8", DType::I8, F::Int32Data},
    {4, "UINT16", "uint16", DType::U16, F::Int32Data},
    {5, "INT16", "int16", DType::I16, F::Int32Data},
    {6, "INT32", "int32", DType::I32, F::Int32Data},
    {7, "INT64", "int64", DType::I64, F::Int64Data},
    {8, "STRING", "string", DType::Unsupported, F::StringData},
    {9, "BOOL", "bool", DType::Bool, F::Int32Data},
    {10, "FLOAT16", "float16", DType::F16, F::Int32Data},
    {11, "DOUBLE", "float64", DType::F64, F::DoubleData},
    {12, "UINT32", "uint32", DType::U32, F::Uint64Data},
    {13, "UINT64", "uint64", DType::U64, F::Uint64Data},
    {14, "COMPLEX64", "complex64", DType::Unsupported, F::FloatData},
    {15, "COMPLEX128", "complex128", DType::Unsupported, F::DoubleData},
    {16, "BFLOAT16", "bfloat16", DType::BF16, F::Int32Data},
    {17, "FLOAT8E4M3FN", "float8e4m3fn", DType::F8_E4M3FN, F::Int32Data},
    {18, "FLOAT8E4M3FNUZ", "float8e4m3fnuz", DType::Unsupported, F::Int32Data},
    {19, "FLOAT8E5M2", "float8e5m2", DType::F8_E5M2, F::Int32Data},
    {20, "FLOAT8E5M2FNUZ", "float8e5m2fnuz", DType::Unsupported, F::Int32Data},
    {21, "UINT4", "uint4", DType::Unsupported, F::Int32Data},
    {22, "INT4", "int4", DType::Unsupported, F::Int32Data},
    {23, "FLOAT4E2M1", "float4e2m1", DType::Unsupported, F::Int32Data},
};

}  // namespace

OnnxType onnx_type(int32_t id) {
  for (const OnnxType& t : kTypes) {
    if (t.id == id) return t;
  }
  OnnxType unknown;
  unknown.id = id;
  return unknown;
}

std::string onnx_type_name(int32_t id) {
  const OnnxType t = onnx_type(id);
  return *t.name ? std::string(t.name) : "type " + std::to_string(id);
}

const char* onnx_field_name(OnnxField f) {
  switch (f) {
    case F::None: return "(none)";
    case F::FloatData: return "float_data";
    case F::Int32Data: return "int32_data";
    case F::StringData: return "string_data";
    case F::Int64Data: return "int64_data";
    case F::DoubleData: return "double_data";
    case F::Uint64Data: return "uint64_data";
  }
  return "?";
}

}  // namespace qp::io
