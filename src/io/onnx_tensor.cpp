#include "io/onnx_tensor.h"

#include <limits>

#include "core/error.h"
#include "io/onnx_types.h"

namespace qp::io {

namespace {

using pb::Field;
using pb::MessageCursor;
using pb::WireType;

// No real tensor has this many axes; the bound keeps a hostile dims list from growing a vector.
constexpr size_t kMaxRank = 64;
constexpr size_t kMaxNameBytes = 4096;
constexpr size_t kMaxExternalEntries = 64;

// Where one data field of the TensorProto sits in the file.
struct Payload {
  uint64_t offset = 0;
  uint64_t length = 0;
  int chunks = 0;       // how many times the field occurred
  bool packed = true;   // false: one element written without packing (legal protobuf)
};

constexpr int kFieldSlots = 7;  // indexed by OnnxField

struct TensorFields {
  std::string name;
  bool has_type = false;
  int64_t data_type = 0;
  Shape dims;
  bool too_many_dims = false;
  bool has_segment = false;
  bool external = false;  // data_location == EXTERNAL
  Payload raw;
  Payload typed[kFieldSlots];
  std::vector<std::pair<std::string, std::string>> external_data;
};

void note(Payload& p, const Field& f, bool packed) {
  if (p.chunks++ == 0) {
    p.offset = f.offset;
    p.length = f.length;
    p.packed = packed;
  }
}

// A repeated scalar field: packed (Len) or one element with its own tag (`single`).
void note_repeated(const MessageCursor& c, Payload& p, const Field& f, WireType single, const char* name) {
  if (f.wire_type == WireType::Len) return note(p, f, true);
  if (f.wire_type == single) return note(p, f, false);
  c.fail(f.offset, std::string("field ") + std::to_string(f.number) + " (" + name + ") has wire type " +
                       pb::wire_type_name(f.wire_type) + " but must be length-delimited (packed) or " +
                       pb::wire_type_name(single));
}

void add_dim(TensorFields& t, uint64_t v) {
  if (t.dims.size() >= kMaxRank) {
    t.too_many_dims = true;
    return;
  }
  t.dims.push_back(pb::as_int64(v));
}

std::pair<std::string, std::string> parse_string_entry(const MessageCursor& c) {
  std::pair<std::string, std::string> kv;
  MessageCursor entry = c;
  Field f;
  while (entry.next(f)) {
    if (f.number == 1) kv.first = entry.string(f, kMaxNameBytes);
    else if (f.number == 2) kv.second = entry.string(f, kMaxNameBytes);
  }
  return kv;
}

TensorFields read_fields(const MessageCursor& tensor) {
  TensorFields t;
  MessageCursor c = tensor;
  Field f;
  while (c.next(f)) {
    switch (f.number) {
      case 1:  // dims: int64, written unpacked by protobuf's proto2 encoders, packed by others
        if (f.wire_type == WireType::Varint) {
          add_dim(t, f.value);
        } else {
          c.expect(f, f.wire_type == WireType::Len ? WireType::Len : WireType::Varint, "dims");
          for (uint64_t p = f.offset, end = f.offset + f.length; p < end;) add_dim(t, c.varint(p, end));
        }
        break;
      case 2:
        c.expect(f, WireType::Varint, "data_type");
        t.has_type = true;
        t.data_type = pb::as_int64(f.value);
        break;
      case 3:
        c.expect(f, WireType::Len, "segment");
        t.has_segment = true;
        break;
      case 4: note_repeated(c, t.typed[int(OnnxField::FloatData)], f, WireType::Fixed32, "float_data"); break;
      case 5: note_repeated(c, t.typed[int(OnnxField::Int32Data)], f, WireType::Varint, "int32_data"); break;
      case 6:
        c.expect(f, WireType::Len, "string_data");
        note(t.typed[int(OnnxField::StringData)], f, true);
        break;
      case 7: note_repeated(c, t.typed[int(OnnxField::Int64Data)], f, WireType::Varint, "int64_data"); break;
      case 8: t.name = c.string(f, kMaxNameBytes); break;
      case 9:
        c.expect(f, WireType::Len, "raw_data");
        note(t.raw, f, true);
        break;
      case 10: note_repeated(c, t.typed[int(OnnxField::DoubleData)], f, WireType::Fixed64, "double_data"); break;
      case 11: note_repeated(c, t.typed[int(OnnxField::Uint64Data)], f, WireType::Varint, "uint64_data"); break;
      case 13:
        if (t.external_data.size() >= kMaxExternalEntries) c.fail(f.offset, "too many external_data entries");
        t.external_data.push_back(parse_string_entry(c.sub(f, "StringStringEntryProto")));
        break;
      case 14:
        c.expect(f, WireType::Varint, "data_location");
        t.external = f.value == 1;
        break;
      default:
        break;  // doc_string and fields added after this reader: skipped by wire type
    }
  }
  return t;
}

// Element count of `dims`, or a problem (negative dimension, more than 2^64 - 1 elements).
std::string count_elements(const Shape& dims, uint64_t* count) {
  uint64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) return "dims " + shape_to_string(dims) + " include a negative dimension";
  }
  for (int64_t d : dims) {
    const auto ud = static_cast<uint64_t>(d);
    if (ud != 0 && n > std::numeric_limits<uint64_t>::max() / ud) {
      return "dims " + shape_to_string(dims) + " hold more elements than fit in 64 bits";
    }
    n *= ud;
  }
  *count = n;
  return {};
}

// A decimal external_data value ("offset", "length").
bool parse_decimal(const std::string& s, uint64_t* out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char ch : s) {
    if (ch < '0' || ch > '9') return false;
    const auto digit = static_cast<uint64_t>(ch - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

// ONNX resolves `location` relative to the model's folder and forbids leaving it; the user
// selects files, not folders, so only the basename is matched.
std::string external_basename(const std::string& location, std::string* problem) {
  if (location.empty()) {
    *problem = "is stored as external data but names no location";
    return {};
  }
  const bool absolute = location[0] == '/' || location[0] == '\\' ||
                        (location.size() > 1 && location[1] == ':');
  bool parent = false;
  size_t start = 0;
  for (size_t i = 0; i <= location.size(); ++i) {
    if (i == location.size() || location[i] == '/' || location[i] == '\\') {
      if (location.compare(start, i - start, "..") == 0 && i - start == 2) parent = true;
      start = i + 1;
    }
  }
  if (absolute || parent) {
    *problem = "external data location '" + location +
               "' leaves the model's folder (an absolute path or '..'), which ONNX forbids";
    return {};
  }
  const size_t slash = location.find_last_of("/\\");
  return slash == std::string::npos ? location : location.substr(slash + 1);
}

void locate_external(const TensorFields& t, uint64_t need, const std::string& what, Model& model,
                     OnnxExternalFiles& external, TensorEntry& e) {
  std::string location;
  uint64_t offset = 0;
  uint64_t length = 0;
  bool has_length = false;
  for (const auto& [key, value] : t.external_data) {
    if (key == "location") {
      location = value;
    } else if (key == "offset" || key == "length") {
      uint64_t v = 0;
      if (!parse_decimal(value, &v)) {
        e.problem = "external data " + key + " '" + value + "' is not a number";
        return;
      }
      if (key == "offset") offset = v;
      else {
        length = v;
        has_length = true;
      }
    }
  }
  const std::string file_name = external_basename(location, &e.problem);
  if (!e.problem.empty()) return;
  const int64_t index = external.find(file_name);
  if (index < 0) {
    e.problem = "needs external data file '" + file_name + "': select it together with the model";
    return;
  }
  const ByteSource& data = *model.files[static_cast<size_t>(index)];
  if (!has_length && offset <= data.size()) length = data.size() - offset;
  if (offset > data.size() || length > data.size() - offset) {
    e.problem = "external data at bytes " + std::to_string(offset) + ".." + std::to_string(offset + length) +
                " is outside '" + file_name + "' (" + std::to_string(data.size()) + " bytes)";
    return;
  }
  if (length != need) {
    e.problem = "external data has " + std::to_string(length) + " bytes but " + what + " needs " +
                std::to_string(need);
    return;
  }
  e.file = static_cast<uint32_t>(index);
  e.offset = offset;
  e.byte_size = length;
}

// Data held in the model file itself: raw_data, else the typed field of this data type.
void locate_inline(const MessageCursor& c, const TensorFields& t, const OnnxType& type, uint64_t count,
                   uint64_t need, const std::string& what, TensorEntry& e) {
  if (t.raw.chunks > 0) {
    if (t.raw.chunks > 1) {
      e.problem = "raw_data occurs " + std::to_string(t.raw.chunks) + " times";
      return;
    }
    if (t.raw.length != need) {
      e.problem = "raw_data has " + std::to_string(t.raw.length) + " bytes but " + what + " needs " +
                  std::to_string(need);
      return;
    }
    e.offset = t.raw.offset;
    e.byte_size = t.raw.length;
    return;
  }
  const Payload& p = t.typed[int(type.typed_field)];
  const char* field = onnx_field_name(type.typed_field);
  if (p.chunks == 0) {
    for (int i = 1; i < kFieldSlots; ++i) {
      if (t.typed[i].chunks > 0) {
        e.problem = std::string("stores its values in ") + onnx_field_name(OnnxField(i)) + ", but " +
                    type.name + " belongs in " + field;
        return;
      }
    }
    if (count != 0) e.problem = "has no data (no raw_data, " + std::string(field) + " or external data)";
    return;  // an empty tensor: zero bytes at offset 0
  }
  if (p.chunks > 1) {
    e.problem = std::string(field) + " is written in " + std::to_string(p.chunks) +
                " pieces (unpacked or split), which this reader does not support";
    return;
  }
  const bool fixed = type.typed_field == OnnxField::FloatData || type.typed_field == OnnxField::DoubleData;
  const uint64_t item = type.typed_field == OnnxField::DoubleData ? 8 : 4;
  uint64_t values = 1;
  if (p.packed && fixed) {
    values = p.length / item;
  } else if (p.packed) {
    // A bad varint inside an intact field spoils this tensor only: a problem, not an open error.
    try {
      values = c.count_varints(Field{0, WireType::Len, 0, p.offset, p.length});
    } catch (const Error& err) {
      const std::string prefix = c.reader().source().name() + ": ";
      const std::string text = err.what();
      e.problem = text.compare(0, prefix.size(), prefix) == 0 ? text.substr(prefix.size()) : text;
      return;
    }
  }
  if (values != count || (fixed && p.length % item != 0)) {
    e.problem = std::string(field) + " has " + std::to_string(values) + " values but " + what + " needs " +
                std::to_string(count);
    return;
  }
  e.offset = p.offset;
  e.byte_size = p.length;
  if (!fixed) e.encoding = Encoding::PackedVarint;
}

}  // namespace

int64_t OnnxExternalFiles::find(const std::string& name) {
  file_index_.resize(companions_.size(), -1);
  for (size_t i = 0; i < companions_.size(); ++i) {
    if (companions_[i]->name() != name) continue;
    if (file_index_[i] < 0) {
      file_index_[i] = static_cast<int64_t>(model_.files.size());
      model_.files.push_back(companions_[i]);
    }
    return file_index_[i];
  }
  if (warned_.insert(name).second) {
    model_.warnings.push_back("external data file '" + name +
                              "' was not selected: select it together with the model to read the tensors stored in it");
  }
  return -1;
}

TensorEntry parse_onnx_tensor(const MessageCursor& tensor, Model& model, OnnxExternalFiles& external) {
  const TensorFields t = read_fields(tensor);
  TensorEntry e;
  e.name = t.name;
  e.shape = t.dims;
  const OnnxType type = onnx_type(static_cast<int32_t>(t.data_type));
  e.stored_type = onnx_type_name(static_cast<int32_t>(t.data_type));
  e.dtype = type.dtype;
  uint64_t count = 0;
  if (!t.has_type || t.data_type == 0) {
    e.problem = "has no data_type (UNDEFINED)";
    e.dtype = DType::Unsupported;
  } else if (t.data_type != static_cast<int32_t>(t.data_type) || !*type.name) {
    e.problem = "unknown ONNX data type " + std::to_string(t.data_type);
  } else if (type.dtype == DType::Unsupported) {
    e.problem = "ONNX type " + e.stored_type + " is not supported yet";
  } else if (t.has_segment) {
    e.problem = "is split into segments, which this reader does not support";
  } else if (t.too_many_dims) {
    e.problem = "has more than " + std::to_string(kMaxRank) + " dimensions";
  } else {
    e.problem = count_elements(t.dims, &count);
  }
  if (!e.problem.empty()) return e;

  uint64_t need = 0;
  try {
    need = storage_bytes(e.dtype, count);
  } catch (const Error& err) {
    e.problem = err.what();
    return e;
  }
  const std::string what = e.stored_type + shape_to_string(e.shape);
  if (t.external) locate_external(t, need, what, model, external, e);
  else locate_inline(tensor, t, type, count, need, what, e);
  if (e.problem.empty()) e.problem = check_entry(model, e);
  return e;
}

}  // namespace qp::io
