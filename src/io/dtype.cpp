#include "io/dtype.h"

#include <cstring>
#include <limits>

#include "core/error.h"
#include "core/half.h"
#include "core/minifloat.h"
#include "io/ggml_dequantize.h"

namespace qp::io {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F64: return "f64";
    case DType::F32: return "f32";
    case DType::F16: return "f16";
    case DType::BF16: return "bf16";
    case DType::F8_E4M3FN: return "f8_e4m3fn";
    case DType::F8_E5M2: return "f8_e5m2";
    case DType::I64: return "i64";
    case DType::I32: return "i32";
    case DType::I16: return "i16";
    case DType::I8: return "i8";
    case DType::U64: return "u64";
    case DType::U32: return "u32";
    case DType::U16: return "u16";
    case DType::U8: return "u8";
    case DType::Bool: return "bool";
    case DType::Q8_0: return "q8_0";
    case DType::Q4_0: return "q4_0";
    case DType::Q4_1: return "q4_1";
    case DType::Q5_0: return "q5_0";
    case DType::Q5_1: return "q5_1";
    case DType::Q2_K: return "q2_k";
    case DType::Q3_K: return "q3_k";
    case DType::Q4_K: return "q4_k";
    case DType::Q5_K: return "q5_k";
    case DType::Q6_K: return "q6_k";
    case DType::Unsupported: return "unsupported";
  }
  return "unsupported";
}

StorageUnit storage_unit(DType t) {
  switch (t) {
    case DType::F64: case DType::I64: case DType::U64: return {1, 8};
    case DType::F32: case DType::I32: case DType::U32: return {1, 4};
    case DType::F16: case DType::BF16: case DType::I16: case DType::U16: return {1, 2};
    case DType::F8_E4M3FN: case DType::F8_E5M2: case DType::I8: case DType::U8:
    case DType::Bool: return {1, 1};
    case DType::Q8_0: case DType::Q4_0: case DType::Q4_1: case DType::Q5_0: case DType::Q5_1:
    case DType::Q2_K: case DType::Q3_K: case DType::Q4_K: case DType::Q5_K: case DType::Q6_K: {
      const GgmlBlockLayout layout = ggml_block_layout(t);
      return {layout.elements, layout.bytes};
    }
    case DType::Unsupported: break;
  }
  throw Error("storage type is not supported");
}

uint64_t storage_bytes(DType t, uint64_t count) {
  const StorageUnit unit = storage_unit(t);
  if (count % unit.elements != 0) {
    throw Error(std::string(dtype_name(t)) + " stores blocks of " + std::to_string(unit.elements) +
                " elements, but the tensor has " + std::to_string(count));
  }
  const uint64_t units = count / unit.elements;
  if (units > std::numeric_limits<uint64_t>::max() / unit.bytes) {
    throw Error("tensor byte size overflows 64 bits");
  }
  return units * unit.bytes;
}

bool dtype_is_float(DType t) {
  return t == DType::F64 || t == DType::F32 || t == DType::F16 || t == DType::BF16 ||
         t == DType::F8_E4M3FN || t == DType::F8_E5M2;
}

// The conversions themselves live in the core (core/half.h, core/minifloat.h), shared with the
// float-format quantizers; these names stay for the readers and their tests.
float bf16_bits_to_float(uint16_t b) { return qp::bf16_bits_to_float(b); }
float fp8_e4m3fn_to_float(uint8_t b) { return fp8_e4m3fn_bits_to_float(b); }
float fp8_e5m2_to_float(uint8_t b) { return fp8_e5m2_bits_to_float(b); }

namespace {

// Loads an unsigned little- or big-endian integer of N bytes.
template <int N>
uint64_t load_uint(const uint8_t* p, bool big_endian) {
  uint64_t v = 0;
  for (int i = 0; i < N; ++i) {
    const int byte = big_endian ? i : N - 1 - i;
    v = (v << 8) | p[byte];
  }
  return v;
}

template <class Fn>
void decode_items(const uint8_t* src, uint64_t count, size_t item, float* dst, Fn fn) {
  for (uint64_t i = 0; i < count; ++i) dst[i] = fn(src + i * item);
}

}  // namespace

void decode_to_float32(DType t, const uint8_t* src, uint64_t count, bool be, float* dst) {
  switch (t) {
    case DType::F64:
      return decode_items(src, count, 8, dst, [be](const uint8_t* p) {
        const uint64_t bits = load_uint<8>(p, be);
        double d;
        std::memcpy(&d, &bits, sizeof d);
        return static_cast<float>(d);
      });
    case DType::F32:
      return decode_items(src, count, 4, dst, [be](const uint8_t* p) {
        const uint32_t bits = static_cast<uint32_t>(load_uint<4>(p, be));
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return f;
      });
    case DType::F16:
      return decode_items(src, count, 2, dst, [be](const uint8_t* p) {
        return half_bits_to_float(static_cast<uint16_t>(load_uint<2>(p, be)));
      });
    case DType::BF16:
      return decode_items(src, count, 2, dst, [be](const uint8_t* p) {
        return bf16_bits_to_float(static_cast<uint16_t>(load_uint<2>(p, be)));
      });
    case DType::F8_E4M3FN:
      return decode_items(src, count, 1, dst, [](const uint8_t* p) { return fp8_e4m3fn_to_float(*p); });
    case DType::F8_E5M2:
      return decode_items(src, count, 1, dst, [](const uint8_t* p) { return fp8_e5m2_to_float(*p); });
    case DType::I64:
      return decode_items(src, count, 8, dst, [be](const uint8_t* p) {
        return static_cast<float>(static_cast<int64_t>(load_uint<8>(p, be)));
      });
    case DType::I32:
      return decode_items(src, count, 4, dst, [be](const uint8_t* p) {
        return static_cast<float>(static_cast<int32_t>(load_uint<4>(p, be)));
      });
    case DType::I16:
      return decode_items(src, count, 2, dst, [be](const uint8_t* p) {
        return static_cast<float>(static_cast<int16_t>(load_uint<2>(p, be)));
      });
    case DType::I8:
      return decode_items(src, count, 1, dst, [](const uint8_t* p) {
        return static_cast<float>(static_cast<int8_t>(*p));
      });
    case DType::U64:
      return decode_items(src, count, 8, dst, [be](const uint8_t* p) {
        return static_cast<float>(load_uint<8>(p, be));
      });
    case DType::U32:
      return decode_items(src, count, 4, dst, [be](const uint8_t* p) {
        return static_cast<float>(load_uint<4>(p, be));
      });
    case DType::U16:
      return decode_items(src, count, 2, dst, [be](const uint8_t* p) {
        return static_cast<float>(load_uint<2>(p, be));
      });
    case DType::U8:
      return decode_items(src, count, 1, dst, [](const uint8_t* p) { return static_cast<float>(*p); });
    case DType::Bool:
      return decode_items(src, count, 1, dst, [](const uint8_t* p) { return *p ? 1.0f : 0.0f; });
    case DType::Q8_0: case DType::Q4_0: case DType::Q4_1: case DType::Q5_0: case DType::Q5_1:
    case DType::Q2_K: case DType::Q3_K: case DType::Q4_K: case DType::Q5_K: case DType::Q6_K:
      return ggml_dequantize(t, src, count, dst);
    case DType::Unsupported: break;
  }
  throw Error("cannot decode an unsupported storage type");
}

}  // namespace qp::io
