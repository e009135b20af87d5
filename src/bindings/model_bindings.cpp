#include "bindings/model_bindings.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bindings/convert.h"
#include "bindings/guard.h"
#include "bindings/js_io.h"
#include "bindings/scheme_bindings.h"
#include "core/error.h"
#include "io/model_open.h"
#include "io/safetensors.h"
#include "quant/tensor_analysis.h"

namespace qp::bindings {

namespace {

struct OpenModel {
  io::Model model;
  std::unique_ptr<JsInflater> inflater;
};

std::map<int, OpenModel>& table() {
  static std::map<int, OpenModel> models;
  return models;
}

val shape_to_js(const Shape& shape) {
  val out = val::array();
  for (int64_t d : shape) out.call<void>("push", static_cast<double>(d));
  return out;
}

val strings_to_js(const std::vector<std::string>& v) {
  val out = val::array();
  for (const auto& s : v) out.call<void>("push", val(s));
  return out;
}

val model_info(int id, const io::Model& m) {
  val info = val::object();
  info.set("id", id);
  info.set("format", m.format);
  val files = val::array();
  for (const auto& f : m.files) {
    val file = val::object();
    file.set("name", f->name());
    file.set("size", static_cast<double>(f->size()));
    files.call<void>("push", file);
  }
  info.set("files", files);
  val tensors = val::array();
  for (const io::TensorEntry& t : m.tensors) {
    val e = val::object();
    e.set("name", t.name);
    e.set("dtype", std::string(io::dtype_name(t.dtype)));
    e.set("storedType", t.stored_type);
    e.set("shape", shape_to_js(t.shape));
    double params = 1;
    for (int64_t d : t.shape) params *= static_cast<double>(d);
    e.set("parameters", params);
    e.set("bytes", static_cast<double>(t.byte_size));
    e.set("file", t.file);
    e.set("problem", t.problem);
    tensors.call<void>("push", e);
  }
  info.set("tensors", tensors);
  val metadata = val::array();
  for (const auto& [k, v] : m.metadata) {
    val pair = val::array();
    pair.call<void>("push", val(k));
    pair.call<void>("push", val(v));
    metadata.call<void>("push", pair);
  }
  info.set("metadata", metadata);
  val graph = val::object();
  graph.set("nodeCount", static_cast<double>(m.graph.node_count));
  val ops = val::array();
  for (const auto& op : m.graph.op_counts) {
    val o = val::object();
    o.set("opType", op.op_type);
    o.set("count", static_cast<double>(op.count));
    ops.call<void>("push", o);
  }
  graph.set("opCounts", ops);
  graph.set("inputs", strings_to_js(m.graph.inputs));
  graph.set("outputs", strings_to_js(m.graph.outputs));
  info.set("graph", graph);
  info.set("warnings", strings_to_js(m.warnings));
  return info;
}

}  // namespace

val open_model(val sources, val inflate_raw) {
  return guarded([&]() -> val {
    const int n = sources["length"].as<int>();
    std::vector<std::shared_ptr<io::ByteSource>> files;
    for (int i = 0; i < n; ++i) files.push_back(std::make_shared<JsByteSource>(sources[i]));
    auto inflater = std::make_unique<JsInflater>(inflate_raw);
    io::Model model = io::open_model(files, inflater.get());
    static int next_id = 1;
    const int id = next_id++;
    val info = model_info(id, model);
    table()[id] = OpenModel{std::move(model), std::move(inflater)};
    return info;
  });
}

namespace {

OpenModel& open_model_entry(int id, int index) {
  auto it = table().find(id);
  if (it == table().end()) throw Error("this model was closed; open the file again");
  if (index < 0 || static_cast<size_t>(index) >= it->second.model.tensors.size())
    throw Error("no tensor number " + std::to_string(index));
  return it->second;
}

}  // namespace

val read_model_tensor(int id, int index) {
  return guarded([&]() -> val {
    OpenModel& open = open_model_entry(id, index);
    const io::TensorData data = io::read_tensor_f32(open.model, static_cast<size_t>(index), open.inflater.get());
    val out = val::object();
    out.set("name", open.model.tensors[index].name);
    out.set("shape", shape_to_js(data.shape));
    out.set("data", copy_out("Float32Array", data.values.data(), data.values.size()));
    return out;
  });
}

val analyze_model_tensor(int id, int index, val options) {
  return guarded([&]() -> val {
    OpenModel& open = open_model_entry(id, index);
    const bool with_scheme = !options.isUndefined() && !options.isNull();
    const QuantSpec spec = with_scheme ? spec_from_options(options) : QuantSpec{};
    const io::TensorData data = io::read_tensor_f32(open.model, static_cast<size_t>(index), open.inflater.get());
    const TensorAnalysis a = analyze_tensor(data.values.data(), data.values.size(), data.shape, with_scheme ? &spec : nullptr);
    val out = val::object();
    out.set("name", open.model.tensors[index].name);
    out.set("shape", shape_to_js(data.shape));
    out.set("stats", stats_to_js(a.stats));
    out.set("quantized", a.quantized ? quantized_to_js(*a.quantized) : val::null());
    out.set("quantizeError", a.quantize_error.empty() ? val::null() : val(a.quantize_error));
    return out;
  });
}

val compare_model_tensor(int id, int index, val options_list) {
  return guarded([&]() -> val {
    OpenModel& open = open_model_entry(id, index);
    std::vector<SchemeSpec> specs;
    const int count = options_list["length"].as<int>();
    for (int i = 0; i < count; ++i) specs.push_back(scheme_spec_from_options(options_list[i]));
    const io::TensorData data = io::read_tensor_f32(open.model, static_cast<size_t>(index), open.inflater.get());
    val rows = val::array();
    for (const SchemeSpec& spec : specs)
      rows.call<void>("push", row_to_js(compare_one(data.values.data(), data.values.size(), data.shape, spec)));
    return rows;
  });
}

void close_model(int id) { table().erase(id); }

val encode_safetensors(val tensors, val metadata) {
  return guarded([&]() -> val {
    std::vector<io::SafetensorsTensor> list;
    const int n = tensors["length"].as<int>();
    for (int i = 0; i < n; ++i) {
      const val t = tensors[i];
      io::SafetensorsTensor out;
      out.name = t["name"].as<std::string>();
      const std::string dtype = t["dtype"].as<std::string>();
      out.dtype = io::DType::Unsupported;
      for (io::DType d : {io::DType::F32, io::DType::F16, io::DType::BF16, io::DType::F64, io::DType::I8,
                          io::DType::U8, io::DType::I16, io::DType::U16, io::DType::I32, io::DType::U32,
                          io::DType::I64, io::DType::U64, io::DType::Bool}) {
        if (dtype == io::dtype_name(d)) out.dtype = d;
      }
      if (out.dtype == io::DType::Unsupported) throw Error("cannot export dtype '" + dtype + "'");
      const int rank = t["shape"]["length"].as<int>();
      for (int d = 0; d < rank; ++d) out.shape.push_back(static_cast<int64_t>(t["shape"][d].as<double>()));
      if (!t["bytes"].instanceof(val::global("Uint8Array"))) throw Error("tensor '" + out.name + "': bytes must be a Uint8Array");
      out.bytes = emscripten::convertJSArrayToNumberVector<uint8_t>(t["bytes"]);
      list.push_back(std::move(out));
    }
    std::vector<std::pair<std::string, std::string>> meta;
    const int m = metadata["length"].as<int>();
    for (int i = 0; i < m; ++i) meta.emplace_back(metadata[i][0].as<std::string>(), metadata[i][1].as<std::string>());
    const std::vector<uint8_t> file = io::encode_safetensors(list, meta);
    return copy_out("Uint8Array", file.data(), file.size());
  });
}

}  // namespace qp::bindings
