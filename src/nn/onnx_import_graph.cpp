#include "nn/onnx_import_graph.h"

#include <cstring>

#include "core/error.h"
#include "io/onnx_tensor.h"
#include "io/protobuf_wire.h"

namespace qp::nn {

namespace {

using io::pb::Field;
using io::pb::MessageCursor;
using io::pb::WireType;

constexpr size_t kMaxNameBytes = 1024;
// Attribute lists of the operators we import hold a handful of values (kernel_shape, pads); the
// bound keeps a hostile list from growing a vector.
constexpr size_t kMaxListValues = 1024;
constexpr size_t kMaxRank = 64;

float float_of_bits(uint64_t bits) {
  const auto b = static_cast<uint32_t>(bits);
  float v;
  std::memcpy(&v, &b, 4);
  return v;
}

// A repeated int64 (ints) or float (floats) field: packed, or one value per tag.
void read_ints(const MessageCursor& c, const Field& f, std::vector<int64_t>& out) {
  if (f.wire_type == WireType::Varint) {
    if (out.size() >= kMaxListValues) c.fail(f.offset, "attribute list too long");
    out.push_back(io::pb::as_int64(f.value));
    return;
  }
  c.expect(f, WireType::Len, "ints");
  for (uint64_t p = f.offset, end = f.offset + f.length; p < end;) {
    if (out.size() >= kMaxListValues) c.fail(p, "attribute list too long");
    out.push_back(io::pb::as_int64(c.varint(p, end)));
  }
}

void read_floats(const MessageCursor& c, const Field& f, std::vector<float>& out) {
  if (f.wire_type == WireType::Fixed32) {
    if (out.size() >= kMaxListValues) c.fail(f.offset, "attribute list too long");
    out.push_back(float_of_bits(f.value));
    return;
  }
  c.expect(f, WireType::Len, "floats");
  if (f.length % 4 != 0) c.fail(f.offset, "packed floats of " + std::to_string(f.length) + " bytes");
  if (f.length / 4 + out.size() > kMaxListValues) c.fail(f.offset, "attribute list too long");
  const std::string bytes = c.reader().bytes(f.offset, static_cast<size_t>(f.length));
  for (size_t i = 0; i < bytes.size(); i += 4) {
    float v;
    std::memcpy(&v, bytes.data() + i, 4);
    out.push_back(v);
  }
}

class GraphReader {
 public:
  GraphReader(io::Model& model, const std::vector<std::shared_ptr<io::ByteSource>>& companions)
      : model_(model), external_(model, companions) {}

  void read_graph(const MessageCursor& graph, OnnxGraph& out) {
    MessageCursor c = graph;
    Field f;
    while (c.next(f)) {
      switch (f.number) {
        case 1: out.nodes.push_back(read_node(c.sub(f, "NodeProto"), out.nodes.size())); break;
        case 11: out.inputs.push_back(read_value(c.sub(f, "ValueInfoProto"))); break;
        case 12: out.outputs.push_back(read_value(c.sub(f, "ValueInfoProto"))); break;
        default: break;  // initializers were listed by io::open_onnx
      }
    }
  }

 private:
  OnnxNode read_node(const MessageCursor& node, size_t index) {
    OnnxNode n;
    MessageCursor c = node;
    Field f;
    while (c.next(f)) {
      switch (f.number) {
        case 1: n.inputs.push_back(c.string(f, kMaxNameBytes)); break;
        case 2: n.outputs.push_back(c.string(f, kMaxNameBytes)); break;
        case 3: n.name = c.string(f, kMaxNameBytes); break;
        case 4: n.op_type = c.string(f, kMaxNameBytes); break;
        case 5: n.attributes.push_back(read_attribute(c.sub(f, "AttributeProto"))); break;
        case 7: n.domain = c.string(f, kMaxNameBytes); break;
        default: break;
      }
    }
    if (n.domain == "ai.onnx") n.domain.clear();
    if (n.name.empty()) n.name = n.op_type + " #" + std::to_string(index);
    // A Constant's value is a tensor like an initializer, named by what the graph calls it.
    if (n.op_type == "Constant" && n.domain.empty() && n.outputs.size() == 1) {
      for (const OnnxAttribute& a : n.attributes) {
        if (a.name == "value" && a.tensor >= 0) model_.tensors[static_cast<size_t>(a.tensor)].name = n.outputs[0];
      }
    }
    return n;
  }

  OnnxAttribute read_attribute(const MessageCursor& attr) {
    OnnxAttribute a;
    MessageCursor c = attr;
    Field f;
    while (c.next(f)) {
      switch (f.number) {
        case 1: a.name = c.string(f, kMaxNameBytes); break;
        case 2:
          c.expect(f, WireType::Fixed32, "f");
          a.f = float_of_bits(f.value);
          break;
        case 3:
          c.expect(f, WireType::Varint, "i");
          a.i = io::pb::as_int64(f.value);
          break;
        case 4: a.s = c.string(f, kMaxNameBytes); break;
        case 5:
          model_.tensors.push_back(io::parse_onnx_tensor(c.sub(f, "TensorProto"), model_, external_));
          a.tensor = static_cast<int64_t>(model_.tensors.size() - 1);
          break;
        case 7: read_floats(c, f, a.floats); break;
        case 8: read_ints(c, f, a.ints); break;
        case 20:
          c.expect(f, WireType::Varint, "type");
          a.type = io::pb::as_int64(f.value);
          break;
        default: break;  // graphs, strings, sparse tensors: no operator we import uses them
      }
    }
    return a;
  }

  static OnnxValueInfo read_value(const MessageCursor& value_info) {
    OnnxValueInfo v;
    MessageCursor c = value_info;
    Field f;
    while (c.next(f)) {
      if (f.number == 1) v.name = c.string(f, kMaxNameBytes);
      else if (f.number == 2) read_type(c.sub(f, "TypeProto"), v);
    }
    return v;
  }

  static void read_type(const MessageCursor& type, OnnxValueInfo& v) {
    MessageCursor c = type;
    Field f;
    while (c.next(f)) {
      if (f.number != 1) continue;  // only tensor_type describes a network input
      MessageCursor tensor = c.sub(f, "TypeProto.Tensor");
      Field t;
      while (tensor.next(t)) {
        if (t.number == 1) {
          tensor.expect(t, WireType::Varint, "elem_type");
          v.elem_type = io::pb::as_int64(t.value);
        } else if (t.number == 2) {
          v.has_shape = true;
          read_shape(tensor.sub(t, "TensorShapeProto"), v.dims);
        }
      }
    }
  }

  static void read_shape(const MessageCursor& shape, std::vector<int64_t>& dims) {
    MessageCursor c = shape;
    Field f;
    while (c.next(f)) {
      if (f.number != 1) continue;
      if (dims.size() >= kMaxRank) c.fail(f.offset, "more than " + std::to_string(kMaxRank) + " dimensions");
      MessageCursor dim = c.sub(f, "TensorShapeProto.Dimension");
      int64_t value = -1;
      Field d;
      while (dim.next(d)) {
        if (d.number == 1) {
          dim.expect(d, WireType::Varint, "dim_value");
          value = io::pb::as_int64(d.value);
        }
      }
      dims.push_back(value);
    }
  }

  io::Model& model_;
  io::OnnxExternalFiles external_;
};

}  // namespace

const OnnxAttribute* OnnxNode::attribute(const std::string& attr_name) const {
  for (const OnnxAttribute& a : attributes) {
    if (a.name == attr_name) return &a;
  }
  return nullptr;
}

int64_t OnnxNode::int_attr(const std::string& attr_name, int64_t fallback) const {
  const OnnxAttribute* a = attribute(attr_name);
  return a ? a->i : fallback;
}

float OnnxNode::float_attr(const std::string& attr_name, float fallback) const {
  const OnnxAttribute* a = attribute(attr_name);
  return a ? a->f : fallback;
}

OnnxGraph read_onnx_graph(io::Model& model, const std::vector<std::shared_ptr<io::ByteSource>>& companions) {
  if (model.files.empty()) throw Error("read_onnx_graph: no model file");
  io::ByteSource& file = *model.files[0];
  io::pb::BufferedReader reader(file);
  MessageCursor top(reader, 0, file.size(), "ModelProto");
  GraphReader graph_reader(model, companions);
  OnnxGraph graph;
  Field f;
  while (top.next(f)) {
    if (f.number == 7) graph_reader.read_graph(top.sub(f, "GraphProto"), graph);
  }
  return graph;
}

}  // namespace qp::nn
