// torch.save (PyTorch >= 1.6) writes a zip: <archive>/data.pkl (the object, pickle protocol 2),
// <archive>/data/<key> (one stored, 64-byte aligned member per storage), <archive>/byteorder and
// <archive>/version. We interpret data.pkl with the restricted unpickler (pickle.h), then walk the
// value tree: tensors become entries pointing straight into their storage member, primitives
// become metadata, anything else a warning.
#include "io/pytorch.h"

#include <limits>
#include <unordered_map>

#include "core/error.h"
#include "io/pickle.h"
#include "io/zip.h"

namespace qp::io {

namespace {

using pickle::Kind;
using pickle::Value;

constexpr uint64_t kMaxPickleBytes = 64ull << 20;  // data.pkl of a 70B-parameter shard is < 1 MiB
constexpr int kMaxDepth = 200;
// Shared sub-trees (through the memo) could make a small pickle expand exponentially when walked:
// a real checkpoint visits each value about once, so the walk stops after twice the value count
// (plus slack), after this many metadata entries, or after this many bytes of names.
constexpr uint64_t kVisitSlack = 10000;
constexpr size_t kMaxMetadata = 10000;
constexpr uint64_t kMaxNameBytes = 64ull << 20;

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

const ZipEntry* find_data_pkl(const std::vector<ZipEntry>& entries) {
  for (const ZipEntry& e : entries)
    if (e.name == "data.pkl" || ends_with(e.name, "/data.pkl")) return &e;
  return nullptr;
}

DType storage_dtype(const std::string& type) {
  static const std::pair<const char*, DType> kTypes[] = {
      {"FloatStorage", DType::F32},  {"DoubleStorage", DType::F64}, {"HalfStorage", DType::F16},
      {"BFloat16Storage", DType::BF16}, {"LongStorage", DType::I64}, {"IntStorage", DType::I32},
      {"ShortStorage", DType::I16},  {"CharStorage", DType::I8},    {"ByteStorage", DType::U8},
      {"BoolStorage", DType::Bool},  {"UntypedStorage", DType::U8},
  };
  for (const auto& t : kTypes)
    if (type == t.first) return t.second;
  return DType::Unsupported;
}

// Reads a small member whole (data.pkl, byteorder), inflating it if needed.
std::vector<uint8_t> read_small_member(ByteSource& file, const ZipEntry& z, Inflater* inflater, uint64_t limit) {
  const std::string problem = zip_entry_problem(z);
  if (!problem.empty()) throw Error(file.name() + ": " + problem);
  if (z.uncompressed_size > limit) {
    throw Error(file.name() + ": member '" + z.name + "' is " + std::to_string(z.uncompressed_size) +
                " bytes, more than we accept (" + std::to_string(limit) + ")");
  }
  uint64_t data = 0;
  try {
    data = zip_data_offset(file, z);
  } catch (const Error& e) {
    throw Error(file.name() + ": " + e.what());
  }
  if (z.method == 0) return file.read_vector(data, static_cast<size_t>(z.compressed_size));
  if (!inflater) throw Error(file.name() + ": no DEFLATE decompressor is available in this build");
  if (z.compressed_size > limit) throw Error(file.name() + ": member '" + z.name + "' is too large");
  const std::vector<uint8_t> packed = file.read_vector(data, static_cast<size_t>(z.compressed_size));
  std::vector<uint8_t> out;
  try {
    out = inflater->inflate_raw(packed.data(), packed.size(), static_cast<size_t>(z.uncompressed_size));
  } catch (const Error& e) {
    throw Error(file.name() + ": member '" + z.name + "': " + e.what());
  }
  if (out.size() != z.uncompressed_size)
    throw Error(file.name() + ": member '" + z.name + "' inflates to fewer bytes than the directory says");
  return out;
}

// Elements a view touches in its storage: 1 + sum((size - 1) * stride), 0 for an empty view.
// Empty string on success, else the problem.
std::string view_extent(const std::vector<int64_t>& size, const std::vector<int64_t>& stride,
                        uint64_t* count, uint64_t* span) {
  constexpr uint64_t kMax = std::numeric_limits<uint64_t>::max();
  *count = 1;
  for (int64_t d : size) {
    if (d < 0) return "has a negative dimension";
    if (d != 0 && *count > kMax / static_cast<uint64_t>(d)) return "has a shape too large to address";
    *count *= static_cast<uint64_t>(d);
  }
  if (*count == 0) {
    *span = 0;
    return {};
  }
  uint64_t last = 0;
  for (size_t i = 0; i < size.size(); ++i) {
    if (stride[i] < 0) return "has a negative stride";
    const uint64_t ext = static_cast<uint64_t>(size[i] - 1), st = static_cast<uint64_t>(stride[i]);
    if (st != 0 && ext > (kMax - last) / st) return "has a shape too large to address";
    last += ext * st;
  }
  if (last == kMax) return "has a shape too large to address";
  *span = last + 1;
  return {};
}

bool is_c_contiguous(const std::vector<int64_t>& size, const std::vector<int64_t>& stride) {
  int64_t expected = 1;
  for (size_t i = size.size(); i-- > 0;) {
    if (size[i] != 1 && stride[i] != expected) return false;
    expected *= size[i];
  }
  return true;
}

class TreeWalker {
 public:
  TreeWalker(Model& m, const std::vector<ZipEntry>& entries, std::string prefix, bool big_endian,
             uint64_t value_count)
      : m_(m), file_(*m.files[0]), entries_(entries), prefix_(std::move(prefix)), big_endian_(big_endian),
        max_visits_(2 * value_count + kVisitSlack) {}

  void walk(const Value* v, const std::string& name, int depth) {
    if (stopped_) return;
    name_bytes_ += name.size();
    if (++visits_ > max_visits_ || name_bytes_ > kMaxNameBytes || m_.metadata.size() > kMaxMetadata) {
      m_.warnings.push_back("the checkpoint's object tree is too large (shared sub-objects?); listing stopped");
      stopped_ = true;
      return;
    }
    const std::string shown = name.empty() ? "(root)" : name;
    if (depth > kMaxDepth) {
      m_.warnings.push_back("'" + shown + "' is nested deeper than " + std::to_string(kMaxDepth) +
                            " levels and is not listed");
      return;
    }
    switch (v->kind) {
      case Kind::Dict:
        for (const auto& kv : v->entries) walk(kv.second, join(name, key_text(*kv.first)), depth + 1);
        break;
      case Kind::List: case Kind::Tuple: case Kind::Set:
        for (size_t i = 0; i < v->items.size(); ++i) walk(v->items[i], join(name, std::to_string(i)), depth + 1);
        break;
      case Kind::Tensor:
        add_tensor(*v, shown);
        break;
      case Kind::None: case Kind::Bool: case Kind::Int: case Kind::Float: case Kind::String:
      case Kind::Bytes: case Kind::Global:
        m_.metadata.emplace_back(shown, pickle::primitive_to_text(*v));
        break;
      case Kind::Storage:
        m_.warnings.push_back("'" + shown + "' is a bare storage, not a tensor, and is not listed");
        break;
      case Kind::Opaque:
        m_.warnings.push_back("'" + shown + "' is " + v->text + " and is not listed");
        break;
    }
  }

 private:
  struct StorageInfo {
    uint64_t data = 0;   // absolute offset of the member's bytes
    uint64_t bytes = 0;  // member size
    std::string problem;
  };

  static std::string join(const std::string& a, const std::string& b) { return a.empty() ? b : a + "." + b; }
  static std::string key_text(const Value& k) {
    if (k.kind == Kind::String) return k.text;
    if (k.kind == Kind::Tuple) {  // e.g. optimizer state keyed by (group, index)
      std::string s;
      for (const Value* x : k.items) s += (s.empty() ? "" : ",") + key_text(*x);
      return s;
    }
    const std::string t = pickle::primitive_to_text(k);
    return t.empty() ? "?" : t;
  }

  const StorageInfo& storage(const std::string& key) {
    const auto it = storages_.find(key);
    if (it != storages_.end()) return it->second;
    StorageInfo info;
    const std::string member = prefix_ + "data/" + key;
    const ZipEntry* z = find_zip_entry(entries_, member);
    if (!z) {
      info.problem = "storage '" + key + "' is missing from the archive (no member '" + member + "')";
    } else if (!(info.problem = zip_entry_problem(*z)).empty()) {
    } else if (z->method != 0) {
      info.problem = "storage member '" + member + "' is compressed; torch.save stores storages uncompressed";
    } else {
      try {
        info.data = zip_data_offset(file_, *z);
        info.bytes = z->compressed_size;
      } catch (const Error& e) {
        info.problem = e.what();
      }
    }
    return storages_.emplace(key, std::move(info)).first->second;
  }

  void add_tensor(const Value& v, const std::string& name) {
    const Value& s = *v.storage;
    TensorEntry t;
    t.name = name;
    t.stored_type = s.storage_type;
    t.dtype = storage_dtype(s.storage_type);
    t.shape = v.size;
    t.big_endian = big_endian_;
    t.problem = locate(v, s, t);
    if (t.problem.empty()) t.problem = check_entry(m_, t);
    m_.tensors.push_back(std::move(t));
  }

  // Sets offset, byte_size and strides of `t`; returns the problem, if any.
  std::string locate(const Value& v, const Value& s, TensorEntry& t) {
    if (t.dtype == DType::Unsupported) return "storage type " + s.storage_type + " is not supported";
    const StorageInfo& info = storage(s.storage_key);
    if (!info.problem.empty()) return info.problem;
    const uint64_t item = storage_unit(t.dtype).bytes;
    if (s.storage_numel < 0 || static_cast<uint64_t>(s.storage_numel) > info.bytes / item) {
      return "storage '" + s.storage_key + "' claims " + std::to_string(s.storage_numel) + " elements of " +
             std::to_string(item) + " bytes but its member holds " + std::to_string(info.bytes) + " bytes";
    }
    uint64_t count = 0, span = 0;
    const std::string bad = view_extent(v.size, v.stride, &count, &span);
    if (!bad.empty()) return "the view " + shape_to_string(v.size) + " " + bad;
    if (v.storage_offset < 0) return "negative storage offset";
    const uint64_t numel = static_cast<uint64_t>(s.storage_numel), off = static_cast<uint64_t>(v.storage_offset);
    if (span != 0 && (off > numel || span > numel - off)) {
      return "storage too small for the view: shape " + shape_to_string(v.size) + " needs elements " +
             std::to_string(off) + ".." + std::to_string(off + span) + " of storage '" + s.storage_key +
             "', which holds " + std::to_string(numel);
    }
    t.offset = info.data + off * item;
    if (is_c_contiguous(v.size, v.stride)) {
      t.byte_size = count * item;
    } else {
      t.strides = v.stride;
      t.byte_size = span * item;
    }
    return {};
  }

  Model& m_;
  ByteSource& file_;
  const std::vector<ZipEntry>& entries_;
  std::string prefix_;
  bool big_endian_;
  uint64_t max_visits_;
  uint64_t visits_ = 0;
  uint64_t name_bytes_ = 0;
  bool stopped_ = false;
  std::unordered_map<std::string, StorageInfo> storages_;
};

}  // namespace

Model open_pytorch(std::shared_ptr<ByteSource> file, Inflater* inflater) {
  const std::vector<ZipEntry> entries = read_zip_directory(*file);
  const ZipEntry* pkl = find_data_pkl(entries);
  if (!pkl) throw Error(file->name() + ": a zip without data.pkl is not a torch.save checkpoint");
  const std::string prefix = pkl->name.substr(0, pkl->name.size() - 8);  // keeps the trailing '/'

  const std::vector<uint8_t> bytes = read_small_member(*file, *pkl, inflater, kMaxPickleBytes);
  pickle::Document doc;
  try {
    doc = pickle::unpickle(bytes.data(), bytes.size());
  } catch (const Error& e) {
    throw Error(file->name() + ": " + e.what());
  }

  bool big_endian = false;  // absent before PyTorch 1.10: always little endian
  if (const ZipEntry* order = find_zip_entry(entries, prefix + "byteorder")) {
    const std::vector<uint8_t> b = read_small_member(*file, *order, inflater, 64);
    const std::string text(b.begin(), b.end());
    if (text == "big") big_endian = true;
    else if (text != "little") throw Error(file->name() + ": unknown byteorder '" + text + "'");
  }

  Model m;
  m.format = "pytorch";
  m.files.push_back(file);
  TreeWalker(m, entries, prefix, big_endian, doc.arena.size()).walk(doc.root, "", 0);
  return m;
}

bool looks_like_pytorch_zip(ByteSource& file) {
  try {
    return find_data_pkl(read_zip_directory(file)) != nullptr;
  } catch (const Error&) {
    return false;  // not a readable zip: the npz reader reports why
  }
}

}  // namespace qp::io
