#include "nn/onnx_import_shapes.h"

#include <algorithm>
#include <utility>

namespace qp::nn {

namespace {

// A shape vector never holds more values than a tensor has axes; the bound keeps a hostile Concat
// chain from growing without end.
constexpr size_t kMaxValues = 64;
constexpr int kMaxDepth = 64;

}  // namespace

bool is_shape_op(const std::string& op_type) {
  return op_type == "Shape" || op_type == "Gather" || op_type == "Unsqueeze" || op_type == "Squeeze" ||
         op_type == "Concat" || op_type == "Cast";
}

ShapeValues::ShapeValues(const OnnxGraph& graph, Hooks hooks)
    : graph_(graph), hooks_(std::move(hooks)), shape_node_(graph.nodes.size(), false), used_(graph.nodes.size(), false) {
  for (size_t i = 0; i < graph_.nodes.size(); ++i) {
    const OnnxNode& n = graph_.nodes[i];
    if (!n.domain.empty() || !is_shape_op(n.op_type) || n.outputs.size() != 1) continue;
    bool ok = n.op_type == "Shape";  // reads only the shape of its input, whatever computes it
    if (!ok) {
      ok = !n.inputs.empty();
      for (const std::string& in : n.inputs) {
        if (!in.empty() && !hooks_.is_constant(in) && !producer_.count(in)) ok = false;
      }
    }
    if (!ok) continue;
    shape_node_[i] = true;
    producer_.emplace(n.outputs[0], i);
  }
}

ShapeValues::Ints ShapeValues::evaluate(const std::string& name) {
  const auto cached = cache_.find(name);
  if (cached != cache_.end()) return cached->second;
  const auto it = producer_.find(name);
  if (it == producer_.end()) return {};  // callers ask only about shape values
  used_[it->second] = true;
  // Evaluation recurses along the inputs; real shape computations are a few nodes deep, and the
  // bound keeps a hostile chain of thousands from exhausting the (small, in wasm) stack.
  if (depth_ >= kMaxDepth) hooks_.fail(graph_.nodes[it->second], "is part of a shape computation deeper than 64 nodes");
  ++depth_;
  Ints v;
  try {
    v = compute(graph_.nodes[it->second]);
  } catch (...) {
    --depth_;
    throw;
  }
  --depth_;
  cache_.emplace(name, v);
  return v;
}

ShapeValues::Ints ShapeValues::compute(const OnnxNode& n) {
  auto input = [&](size_t k) -> Ints {
    if (k >= n.inputs.size() || n.inputs[k].empty()) hooks_.fail(n, "needs input " + std::to_string(k));
    const std::string& in = n.inputs[k];
    return producer_.count(in) ? evaluate(in) : hooks_.constant(n, in);
  };
  if (n.op_type == "Shape") {
    Ints s = hooks_.shape_of(n, n.inputs.empty() ? std::string() : n.inputs[0]);
    const auto rank = static_cast<int64_t>(s.size());
    int64_t start = n.int_attr("start", 0), end = n.int_attr("end", rank);  // opset 15
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::min(std::max<int64_t>(start, 0), rank);
    end = std::min(std::max<int64_t>(end, start), rank);
    return Ints(s.begin() + start, s.begin() + end);
  }
  if (n.op_type == "Gather") {
    const Ints data = input(0), idx = input(1);
    if (n.int_attr("axis", 0) != 0) hooks_.fail(n, "only axis 0 is supported on a shape");
    Ints out;
    for (int64_t i : idx) {
      const auto size = static_cast<int64_t>(data.size());
      if (i < -size || i >= size) hooks_.fail(n, "index " + std::to_string(i) + " is outside a shape of " + std::to_string(size));
      out.push_back(data[static_cast<size_t>(i < 0 ? i + size : i)]);
    }
    return out;
  }
  if (n.op_type == "Concat") {
    if (n.int_attr("axis", 0) != 0) hooks_.fail(n, "only axis 0 is supported on a shape");
    Ints out;
    for (size_t k = 0; k < n.inputs.size(); ++k) {
      const Ints part = input(k);
      if (out.size() + part.size() > kMaxValues) hooks_.fail(n, "builds a shape of more than 64 values");
      out.insert(out.end(), part.begin(), part.end());
    }
    return out;
  }
  // Unsqueeze, Squeeze and Cast leave the values of a 0-D or 1-D shape tensor as they are.
  return input(0);
}

}  // namespace qp::nn
