// ModelProto (onnx.proto): metadata fields are read here, the graph by OnnxGraphWalker.
#include "io/onnx.h"

#include "core/error.h"
#include "io/onnx_graph.h"
#include "io/protobuf_wire.h"

namespace qp::io {

namespace {

using pb::Field;
using pb::MessageCursor;
using pb::WireType;

constexpr size_t kMaxTextBytes = 4096;
constexpr size_t kMaxDocBytes = 500;

std::pair<std::string, std::string> read_string_entry(const MessageCursor& entry) {
  MessageCursor c = entry;
  std::pair<std::string, std::string> kv;
  Field f;
  while (c.next(f)) {
    if (f.number == 1) kv.first = c.string(f, kMaxTextBytes);
    else if (f.number == 2) kv.second = c.string(f, kMaxTextBytes);
  }
  return kv;
}

// OperatorSetIdProto as "ai.onnx 17".
std::string read_opset(const MessageCursor& opset) {
  MessageCursor c = opset;
  std::string domain;
  int64_t version = 0;
  Field f;
  while (c.next(f)) {
    if (f.number == 1) {
      domain = c.string(f, kMaxTextBytes);
    } else if (f.number == 2) {
      c.expect(f, WireType::Varint, "version");
      version = pb::as_int64(f.value);
    }
  }
  return (domain.empty() ? "ai.onnx" : domain) + " " + std::to_string(version);
}

}  // namespace

Model open_onnx(std::shared_ptr<ByteSource> file, const std::vector<std::shared_ptr<ByteSource>>& companions) {
  Model m;
  m.format = "onnx";
  m.files.push_back(file);
  if (file->size() == 0) throw Error(file->name() + ": the file is empty");

  pb::BufferedReader reader(*file);
  MessageCursor model(reader, 0, file->size(), "ModelProto");
  OnnxExternalFiles external(m, companions);
  OnnxGraphWalker walker(m, external);

  std::string ir_version, producer_name, producer_version, domain, model_version, doc_string, opsets;
  std::vector<std::pair<std::string, std::string>> props;
  bool has_graph = false;
  Field f;
  while (model.next(f)) {
    switch (f.number) {
      case 1:
        model.expect(f, WireType::Varint, "ir_version");
        ir_version = std::to_string(pb::as_int64(f.value));
        break;
      case 2: producer_name = model.string(f, kMaxTextBytes); break;
      case 3: producer_version = model.string(f, kMaxTextBytes); break;
      case 4: domain = model.string(f, kMaxTextBytes); break;
      case 5:
        model.expect(f, WireType::Varint, "model_version");
        model_version = std::to_string(pb::as_int64(f.value));
        break;
      case 6: doc_string = model.string(f, kMaxDocBytes); break;
      case 7:
        walker.walk(model.sub(f, "GraphProto"), true);
        has_graph = true;
        break;
      case 8: opsets += (opsets.empty() ? "" : ", ") + read_opset(model.sub(f, "OperatorSetIdProto")); break;
      case 14:
        if (props.size() < 1024) props.push_back(read_string_entry(model.sub(f, "StringStringEntryProto")));
        else model.expect(f, WireType::Len, "metadata_props");
        break;
      default:
        break;  // training_info, functions, configuration: not needed to list weights
    }
  }
  if (!has_graph) throw Error(file->name() + ": no ONNX graph found (is this an ONNX model?)");
  walker.finish();

  auto add = [&m](const char* key, const std::string& value) {
    if (!value.empty()) m.metadata.emplace_back(key, value);
  };
  add("ir_version", ir_version);
  add("producer", producer_name + (producer_version.empty() ? "" : " " + producer_version));
  add("opset", opsets);
  add("domain", domain);
  add("model_version", model_version);
  add("graph_name", walker.graph_name);
  for (auto& kv : props) m.metadata.push_back(std::move(kv));
  add("doc_string", doc_string);
  return m;
}

}  // namespace qp::io
