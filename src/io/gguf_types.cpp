#include "io/gguf_types.h"

namespace qp::io {

namespace {

// Indexed by ggml type id. Ids 4, 5 (Q4_2, Q4_3), 31-33 (Q4_0_4_4 ...) and 36-38 (IQ4_NL_4_4 ...)
// were removed from ggml; old files may still carry them, so they keep their names. Block sizes
// of the types we cannot decode still let a listing show how many bytes a tensor occupies.
constexpr GgmlTypeInfo kTypes[] = {
    {"F32", DType::F32, 1, 4},            // 0
    {"F16", DType::F16, 1, 2},            // 1
    {"Q4_0", DType::Q4_0, 32, 18},        // 2
    {"Q4_1", DType::Q4_1, 32, 20},        // 3
    {"Q4_2", DType::Unsupported, 0, 0},   // 4 (removed)
    {"Q4_3", DType::Unsupported, 0, 0},   // 5 (removed)
    {"Q5_0", DType::Q5_0, 32, 22},        // 6
    {"Q5_1", DType::Q5_1, 32, 24},        // 7
    {"Q8_0", DType::Q8_0, 32, 34},        // 8
    {"Q8_1", DType::Unsupported, 32, 36}, // 9
    {"Q2_K", DType::Q2_K, 256, 84},
    {"Q3_K", DType::Q3_K, 256, 110},
    {"Q4_K", DType::Q4_K, 256, 144},
    {"Q5_K", DType::Q5_K, 256, 176},
    {"Q6_K", DType::Q6_K, 256, 210},
    {"Q8_K", DType::Unsupported, 256, 292},     // 15
    {"IQ2_XXS", DType::Unsupported, 256, 66},
    {"IQ2_XS", DType::Unsupported, 256, 74},
    {"IQ3_XXS", DType::Unsupported, 256, 98},
    {"IQ1_S", DType::Unsupported, 256, 50},
    {"IQ4_NL", DType::Unsupported, 32, 18},     // 20
    {"IQ3_S", DType::Unsupported, 256, 110},
    {"IQ2_S", DType::Unsupported, 256, 82},
    {"IQ4_XS", DType::Unsupported, 256, 136},
    {"I8", DType::I8, 1, 1},
    {"I16", DType::I16, 1, 2},                  // 25
    {"I32", DType::I32, 1, 4},
    {"I64", DType::I64, 1, 8},
    {"F64", DType::F64, 1, 8},
    {"IQ1_M", DType::Unsupported, 256, 56},
    {"BF16", DType::BF16, 1, 2},                // 30
    {"Q4_0_4_4", DType::Unsupported, 0, 0},     // 31-33 (removed)
    {"Q4_0_4_8", DType::Unsupported, 0, 0},
    {"Q4_0_8_8", DType::Unsupported, 0, 0},
    {"TQ1_0", DType::Unsupported, 256, 54},
    {"TQ2_0", DType::Unsupported, 256, 66},     // 35
    {"IQ4_NL_4_4", DType::Unsupported, 0, 0},   // 36-38 (removed)
    {"IQ4_NL_4_8", DType::Unsupported, 0, 0},
    {"IQ4_NL_8_8", DType::Unsupported, 0, 0},
    {"MXFP4", DType::Unsupported, 32, 17},      // 39
};
constexpr uint32_t kTypeCount = sizeof(kTypes) / sizeof(kTypes[0]);

constexpr const char* kValueTypeNames[kGgufValueTypeCount] = {
    "u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"};

}  // namespace

GgmlTypeInfo ggml_type_info(uint32_t id) {
  if (id < kTypeCount) return kTypes[id];
  return {nullptr, DType::Unsupported, 0, 0};
}

std::string ggml_type_name(uint32_t id) {
  const GgmlTypeInfo info = ggml_type_info(id);
  return info.name ? info.name : "type " + std::to_string(id);
}

std::string gguf_value_type_name(uint32_t id) {
  if (id < kGgufValueTypeCount) return kValueTypeNames[id];
  return "type " + std::to_string(id);
}

}  // namespace qp::io
