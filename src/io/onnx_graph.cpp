#include "io/onnx_graph.h"

#include <algorithm>

#include "io/onnx_types.h"

namespace qp::io {

namespace {

using pb::Field;
using pb::MessageCursor;
using pb::WireType;

constexpr size_t kMaxNameBytes = 1024;
constexpr size_t kMaxShownDims = 64;

// TensorShapeProto as "[1, batch, ?]".
std::string describe_shape(const MessageCursor& shape) {
  MessageCursor c = shape;
  std::string out = "[";
  size_t shown = 0;
  Field f;
  while (c.next(f)) {
    if (f.number != 1) continue;
    MessageCursor dim = c.sub(f, "TensorShapeProto.Dimension");
    if (shown++ == kMaxShownDims) out += ", ...";
    if (shown > kMaxShownDims) continue;
    std::string text = "?";
    Field d;
    while (dim.next(d)) {
      if (d.number == 1) {
        dim.expect(d, WireType::Varint, "dim_value");
        text = std::to_string(pb::as_int64(d.value));
      } else if (d.number == 2) {
        text = dim.string(d, kMaxNameBytes);
      }
    }
    out += (shown > 1 ? ", " : "") + text;
  }
  return out + "]";
}

// TypeProto.Tensor (also used by sparse_tensor_type) as "float32[1, 784]".
std::string describe_tensor_type(const MessageCursor& tensor_type) {
  MessageCursor c = tensor_type;
  std::string elem = "?";
  std::string shape;
  Field f;
  while (c.next(f)) {
    if (f.number == 1) {
      c.expect(f, WireType::Varint, "elem_type");
      const OnnxType t = onnx_type(static_cast<int32_t>(f.value));
      elem = *t.value_name ? t.value_name : "type " + std::to_string(pb::as_int64(f.value));
    } else if (f.number == 2) {
      shape = describe_shape(c.sub(f, "TensorShapeProto"));
    }
  }
  return elem + shape;
}

std::string describe_type(const MessageCursor& type) {
  MessageCursor c = type;
  Field f;
  while (c.next(f)) {
    switch (f.number) {
      case 1: return describe_tensor_type(c.sub(f, "TypeProto.Tensor"));
      case 4: return "sequence";
      case 5: return "map";
      case 8: return "sparse " + describe_tensor_type(c.sub(f, "TypeProto.SparseTensor"));
      case 9: return "optional";
      default: break;
    }
  }
  return "";
}

// ValueInfoProto: {name, "name: float32[1, 784]"}.
std::pair<std::string, std::string> describe_value(const MessageCursor& value_info) {
  MessageCursor c = value_info;
  std::string name, type;
  Field f;
  while (c.next(f)) {
    if (f.number == 1) name = c.string(f, kMaxNameBytes);
    else if (f.number == 2) type = describe_type(c.sub(f, "TypeProto"));
  }
  return {name, type.empty() ? name : name + ": " + type};
}

}  // namespace

void OnnxGraphWalker::walk(const MessageCursor& graph, bool top_level) {
  MessageCursor c = graph;
  Field f;
  while (c.next(f)) {
    switch (f.number) {
      case 1: walk_node(c.sub(f, "NodeProto")); break;
      case 2:
        if (top_level) graph_name = c.string(f, kMaxNameBytes);
        else c.expect(f, WireType::Len, "name");
        break;
      case 5: {
        TensorEntry e = parse_onnx_tensor(c.sub(f, "TensorProto"), model_, external_);
        if (top_level) initializer_names_.insert(e.name);
        model_.tensors.push_back(std::move(e));
        break;
      }
      case 11:
        if (top_level) inputs_.push_back(describe_value(c.sub(f, "ValueInfoProto")));
        else c.expect(f, WireType::Len, "input");
        break;
      case 12:
        if (top_level) outputs_.push_back(describe_value(c.sub(f, "ValueInfoProto")).second);
        else c.expect(f, WireType::Len, "output");
        break;
      case 15:
        c.expect(f, WireType::Len, "sparse_initializer");
        ++sparse_initializers_;
        break;
      default:
        break;
    }
  }
}

void OnnxGraphWalker::walk_node(const MessageCursor& node) {
  MessageCursor c = node;
  std::string op_type, domain;
  Field f;
  while (c.next(f)) {
    if (f.number == 4) {
      op_type = c.string(f, kMaxNameBytes);
    } else if (f.number == 7) {
      domain = c.string(f, kMaxNameBytes);
    } else if (f.number == 5) {
      // AttributeProto: g (6) and graphs (11) hold the bodies of If, Loop and Scan.
      MessageCursor attr = c.sub(f, "AttributeProto");
      Field a;
      while (attr.next(a)) {
        if (a.number == 6 || a.number == 11) walk(attr.sub(a, "GraphProto"), false);
      }
    }
  }
  const std::string key = domain.empty() || domain == "ai.onnx" ? op_type : domain + ":" + op_type;
  ++op_counts_[key];
  ++node_count_;
}

void OnnxGraphWalker::finish() {
  GraphSummary& g = model_.graph;
  for (const auto& [op, n] : op_counts_) g.op_counts.push_back({op, n});
  std::stable_sort(g.op_counts.begin(), g.op_counts.end(),
                   [](const OpCount& a, const OpCount& b) { return a.count > b.count; });
  g.node_count = node_count_;
  // Before IR version 4 every initializer was also a graph input; those are weights, not inputs.
  for (const auto& [name, text] : inputs_) {
    if (!initializer_names_.count(name)) g.inputs.push_back(text);
  }
  g.outputs = outputs_;
  if (sparse_initializers_ > 0) {
    model_.warnings.push_back("sparse initializers are not listed (" + std::to_string(sparse_initializers_) +
                              " in the graph; sparse_initializer is not supported yet)");
  }
}

}  // namespace qp::io
