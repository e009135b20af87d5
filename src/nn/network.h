// A small feed-forward network as data: the layer list and its float parameters, in PyTorch's
// layouts and names. One description serves every part of the network code: the trainer updates
// the parameters in place, the inference engines (float, weight-only, dynamic, static int8) are
// prepared from it, and it is read from / written to a safetensors state dict.
//
// Layouts (PyTorch's, so a state dict exported by torch loads as it is):
//   Linear   weight [out_features, in_features], bias [out_features]
//   Conv2d   weight [out_channels, in_channels, kernel, kernel], bias [out_channels]
//   Activations are NCHW per sample, and Flatten flattens in C, H, W order (torch.flatten(x, 1)).
// Only chains are described (each layer feeds the next), which covers the bundled MLP and CNN and
// the small ONNX graphs the importer accepts.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "io/inflater.h"
#include "io/model.h"

namespace qp::nn {

enum class LayerKind {
  Linear,
  Conv2d,         // square kernel, equal stride and zero padding on both axes
  Relu,
  MaxPool2d,      // square window `kernel`, step `stride`, no padding (PyTorch floor mode)
  AvgPool2d,      // same geometry as MaxPool2d, mean over the window
  GlobalAvgPool,  // mean over H×W, keeps C (output C×1×1)
  Flatten,        // C×H×W → (C·H·W)×1×1
};

// Per-sample activation shape. A flat vector of n features is n×1×1.
struct ActShape {
  size_t c = 0, h = 1, w = 1;
  size_t size() const { return c * h * w; }
  bool operator==(const ActShape& o) const { return c == o.c && h == o.h && w == o.w; }
};

struct Layer {
  LayerKind kind = LayerKind::Relu;
  std::string name;  // state-dict prefix of the parameters ("fc1" → "fc1.weight", "fc1.bias")
  // Linear: in, out. Conv2d: in/out channels.
  size_t in = 0, out = 0;
  // Conv2d and pools: window size, step, zero padding (Conv2d only).
  size_t kernel = 0, stride = 1, padding = 0;
  std::vector<float> weight, bias;  // Linear / Conv2d only, PyTorch layouts above

  bool has_weights() const { return kind == LayerKind::Linear || kind == LayerKind::Conv2d; }
  // Conv2d: in·kernel·kernel (the reduction length of one output); Linear: in.
  size_t fan_in() const { return kind == LayerKind::Conv2d ? in * kernel * kernel : in; }
};

struct Network {
  std::string name;          // "mlp", "cnn", or the file name it came from
  ActShape input;            // 1×28×28 for Fashion-MNIST
  std::vector<Layer> layers;

  // The shape after every layer (size layers.size()); the last one is the logits (n×1×1).
  // Throws qp::Error naming the layer when a layer does not fit its input (wrong in-features,
  // a window larger than the image, parameters of the wrong size).
  std::vector<ActShape> shapes() const;
  size_t num_classes() const;           // size of the last shape
  size_t parameter_count() const;       // weights + biases
  std::vector<size_t> weighted_layers() const;  // indices of the Linear / Conv2d layers
};

// The two bundled architectures (parameters zero-filled, to be trained or loaded):
//   mlp: Flatten → fc1 784-256 → ReLU → fc2 256-128 → ReLU → fc3 128-10
//   cnn: conv1 3×3 1→16 pad 1 → ReLU → max-pool 2 → conv2 3×3 16→32 pad 1 → ReLU → max-pool 2
//        → Flatten → fc 1568-10
Network make_mlp();
Network make_cnn();

// Deterministic PyTorch-style initialisation (Kaiming-uniform weights, bounds 1/sqrt(fan_in) for
// the biases, as nn.Linear / nn.Conv2d do) from a seed.
void init_parameters(Network& net, uint64_t seed);

// Safetensors state dict: "<layer>.weight" / "<layer>.bias" as F32 plus metadata
// "qp.architecture" (the layer list as JSON) and "qp.input" ("1x28x28"), so the file can be
// opened again without knowing the architecture. Other metadata (training recipe, accuracy) is
// passed through.
std::vector<uint8_t> encode_network(const Network& net,
                                    const std::vector<std::pair<std::string, std::string>>& metadata);
// Reads a network from an opened weight file (io::Model: safetensors, .pt/.pth, .npz). With the
// "qp.architecture" metadata of encode_network the layers are taken from it. Without it (a plain
// PyTorch MLP state dict), they are inferred: every 2-D "*.weight" with its "*.bias", in file
// order, chained with ReLU between them; a first in-features of 784 gets input 1×28×28 and a
// Flatten. Throws qp::Error with the reason on anything that does not form a chain.
// `inflater` reads deflated members (.npz, .pt) where the build has no native zlib (wasm).
Network network_from_model(const io::Model& model, const std::string& name, io::Inflater* inflater = nullptr);
// network_from_model on a file held in memory (any format open_model recognises).
Network decode_network(const std::vector<uint8_t>& file_bytes, const std::string& name);

const char* layer_kind_name(LayerKind k);

}  // namespace qp::nn
