// Walks an ONNX GraphProto: lists its initializers (onnx_tensor.h), counts its nodes by operator
// (including the nodes of subgraphs held in If/Loop/Scan attributes) and describes the graph's
// inputs and outputs.
#pragma once
#include <map>
#include <set>
#include <string>

#include "io/model.h"
#include "io/onnx_tensor.h"
#include "io/protobuf_wire.h"

namespace qp::io {

class OnnxGraphWalker {
 public:
  OnnxGraphWalker(Model& model, OnnxExternalFiles& external) : model_(model), external_(external) {}

  // `top_level`: the model's graph, whose inputs and outputs are the model's.
  void walk(const pb::MessageCursor& graph, bool top_level);

  // Writes op counts, node count and inputs/outputs into model.graph; adds a warning for sparse
  // initializers. Call once after walking.
  void finish();

  std::string graph_name;  // of the top-level graph

 private:
  void walk_node(const pb::MessageCursor& node);
  Model& model_;
  OnnxExternalFiles& external_;
  std::map<std::string, int64_t> op_counts_;
  int64_t node_count_ = 0;
  int64_t sparse_initializers_ = 0;
  std::set<std::string> initializer_names_;  // of the top-level graph
  std::vector<std::pair<std::string, std::string>> inputs_;  // name, description
  std::vector<std::string> outputs_;
};

}  // namespace qp::io
