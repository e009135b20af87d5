// Brings a small ONNX classifier in as a Network (nn/network.h), so every inference mode runs on
// a model trained elsewhere. The graph must be a chain from one float input to one output made of
//   Gemm, MatMul (+ Add), Add (a bias), Relu, Conv, BatchNormalization (folded), MaxPool,
//   AveragePool, GlobalAveragePool, Flatten, Reshape (to [N, -1]), Softmax / LogSoftmax (last,
//   dropped), Identity, Dropout, a zero Pad (ignored), Constant (as data), and Shape, Gather,
//   Unsqueeze, Squeeze, Concat, Cast where they only compute Reshape's target shape.
// docs/numerics/nn_import.md states every accepted attribute and how each node is translated.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/byte_source.h"
#include "io/inflater.h"
#include "nn/network.h"

namespace qp::nn {

struct ImportedNetwork {
  Network network;
  // What changed on the way that the user should know (a dropped Softmax, folded BatchNorm).
  std::vector<std::string> warnings;
};

// `companions`: other files the user selected (external data). The network is named after the
// file without ".onnx". Throws qp::Error naming the file and then: every unsupported operator
// with its count, or the node where the graph stops being a chain, or the attribute / tensor that
// cannot be translated, or the malformed structure.
ImportedNetwork import_onnx_network(std::shared_ptr<io::ByteSource> file,
                                    const std::vector<std::shared_ptr<io::ByteSource>>& companions = {});

// The same for a whole file in memory (no external data).
Network import_onnx_network(const std::vector<uint8_t>& onnx_bytes, const std::string& name,
                            std::vector<std::string>* warnings = nullptr);

// Any network file the user selects: the file that is an ONNX model (by name, as io::sniff_format
// tells) goes to import_onnx_network with the other files as its external data; otherwise the
// files are opened with io::open_model (safetensors with shards, .pt/.pth, .npz) and read by
// network_from_model. The name is the first model file's without its extension.
ImportedNetwork open_network(const std::vector<std::shared_ptr<io::ByteSource>>& files,
                             io::Inflater* inflater = nullptr);

}  // namespace qp::nn
