#include "io/safetensors.h"

#include <algorithm>
#include <cstring>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace qp::io {

namespace {

using ordered_json = nlohmann::ordered_json;

struct DTypeName {
  const char* name;
  DType dtype;
};
// The format's dtype names (safetensors' Dtype enum).
constexpr DTypeName kDTypes[] = {
    {"F64", DType::F64}, {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16},
    {"F8_E4M3", DType::F8_E4M3FN}, {"F8_E5M2", DType::F8_E5M2},
    {"I64", DType::I64}, {"I32", DType::I32}, {"I16", DType::I16}, {"I8", DType::I8},
    {"U64", DType::U64}, {"U32", DType::U32}, {"U16", DType::U16}, {"U8", DType::U8},
    {"BOOL", DType::Bool},
};

DType dtype_from_name(const std::string& s) {
  for (const auto& d : kDTypes) if (s == d.name) return d.dtype;
  return DType::Unsupported;
}

const char* name_of_dtype(DType t) {
  for (const auto& d : kDTypes) if (d.dtype == t) return d.name;
  throw Error(std::string("safetensors has no dtype for ") + dtype_name(t));
}

uint64_t load_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

uint64_t json_u64(const ordered_json& v, const std::string& what) {
  if (!v.is_number_unsigned()) {
    if (v.is_number_integer()) throw Error(what + " is negative");
    throw Error(what + " is not a non-negative integer");
  }
  return v.get<uint64_t>();
}

struct Span {
  uint64_t begin, end;
  size_t tensor;
};

// Lists one shard; appends to `model` (whose files already include `file` at index `file_index`).
void list_shard(Model& model, uint32_t file_index) {
  ByteSource& file = *model.files[file_index];
  const std::string& fname = file.name();
  uint8_t prefix[8];
  if (file.size() < 8) throw Error(fname + ": too short for a safetensors file (" + std::to_string(file.size()) + " bytes)");
  file.read(0, 8, prefix);
  const uint64_t header_len = load_u64_le(prefix);
  if (header_len > kSafetensorsMaxHeader) {
    throw Error(fname + ": header length " + std::to_string(header_len) +
                " is over the format's 100 MB limit (corrupt or not a safetensors file)");
  }
  if (header_len > file.size() - 8) {
    throw Error(fname + ": header length " + std::to_string(header_len) +
                " runs past the end of the file (" + std::to_string(file.size()) + " bytes): truncated?");
  }
  const std::vector<uint8_t> text = file.read_vector(8, static_cast<size_t>(header_len));
  if (text.empty() || text[0] != '{') throw Error(fname + ": header is not a JSON object");
  ordered_json header;
  try {
    header = ordered_json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    throw Error(fname + ": header is not valid JSON (" + e.what() + ")");
  }
  if (!header.is_object()) throw Error(fname + ": header is not a JSON object");

  const uint64_t data_start = 8 + header_len;
  const uint64_t data_len = file.size() - data_start;
  std::vector<Span> spans;
  const size_t first = model.tensors.size();
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& key = it.key();
    if (key == "__metadata__") {
      if (!it.value().is_object()) throw Error(fname + ": __metadata__ is not an object of strings");
      for (auto m = it.value().begin(); m != it.value().end(); ++m) {
        if (!m.value().is_string()) throw Error(fname + ": __metadata__ value '" + m.key() + "' is not a string");
        model.metadata.emplace_back(m.key(), m.value().get<std::string>());
      }
      continue;
    }
    const std::string where = fname + ": tensor '" + key + "'";
    const ordered_json& info = it.value();
    if (!info.is_object()) throw Error(where + ": entry is not an object");
    if (!info.contains("dtype") || !info["dtype"].is_string()) throw Error(where + ": missing dtype");
    if (!info.contains("shape") || !info["shape"].is_array()) throw Error(where + ": missing shape");
    if (!info.contains("data_offsets") || !info["data_offsets"].is_array() || info["data_offsets"].size() != 2) {
      throw Error(where + ": data_offsets must be [begin, end]");
    }
    TensorEntry t;
    t.name = key;
    t.stored_type = info["dtype"].get<std::string>();
    t.dtype = dtype_from_name(t.stored_type);
    for (const auto& d : info["shape"]) t.shape.push_back(static_cast<int64_t>(std::min<uint64_t>(
        json_u64(d, where + ": shape entry"), static_cast<uint64_t>(INT64_MAX))));
    const uint64_t begin = json_u64(info["data_offsets"][0], where + ": data_offsets begin");
    const uint64_t end = json_u64(info["data_offsets"][1], where + ": data_offsets end");
    if (end < begin) throw Error(where + ": data_offsets end " + std::to_string(end) + " is before begin " + std::to_string(begin));
    if (end > data_len) {
      throw Error(where + ": data_offsets end " + std::to_string(end) + " is past the data section (" +
                  std::to_string(data_len) + " bytes): truncated file?");
    }
    t.file = file_index;
    t.offset = data_start + begin;
    t.byte_size = end - begin;
    if (t.dtype == DType::Unsupported) {
      t.problem = "safetensors dtype " + t.stored_type + " is not supported yet";
    } else {
      const std::string problem = check_entry(model, t);
      if (!problem.empty()) throw Error(where + ": " + problem);
    }
    spans.push_back({begin, end, model.tensors.size()});
    model.tensors.push_back(std::move(t));
  }
  // As the format's own reader: sorted by offset, the tensors tile the data section exactly.
  std::sort(spans.begin(), spans.end(), [](const Span& a, const Span& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t at = 0;
  for (const Span& s : spans) {
    const std::string& name = model.tensors[s.tensor].name;
    if (s.begin < at) throw Error(fname + ": tensor '" + name + "' overlaps the tensor before it (starts at " + std::to_string(s.begin) + ", previous ends at " + std::to_string(at) + ")");
    if (s.begin > at) throw Error(fname + ": gap in the data section before tensor '" + name + "' (bytes " + std::to_string(at) + ".." + std::to_string(s.begin) + " belong to no tensor)");
    at = s.end;
  }
  if (at != data_len) {
    throw Error(fname + ": the data section has " + std::to_string(data_len - at) +
                " bytes after the last tensor that belong to no tensor");
  }
  (void)first;
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

Model open_safetensors(const std::vector<std::shared_ptr<ByteSource>>& files) {
  Model model;
  model.format = "safetensors";
  std::shared_ptr<ByteSource> index;
  for (const auto& f : files) {
    if (ends_with(f->name(), ".json")) {
      if (index) throw Error(f->name() + ": only one .index.json can be opened at a time (also got " + index->name() + ")");
      index = f;
    } else {
      model.files.push_back(f);
    }
  }
  std::map<std::string, std::string> weight_map;  // tensor -> shard file name
  if (index) {
    const std::vector<uint8_t> text = read_all(*index, kSafetensorsMaxHeader);
    ordered_json j;
    try {
      j = ordered_json::parse(text.begin(), text.end());
    } catch (const nlohmann::json::exception& e) {
      throw Error(index->name() + ": not valid JSON (" + e.what() + ")");
    }
    if (!j.is_object() || !j.contains("weight_map") || !j["weight_map"].is_object()) {
      throw Error(index->name() + ": no \"weight_map\" object: not a safetensors index");
    }
    for (auto it = j["weight_map"].begin(); it != j["weight_map"].end(); ++it) {
      if (!it.value().is_string()) throw Error(index->name() + ": weight_map entry '" + it.key() + "' is not a file name");
      weight_map[it.key()] = it.value().get<std::string>();
    }
    if (j.contains("metadata") && j["metadata"].is_object()) {
      for (auto it = j["metadata"].begin(); it != j["metadata"].end(); ++it) {
        model.metadata.emplace_back(it.key(), it.value().is_string() ? it.value().get<std::string>() : it.value().dump());
      }
    }
  }
  if (model.files.empty() && weight_map.empty()) throw Error(index->name() + ": the index names no shard");
  for (uint32_t i = 0; i < model.files.size(); ++i) list_shard(model, i);

  // One model: tensor names must be unique across shards.
  std::map<std::string, uint32_t> seen;
  for (const TensorEntry& t : model.tensors) {
    auto [pos, fresh] = seen.emplace(t.name, t.file);
    if (!fresh) {
      throw Error("tensor '" + t.name + "' is in both " + model.files[pos->second]->name() + " and " +
                  model.files[t.file]->name());
    }
  }
  if (index) {
    std::set<std::string> missing_shards;
    for (const auto& [tensor, shard] : weight_map) {
      auto found = seen.find(tensor);
      if (found == seen.end()) {
        missing_shards.insert(shard);
        TensorEntry t;
        t.name = tensor;
        t.dtype = DType::Unsupported;
        t.stored_type = "?";
        t.problem = "is in shard " + shard + ", which was not selected";
        model.tensors.push_back(std::move(t));
      } else if (model.files[found->second]->name() != shard) {
        model.warnings.push_back(index->name() + " puts '" + tensor + "' in " + shard + " but it was found in " +
                                 model.files[found->second]->name());
      }
    }
    if (!missing_shards.empty()) {
      std::string list;
      for (const auto& s : missing_shards) list += (list.empty() ? "" : ", ") + s;
      model.warnings.push_back("missing shards (select them together with the others): " + list);
    }
  }
  return model;
}

std::vector<uint8_t> encode_safetensors(const std::vector<SafetensorsTensor>& tensors,
                                        const std::vector<std::pair<std::string, std::string>>& metadata) {
  ordered_json header = ordered_json::object();
  if (!metadata.empty()) {
    ordered_json meta = ordered_json::object();
    for (const auto& [k, v] : metadata) meta[k] = v;
    header["__metadata__"] = meta;
  }
  uint64_t offset = 0;
  std::set<std::string> names;
  for (const auto& t : tensors) {
    if (t.name == "__metadata__" || !names.insert(t.name).second) {
      throw Error("cannot export: duplicate or reserved tensor name '" + t.name + "'");
    }
    const uint64_t need = storage_bytes(t.dtype, element_count(t.shape));
    if (need != t.bytes.size()) throw Error("cannot export '" + t.name + "': byte size does not match its shape");
    ordered_json info;
    info["dtype"] = name_of_dtype(t.dtype);
    info["shape"] = t.shape;
    info["data_offsets"] = {offset, offset + need};
    header[t.name] = info;
    offset += need;
  }
  std::string text = header.dump();
  // Pad the header with spaces so the data section starts 8-byte aligned, as the format's writer does.
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');
  std::vector<uint8_t> out(8 + text.size());
  const uint64_t len = text.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(len >> (8 * i));
  std::memcpy(out.data() + 8, text.data(), text.size());
  out.reserve(out.size() + offset);
  for (const auto& t : tensors) out.insert(out.end(), t.bytes.begin(), t.bytes.end());
  return out;
}

}  // namespace qp::io
