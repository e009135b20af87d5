// The structure of an ONNX graph as the network importer needs it: the nodes in file order with
// their inputs, outputs and attributes, and the graph's inputs and outputs with their shapes.
// io/onnx.h lists only initializers and op counts (all the weight view needs); this reads the rest
// of the top-level GraphProto with the same protobuf cursor. Constant nodes' tensors are located
// with io's TensorProto parser and appended to Model::tensors, named after the node's output, so
// initializers and constants are read the same way (read_tensor_f32).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/model.h"

namespace qp::nn {

struct OnnxAttribute {
  std::string name;
  int64_t type = 0;             // AttributeProto.AttributeType (1 FLOAT, 2 INT, 3 STRING, 6 FLOATS, 7 INTS, ...)
  float f = 0.0f;
  int64_t i = 0;
  std::string s;
  std::vector<int64_t> ints;
  std::vector<float> floats;
  int64_t tensor = -1;          // index into Model::tensors of a TENSOR attribute's value
};

struct OnnxNode {
  std::string name;             // may be empty in the file; then "<op_type> #<index>"
  std::string op_type;
  std::string domain;           // "" for the default (ai.onnx) domain
  std::vector<std::string> inputs;   // "" marks an omitted optional input
  std::vector<std::string> outputs;
  std::vector<OnnxAttribute> attributes;

  const OnnxAttribute* attribute(const std::string& attr_name) const;
  int64_t int_attr(const std::string& attr_name, int64_t fallback) const;
  float float_attr(const std::string& attr_name, float fallback) const;
};

struct OnnxValueInfo {
  std::string name;
  int64_t elem_type = 0;        // TensorProto.DataType (1 = FLOAT); 0 when not stated
  bool has_shape = false;
  std::vector<int64_t> dims;    // -1 for a symbolic or unknown dimension
};

struct OnnxGraph {
  std::vector<OnnxNode> nodes;
  std::vector<OnnxValueInfo> inputs;   // every graph input, initializers included (IR < 4)
  std::vector<OnnxValueInfo> outputs;
};

// Reads the top-level graph of the ONNX model listed in `model` (from io::open_onnx on the same
// file and companions). Throws qp::Error on a malformed file.
OnnxGraph read_onnx_graph(io::Model& model, const std::vector<std::shared_ptr<io::ByteSource>>& companions);

}  // namespace qp::nn
