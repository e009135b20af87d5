// The small side computations on tensor shapes that torch.onnx writes for x.view(x.size(0), -1)
// when the batch axis is symbolic (dynamic_axes):
//   Shape(x) → Gather(index 0) → Unsqueeze → Concat(with [-1]) → Reshape's shape input.
// The importer evaluates them on int64 vectors in which the batch dimension is a symbol
// (kBatchDim), so that Reshape sees [batch, -1] and becomes a Flatten.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "nn/onnx_import_graph.h"

namespace qp::nn {

constexpr int64_t kBatchDim = std::numeric_limits<int64_t>::min();

// Operators evaluated here: Shape, and Gather, Unsqueeze, Squeeze, Concat, Cast when every input
// is a constant or another shape value.
bool is_shape_op(const std::string& op_type);

class ShapeValues {
 public:
  using Ints = std::vector<int64_t>;
  struct Hooks {
    std::function<bool(const std::string&)> is_constant;
    std::function<Ints(const OnnxNode&, const std::string&)> constant;   // a constant's values
    std::function<Ints(const OnnxNode&, const std::string&)> shape_of;   // a chain value's ONNX shape
    std::function<void(const OnnxNode&, const std::string&)> fail;       // throws
  };

  // Finds the shape-only nodes (file order is topological, as ONNX requires).
  ShapeValues(const OnnxGraph& graph, Hooks hooks);

  bool is_shape_node(size_t node) const { return shape_node_[node]; }
  bool is_shape_value(const std::string& name) const { return producer_.count(name) > 0; }
  // The value's contents; marks the nodes it needs as used.
  Ints evaluate(const std::string& name);
  bool used(size_t node) const { return used_[node]; }

 private:
  Ints compute(const OnnxNode& n);
  const OnnxGraph& graph_;
  Hooks hooks_;
  std::vector<bool> shape_node_, used_;
  std::map<std::string, size_t> producer_;  // output of a shape node → the node
  std::map<std::string, Ints> cache_;
  int depth_ = 0;
};

}  // namespace qp::nn
