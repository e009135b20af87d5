#include "io/model_open.h"

#include <cstring>

#include "core/error.h"
#include "io/gguf.h"
#include "io/npy.h"
#include "io/npz.h"
#include "io/onnx.h"
#include "io/pytorch.h"
#include "io/safetensors.h"

namespace qp::io {

namespace {

bool ends_with(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  if (s.size() < n) return false;
  for (size_t i = 0; i < n; ++i) {
    if (std::tolower(static_cast<unsigned char>(s[s.size() - n + i])) != suffix[i]) return false;
  }
  return true;
}

bool starts_with(const std::vector<uint8_t>& b, const char* magic, size_t n) {
  return b.size() >= n && std::memcmp(b.data(), magic, n) == 0;
}

// Appends the tensors of `part` to `into`, renumbering file indices.
void merge_into(Model& into, Model part) {
  const uint32_t base = static_cast<uint32_t>(into.files.size());
  for (auto& f : part.files) into.files.push_back(std::move(f));
  for (auto& t : part.tensors) {
    t.file += base;
    into.tensors.push_back(std::move(t));
  }
  for (auto& kv : part.metadata) into.metadata.push_back(std::move(kv));
  for (auto& w : part.warnings) into.warnings.push_back(std::move(w));
}

}  // namespace

std::string sniff_format(ByteSource& file) {
  const std::vector<uint8_t> head = file.read_at_most(0, 16);
  const std::string& name = file.name();
  if (starts_with(head, "\x93NUMPY", 6)) return "npy";
  if (starts_with(head, "GGUF", 4)) return "gguf";
  if (starts_with(head, "PK\x03\x04", 4) || starts_with(head, "PK\x05\x06", 4)) {
    if (ends_with(name, ".npz")) return "npz";
    // A .pt/.pth zip goes to the PyTorch reader even without data.pkl, which then says so.
    if (ends_with(name, ".pt") || ends_with(name, ".pth")) return "pytorch";
    return looks_like_pytorch_zip(file) ? "pytorch" : "npz";
  }
  // The legacy (pre-1.6, non-zip) torch.save format starts with a pickled magic number.
  if (starts_with(head, "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19", 14)) return "pytorch-legacy";
  if (ends_with(name, ".index.json")) return "safetensors-index";
  // ONNX has no magic number, so its name decides before the safetensors heuristic below (an
  // ONNX file's 9th byte may happen to be '{').
  if (ends_with(name, ".onnx")) return "onnx";
  if (head.size() >= 9 && head[8] == '{') return "safetensors";
  if (ends_with(name, ".safetensors")) return "safetensors";
  if (ends_with(name, ".npy")) return "npy";
  if (ends_with(name, ".gguf")) return "gguf";
  if (ends_with(name, ".pt") || ends_with(name, ".pth")) return "pytorch";
  return "";
}

Model open_npy(std::shared_ptr<ByteSource> file) {
  // A v1 header is at most 65535 + 10 bytes, v2/v3 headers are rarely larger; read a bounded prefix.
  constexpr size_t kMaxHeader = 1 << 20;
  const std::vector<uint8_t> head = file->read_at_most(0, kMaxHeader);
  NpyHeader h;
  try {
    h = parse_npy_header(head.data(), head.size(), /*require_data=*/false);
  } catch (const Error& e) {
    throw Error(file->name() + ": " + e.what());
  }
  Model m;
  m.format = "npy";
  TensorEntry t;
  t.name = file->name();
  if (ends_with(t.name, ".npy")) t.name.resize(t.name.size() - 4);
  t.stored_type = h.descr;
  t.shape = h.shape;
  t.offset = h.data_offset;
  t.byte_size = h.data_bytes;
  t.big_endian = h.big_endian;
  switch (h.kind) {
    case 'f': t.dtype = h.item_size == 2 ? DType::F16 : h.item_size == 4 ? DType::F32 : DType::F64; break;
    case 'i': t.dtype = h.item_size == 1 ? DType::I8 : h.item_size == 2 ? DType::I16
                      : h.item_size == 4 ? DType::I32 : DType::I64; break;
    case 'u': t.dtype = h.item_size == 1 ? DType::U8 : h.item_size == 2 ? DType::U16
                      : h.item_size == 4 ? DType::U32 : DType::U64; break;
    default: t.dtype = DType::Bool; break;
  }
  if (h.fortran_order && h.shape.size() > 1) {
    // Fortran order: the first axis varies fastest.
    t.strides.assign(h.shape.size(), 1);
    for (size_t d = 1; d < h.shape.size(); ++d) t.strides[d] = t.strides[d - 1] * h.shape[d - 1];
  }
  m.files.push_back(std::move(file));
  const std::string problem = check_entry(m, t);
  if (!problem.empty()) throw Error(m.files[0]->name() + ": " + problem);
  m.tensors.push_back(std::move(t));
  return m;
}

Model open_model(const std::vector<std::shared_ptr<ByteSource>>& files, Inflater* inflater) {
  if (files.empty()) throw Error("no file was given");
  if (!inflater) inflater = native_inflater();

  std::vector<std::shared_ptr<ByteSource>> safetensors, others;
  std::shared_ptr<ByteSource> onnx;
  for (const auto& f : files) {
    const std::string fmt = sniff_format(*f);
    if (fmt == "safetensors" || fmt == "safetensors-index") safetensors.push_back(f);
    else if (fmt == "onnx" && !onnx) onnx = f;
    else others.push_back(f);
  }
  // ONNX: the model plus its external data files.
  if (onnx) {
    std::vector<std::shared_ptr<ByteSource>> companions = others;
    companions.insert(companions.end(), safetensors.begin(), safetensors.end());
    return open_onnx(onnx, companions);
  }

  Model out;
  if (!safetensors.empty()) out = open_safetensors(safetensors);
  for (const auto& f : others) {
    const std::string fmt = sniff_format(*f);
    Model part;
    if (fmt == "npy") part = open_npy(f);
    else if (fmt == "npz") part = open_npz(f, inflater);
    else if (fmt == "pytorch") part = open_pytorch(f, inflater);
    else if (fmt == "gguf") part = open_gguf(f);
    else if (fmt == "pytorch-legacy") {
      throw Error(f->name() + ": this is PyTorch's legacy (pre-1.6) checkpoint format, which is not "
                  "supported; re-save it with torch.save(...) from PyTorch 1.6 or later");
    } else {
      throw Error(f->name() + ": unrecognised file format (expected .safetensors, .npy, .npz, "
                  ".onnx, .gguf, .pt or .pth)");
    }
    if (files.size() == 1) return part;
    if (out.format.empty()) out.format = part.format;
    else if (out.format != part.format) out.format = "mixed";
    merge_into(out, std::move(part));
  }
  return out;
}

}  // namespace qp::io
