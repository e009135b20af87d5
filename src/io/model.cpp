#include "io/model.h"

#include <limits>

#include "core/error.h"
#include "io/npy.h"

namespace qp::io {

namespace {

// Number of stored items a strided view touches: 1 + sum((dim - 1) * stride), 0 when empty.
// Returns false on a negative stride or overflow.
bool strided_span(const Shape& shape, const std::vector<int64_t>& strides, uint64_t* span) {
  uint64_t last = 0;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 0) {
      *span = 0;
      return true;
    }
    if (strides[d] < 0) return false;
    const uint64_t extent = static_cast<uint64_t>(shape[d] - 1);
    const uint64_t stride = static_cast<uint64_t>(strides[d]);
    if (stride != 0 && extent > (std::numeric_limits<uint64_t>::max() - last) / stride) return false;
    last += extent * stride;
  }
  *span = last + 1;
  return true;
}

std::string where(const Model& model, const TensorEntry& e) {
  const std::string file = e.file < model.files.size() ? model.files[e.file]->name() : "?";
  return file + ": tensor '" + e.name + "'";
}

// Decodes protobuf varints (ONNX typed fields) into float32.
void decode_packed_varints(const TensorEntry& e, const std::vector<uint8_t>& bytes, size_t count,
                           float* dst) {
  size_t pos = 0;
  for (size_t i = 0; i < count; ++i) {
    uint64_t v = 0;
    int shift = 0;
    while (true) {
      if (pos >= bytes.size() || shift > 63) throw Error("malformed packed varint data");
      const uint8_t b = bytes[pos++];
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    switch (e.dtype) {
      case DType::F16: {  // ONNX keeps the binary16 bit pattern in int32_data
        const uint8_t lo[2] = {static_cast<uint8_t>(v & 0xff), static_cast<uint8_t>((v >> 8) & 0xff)};
        decode_to_float32(DType::F16, lo, 1, false, dst + i);
        break;
      }
      case DType::BF16: {
        const uint8_t lo[2] = {static_cast<uint8_t>(v & 0xff), static_cast<uint8_t>((v >> 8) & 0xff)};
        decode_to_float32(DType::BF16, lo, 1, false, dst + i);
        break;
      }
      case DType::U64: case DType::U32: case DType::U16: case DType::U8: case DType::Bool:
        dst[i] = e.dtype == DType::Bool ? (v ? 1.0f : 0.0f) : static_cast<float>(v);
        break;
      case DType::F8_E4M3FN: case DType::F8_E5M2: {
        const uint8_t b = static_cast<uint8_t>(v & 0xff);
        decode_to_float32(e.dtype, &b, 1, false, dst + i);
        break;
      }
      default:  // signed: int32 values are sign-extended to 64 bits on the wire
        dst[i] = static_cast<float>(static_cast<int64_t>(v));
        break;
    }
  }
  if (pos != bytes.size()) throw Error("packed varint data has " + std::to_string(count) +
                                       " elements plus trailing bytes");
}

}  // namespace

std::string check_entry(const Model& model, const TensorEntry& e) {
  if (!e.problem.empty()) return e.problem;
  if (e.file >= model.files.size()) return "refers to a file that was not opened";
  const ByteSource& src = *model.files[e.file];
  if (e.offset > src.size() || e.byte_size > src.size() - e.offset) {
    return "data at bytes " + std::to_string(e.offset) + ".." + std::to_string(e.offset + e.byte_size) +
           " is outside the file (" + std::to_string(src.size()) + " bytes)";
  }
  uint64_t count = 0;
  try {
    count = element_count_u64(e.shape);
  } catch (const Error& err) {
    return err.what();
  }
  if (e.dtype == DType::Unsupported) return "storage type " + e.stored_type + " is not supported yet";
  try {
    switch (e.encoding) {
      case Encoding::Raw: {
        uint64_t items = count;
        if (!e.strides.empty()) {
          if (e.strides.size() != e.shape.size()) return "strides and shape have different ranks";
          if (storage_unit(e.dtype).elements != 1) return "block-quantized data cannot be strided";
          if (!strided_span(e.shape, e.strides, &items)) return "invalid strides";
        }
        const uint64_t need = storage_bytes(e.dtype, items);
        if (need != e.byte_size) {
          return "shape " + shape_to_string(e.shape) + " of " + dtype_name(e.dtype) + " needs " +
                 std::to_string(need) + " bytes but the file gives it " + std::to_string(e.byte_size);
        }
        break;
      }
      case Encoding::PackedVarint:
        if (e.byte_size < count) return "packed data is shorter than its " + std::to_string(count) + " elements";
        break;
      case Encoding::DeflatedNpy:
        break;  // the inflated .npy header is checked when read
    }
  } catch (const Error& err) {
    return err.what();
  }
  return {};
}

TensorData read_tensor_f32(const Model& model, size_t index, Inflater* inflater) {
  if (index >= model.tensors.size()) throw Error("tensor index out of range");
  const TensorEntry& e = model.tensors[index];
  const std::string problem = check_entry(model, e);
  if (!problem.empty()) throw Error(where(model, e) + ": " + problem);
  ByteSource& src = *model.files[e.file];
  TensorData out;
  out.shape = e.shape;
  const size_t count = element_count(e.shape);
  try {
    switch (e.encoding) {
      case Encoding::Raw: {
        const StorageUnit unit = storage_unit(e.dtype);
        if (e.strides.empty() && unit.elements == 1 && unit.bytes <= 4) {
          // Read into the tail of the float32 output and widen front to back in place: item i is
          // read before any write reaches it, and peak memory stays at one copy of the tensor.
          out.values.resize(count);
          uint8_t* base = reinterpret_cast<uint8_t*>(out.values.data());
          uint8_t* tail = base + count * sizeof(float) - static_cast<size_t>(e.byte_size);
          src.read(e.offset, static_cast<size_t>(e.byte_size), tail);
          decode_to_float32(e.dtype, tail, count, e.big_endian, out.values.data());
          break;
        }
        const std::vector<uint8_t> bytes = src.read_vector(e.offset, static_cast<size_t>(e.byte_size));
        if (e.strides.empty()) {
          out.values.resize(count);
          decode_to_float32(e.dtype, bytes.data(), count, e.big_endian, out.values.data());
          break;
        }
        // Strided (Fortran-order npy, a PyTorch view): decode the touched span, gather in C order.
        const size_t item = storage_unit(e.dtype).bytes;
        std::vector<float> span(bytes.size() / item);
        decode_to_float32(e.dtype, bytes.data(), span.size(), e.big_endian, span.data());
        out.values.resize(count);
        std::vector<int64_t> idx(e.shape.size(), 0);
        for (size_t i = 0; i < count; ++i) {
          int64_t at = 0;
          for (size_t d = 0; d < idx.size(); ++d) at += idx[d] * e.strides[d];
          out.values[i] = span[static_cast<size_t>(at)];
          for (size_t d = idx.size(); d-- > 0;) {  // odometer increment, last axis fastest
            if (++idx[d] < e.shape[d]) break;
            idx[d] = 0;
          }
        }
        break;
      }
      case Encoding::PackedVarint: {
        const std::vector<uint8_t> bytes = src.read_vector(e.offset, static_cast<size_t>(e.byte_size));
        out.values.resize(count);
        decode_packed_varints(e, bytes, count, out.values.data());
        break;
      }
      case Encoding::DeflatedNpy: {
        Inflater* inf = inflater ? inflater : native_inflater();
        if (!inf) throw Error("no DEFLATE decompressor is available in this build");
        const std::vector<uint8_t> packed = src.read_vector(e.offset, static_cast<size_t>(e.byte_size));
        const std::vector<uint8_t> npy = inf->inflate_raw(packed.data(), packed.size(),
                                                          static_cast<size_t>(e.uncompressed_size));
        if (npy.size() != e.uncompressed_size) {
          throw Error("compressed member inflates to " + std::to_string(npy.size()) +
                      " bytes, the zip directory says " + std::to_string(e.uncompressed_size));
        }
        const NpyHeader header = parse_npy_header(npy.data(), npy.size());
        if (header.shape != e.shape) throw Error("member header changed its shape");
        out.values = npy_to_float32(npy.data(), npy.size(), header);
        break;
      }
    }
  } catch (const Error& err) {
    throw Error(where(model, e) + ": " + err.what());
  }
  return out;
}

}  // namespace qp::io
