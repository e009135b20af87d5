// What a weight file (or a set of files opened together) contains: one list of tensors with their
// name, storage type, shape and the location of their bytes, plus metadata. Listing reads only
// headers; read_tensor_f32 then reads one tensor at a time, so memory stays bounded by the
// largest tensor whatever the size of the checkpoint.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/shape.h"
#include "io/byte_source.h"
#include "io/dtype.h"
#include "io/inflater.h"

namespace qp::io {

// How a tensor's bytes are laid out at [offset, offset + byte_size) of files[file].
enum class Encoding : uint8_t {
  Raw,            // dtype items back to back (then `strides` apply)
  DeflatedNpy,    // a deflated zip member holding a whole .npy file (npz); byte_size = compressed
  PackedVarint,   // protobuf packed varints, one per element (ONNX int32_data/int64_data/uint64_data)
};

struct TensorEntry {
  std::string name;
  DType dtype = DType::F32;
  std::string stored_type;   // the type as the file names it: "F32", "<f4", "FLOAT16", "Q4_K", ...
  Shape shape;               // logical shape, C order
  std::vector<int64_t> strides;  // element strides of the stored data; empty = C-contiguous
  uint32_t file = 0;         // index into Model::files
  uint64_t offset = 0;       // absolute byte offset in that file
  uint64_t byte_size = 0;    // bytes read from there
  bool big_endian = false;
  Encoding encoding = Encoding::Raw;
  uint64_t uncompressed_size = 0;  // DeflatedNpy: size of the inflated member
  std::string problem;       // non-empty: listed but not readable, and why ("Q4_K is not supported yet")
};

struct OpCount {
  std::string op_type;
  int64_t count = 0;
};

// ONNX graph summary (empty for pure weight formats).
struct GraphSummary {
  std::vector<OpCount> op_counts;       // sorted by count, descending
  std::vector<std::string> inputs;      // "name: float32[1, 784]"
  std::vector<std::string> outputs;
  int64_t node_count = 0;
};

struct Model {
  std::string format;   // "safetensors", "npy", "npz", "onnx", "gguf", "pytorch"
  std::vector<std::shared_ptr<ByteSource>> files;
  std::vector<TensorEntry> tensors;
  std::vector<std::pair<std::string, std::string>> metadata;  // key -> value as text
  GraphSummary graph;
  std::vector<std::string> warnings;    // things the user should know that did not stop the listing
};

// A tensor read and converted to float32, C order.
struct TensorData {
  Shape shape;
  std::vector<float> values;
};

// Reads one tensor. Throws qp::Error naming the file and tensor on any problem (truncation,
// a tensor listed with a problem, corrupt compressed data). `inflater` is needed only for
// DeflatedNpy entries (nullptr -> native_inflater()).
TensorData read_tensor_f32(const Model& model, size_t index, Inflater* inflater = nullptr);

// Checks that a listed tensor's bytes lie inside its file and that shape, dtype and byte_size
// agree; used by every parser so that listing already reports what reading would refuse.
// Returns an empty string when fine, else the problem.
std::string check_entry(const Model& model, const TensorEntry& entry);

}  // namespace qp::io
