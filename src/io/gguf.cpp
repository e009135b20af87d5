// GGUF reader: header, metadata and tensor infos, read through a buffered cursor; tensor data is
// never touched here (read_tensor_f32 reads one tensor later), so a multi-GB file lists at once.
// File layout (ggml docs/gguf.md): "GGUF", u32 version, u64 n_tensors, u64 n_kv, n_kv × (string
// key, u32 type, value), n_tensors × (string name, u32 n_dims, n_dims × u64 ne, u32 ggml type,
// u64 offset), padding to general.alignment, then the data section the offsets point into.
#include "io/gguf.h"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "io/gguf_cursor.h"
#include "io/gguf_metadata.h"
#include "io/gguf_types.h"

namespace qp::io {

namespace {

constexpr uint32_t kGgmlMaxDims = 4;           // GGML_MAX_DIMS
constexpr uint64_t kDefaultAlignment = 32;     // GGUF_DEFAULT_ALIGNMENT
constexpr uint64_t kMaxNameBytes = 64 * 1024;  // ggml allows 63 for tensor names; be generous
// Fewest bytes one entry can occupy; bounds the counts before anything is reserved.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;            // empty key, type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;  // empty name, n_dims = 0, type, offset
// Counts bounded by the file size can still be huge for a huge file (and exceed a 32-bit
// size_t); reserve at most this many up front and let real entries grow the vectors.
constexpr uint64_t kMaxReserve = 4096;

size_t reserve_count(uint64_t n) { return static_cast<size_t>(n < kMaxReserve ? n : kMaxReserve); }

struct TensorInfo {
  std::string name;
  std::vector<uint64_t> ne;  // ggml order: ne[0] varies fastest
  uint32_t type = 0;
  uint64_t offset = 0;       // relative to the data section
  std::string problem;       // a dimension that ggml itself would refuse
};

std::string magic_text(const uint8_t* m) {
  std::string s;
  for (int i = 0; i < 4; ++i) {
    if (m[i] >= 0x20 && m[i] < 0x7f) s += static_cast<char>(m[i]);
    else s += "\\x" + std::string(1, "0123456789abcdef"[m[i] >> 4]) + "0123456789abcdef"[m[i] & 15];
  }
  return s;
}

uint32_t byte_swapped(uint32_t v) {
  return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}

void check_version(uint32_t version) {
  if (version == 2 || version == 3) return;
  if (version == 1) {
    throw Error("GGUF version 1 is not supported (it used 32-bit counts and lengths); "
                "convert the model again with a current llama.cpp");
  }
  const uint32_t swapped = byte_swapped(version);
  if (swapped >= 1 && swapped <= 3) {
    throw Error("big-endian GGUF is not supported (version field reads " + std::to_string(swapped) +
                " when byte-swapped)");
  }
  throw Error("GGUF version " + std::to_string(version) + " is not supported (only versions 2 and 3)");
}

std::string read_name(GgufCursor& c, const char* what) {
  uint64_t length = 0;
  std::string name = c.string(kMaxNameBytes, &length);
  if (length > kMaxNameBytes) {
    throw Error(std::string(what) + " of " + std::to_string(length) + " bytes is longer than " +
                std::to_string(kMaxNameBytes));
  }
  return name;
}

uint64_t alignment_from(const std::string& key, const GgufValue& v) {
  if (!v.is_unsigned_integer) throw Error(key + " must be a non-negative integer, not " + v.text);
  const uint64_t a = v.unsigned_value;
  if (a == 0 || (a & (a - 1)) != 0) throw Error(key + " = " + v.text + " is not a power of two");
  return a;
}

TensorInfo read_tensor_info(GgufCursor& c, std::string* context) {
  TensorInfo t;
  t.name = read_name(c, "tensor name");
  *context = "tensor '" + t.name + "'";
  const uint32_t n_dims = c.u32();
  if (n_dims > kGgmlMaxDims) {
    throw Error("n_dims " + std::to_string(n_dims) + " is more than ggml's maximum of " +
                std::to_string(kGgmlMaxDims));
  }
  uint64_t count = 1;
  bool overflow = false;
  for (uint32_t d = 0; d < n_dims; ++d) {
    const uint64_t n = c.u64();
    t.ne.push_back(n);
    if (n > static_cast<uint64_t>(INT64_MAX)) {
      if (t.problem.empty()) t.problem = "dimension ne[" + std::to_string(d) + "] = " +
                                         std::to_string(static_cast<int64_t>(n)) + " is negative";
    } else if (n != 0 && count > static_cast<uint64_t>(INT64_MAX) / n) {
      overflow = true;
    } else {
      count *= n;
    }
  }
  if (overflow && t.problem.empty()) t.problem = "element count of the dimensions overflows 64 bits";
  t.type = c.u32();
  t.offset = c.u64();
  return t;
}

// ggml stores rows of whole blocks, so ne[0] (not just the element count) must be a multiple.
std::string block_problem(const TensorInfo& info, const GgmlTypeInfo& type) {
  const uint64_t row = info.ne.empty() ? 1 : info.ne[0];
  if (type.block_elements > 1 && row % type.block_elements != 0) {
    return "row length ne[0] = " + std::to_string(row) + " is not a multiple of the " + type.name +
           " block size " + std::to_string(type.block_elements);
  }
  return {};
}

TensorEntry make_entry(const Model& model, const TensorInfo& info, uint64_t data_start, uint64_t alignment) {
  TensorEntry t;
  t.name = info.name;
  t.stored_type = ggml_type_name(info.type);
  for (size_t d = info.ne.size(); d-- > 0;) t.shape.push_back(static_cast<int64_t>(info.ne[d]));
  const GgmlTypeInfo type = ggml_type_info(info.type);
  t.dtype = type.dtype;
  t.problem = info.problem;
  const bool offset_fits = info.offset <= UINT64_MAX - data_start;
  if (offset_fits) t.offset = data_start + info.offset;
  // Location and size first, so that even a tensor we cannot decode shows where it lies.
  if (t.problem.empty() && type.block_elements != 0) {
    t.problem = block_problem(info, type);
    uint64_t count = 1;
    for (const uint64_t n : info.ne) count *= n;  // no overflow: read_tensor_info checked it
    const uint64_t blocks = count / type.block_elements;
    if (t.problem.empty() && blocks <= UINT64_MAX / type.block_bytes) t.byte_size = blocks * type.block_bytes;
  }
  if (t.problem.empty() && !type.name) t.problem = "unknown GGUF tensor type " + std::to_string(info.type);
  if (t.problem.empty() && type.dtype == DType::Unsupported) {
    t.problem = "GGUF type " + t.stored_type + " is not supported yet";
  }
  if (t.problem.empty() && info.offset % alignment != 0) {
    t.problem = "offset " + std::to_string(info.offset) + " in the data section is not a multiple of the alignment " +
                std::to_string(alignment);
  }
  if (t.problem.empty() && !offset_fits) t.problem = "offset " + std::to_string(info.offset) + " is beyond any file";
  if (t.problem.empty()) t.problem = check_entry(model, t);  // data inside the file, shape and size agree
  return t;
}

}  // namespace

Model open_gguf(std::shared_ptr<ByteSource> file) {
  Model m;
  m.format = "gguf";
  m.files.push_back(file);
  GgufCursor c(*file);
  std::string context;  // what is being read, for messages: "", "metadata key 'x'", "tensor 'y'"
  try {
    uint8_t magic[4];
    c.bytes(magic, 4);
    if (magic[0] != 'G' || magic[1] != 'G' || magic[2] != 'U' || magic[3] != 'F') {
      throw Error("not a GGUF file (starts with '" + magic_text(magic) + "', expected 'GGUF')");
    }
    check_version(c.u32());
    const uint64_t n_tensors = c.u64();
    const uint64_t n_kv = c.u64();
    if (n_kv > c.remaining() / kMinKvBytes) {
      throw Error("n_kv = " + std::to_string(n_kv) + " metadata entries cannot fit in the rest of the file (" +
                  std::to_string(c.remaining()) + " bytes)");
    }
    if (n_tensors > c.remaining() / kMinTensorInfoBytes) {
      throw Error("n_tensors = " + std::to_string(n_tensors) + " tensor infos cannot fit in the rest of the file (" +
                  std::to_string(c.remaining()) + " bytes)");
    }

    uint64_t alignment = kDefaultAlignment;
    std::set<std::string> keys;
    m.metadata.reserve(reserve_count(n_kv));
    for (uint64_t i = 0; i < n_kv; ++i) {
      context = "metadata entry #" + std::to_string(i);
      const std::string key = read_name(c, "key");
      context = "metadata key '" + key + "'";
      const uint32_t type = c.u32();
      if (type >= kGgufValueTypeCount) throw Error("unknown metadata value type " + std::to_string(type));
      const GgufValue value = read_gguf_value(c, type);
      if (key == "general.alignment") alignment = alignment_from(key, value);
      if (!keys.insert(key).second) m.warnings.push_back("metadata key '" + key + "' appears more than once");
      m.metadata.emplace_back(key, value.text);
    }

    context.clear();
    if (n_tensors > c.remaining() / kMinTensorInfoBytes) {
      throw Error("n_tensors = " + std::to_string(n_tensors) + " tensor infos cannot fit in the rest of the file (" +
                  std::to_string(c.remaining()) + " bytes)");
    }
    std::vector<TensorInfo> infos;
    infos.reserve(reserve_count(n_tensors));
    for (uint64_t i = 0; i < n_tensors; ++i) {
      context = "tensor info #" + std::to_string(i);
      infos.push_back(read_tensor_info(c, &context));
    }
    context.clear();

    // The data section starts at the first multiple of the alignment after the tensor infos.
    const uint64_t pos = c.position();
    if (pos > UINT64_MAX - (alignment - 1)) throw Error("data section offset overflows");
    const uint64_t data_start = (pos + alignment - 1) / alignment * alignment;

    std::set<std::string> names;
    m.tensors.reserve(infos.size());
    for (const TensorInfo& info : infos) {
      if (!names.insert(info.name).second) m.warnings.push_back("tensor name '" + info.name + "' appears more than once");
      m.tensors.push_back(make_entry(m, info, data_start, alignment));
    }
  } catch (const Error& e) {
    throw Error(file->name() + ": " + (context.empty() ? "" : context + ": ") + e.what());
  }
  return m;
}

}  // namespace qp::io
