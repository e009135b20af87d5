#include "nn/network.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "io/byte_source.h"
#include "io/model_open.h"
#include "io/safetensors.h"

namespace qp::nn {
namespace {

using json = nlohmann::ordered_json;

// The playground runs small networks in the browser; far above this is not one of them.
constexpr size_t kMaxNetworkParameters = 64u << 20;

std::string describe(const Layer& l, size_t index) {
  std::string s = "layer " + std::to_string(index) + " (" + layer_kind_name(l.kind);
  if (!l.name.empty()) s += " '" + l.name + "'";
  return s + ")";
}

std::string shape_text(const ActShape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

// Output size of a window of `kernel` moved by `stride` over `size` (+ padding on both sides),
// PyTorch floor mode. Throws when the window does not fit once.
size_t window_out(size_t size, size_t kernel, size_t stride, size_t padding, const std::string& who) {
  if (kernel == 0 || stride == 0) throw Error(who + ": kernel and stride must be at least 1");
  if (size + 2 * padding < kernel)
    throw Error(who + ": a " + std::to_string(kernel) + "-wide window does not fit an input of " +
                std::to_string(size) + (padding ? " (padding " + std::to_string(padding) + ")" : ""));
  return (size + 2 * padding - kernel) / stride + 1;
}

// Uniform floats in [-bound, bound) from splitmix64: the same sequence natively and in wasm.
struct SplitMix {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  float uniform(float bound) {
    const double u = static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);  // [0, 1)
    return static_cast<float>((2.0 * u - 1.0) * bound);
  }
};

json layer_json(const Layer& l) {
  json j;
  j["kind"] = layer_kind_name(l.kind);
  if (!l.name.empty()) j["name"] = l.name;
  if (l.has_weights()) {
    j["in"] = l.in;
    j["out"] = l.out;
  }
  if (l.kind == LayerKind::Conv2d || l.kind == LayerKind::MaxPool2d || l.kind == LayerKind::AvgPool2d) {
    j["kernel"] = l.kernel;
    j["stride"] = l.stride;
    if (l.kind == LayerKind::Conv2d) j["padding"] = l.padding;
  }
  return j;
}

LayerKind parse_kind(const std::string& s) {
  for (LayerKind k : {LayerKind::Linear, LayerKind::Conv2d, LayerKind::Relu, LayerKind::MaxPool2d,
                      LayerKind::AvgPool2d, LayerKind::GlobalAvgPool, LayerKind::Flatten})
    if (s == layer_kind_name(k)) return k;
  throw Error("unknown layer kind '" + s + "' in qp.architecture");
}

size_t json_size(const json& j, const char* key, size_t fallback) {
  if (!j.contains(key)) return fallback;
  if (!j[key].is_number_unsigned()) throw Error(std::string("qp.architecture: '") + key + "' is not a count");
  return j[key].get<size_t>();
}

ActShape parse_input(const std::string& text) {
  ActShape s;
  if (std::sscanf(text.c_str(), "%zux%zux%zu", &s.c, &s.h, &s.w) != 3 || s.size() == 0)
    throw Error("qp.input '" + text + "' is not CxHxW");
  return s;
}

const std::string* find_meta(const std::vector<std::pair<std::string, std::string>>& meta, const std::string& key) {
  for (const auto& [k, v] : meta)
    if (k == key) return &v;
  return nullptr;
}

// Reads "<prefix>.weight" / ".bias" of a weighted layer and checks their sizes.
void load_parameters(const io::Model& model, Layer& l, size_t index, io::Inflater* inflater) {
  const std::string who = describe(l, index);
  auto read = [&](const std::string& key, size_t expected) {
    for (size_t t = 0; t < model.tensors.size(); ++t) {
      if (model.tensors[t].name != key) continue;
      io::TensorData d = io::read_tensor_f32(model, t, inflater);
      if (d.values.size() != expected)
        throw Error(who + ": '" + key + "' has " + std::to_string(d.values.size()) + " values, expected " +
                    std::to_string(expected));
      for (float v : d.values)
        if (!std::isfinite(v)) throw Error(who + ": '" + key + "' holds NaN or Inf");
      return d.values;
    }
    throw Error(who + ": the file has no tensor '" + key + "'");
  };
  const size_t k2 = l.kind == LayerKind::Conv2d ? l.kernel * l.kernel : 1;
  l.weight = read(l.name + ".weight", l.out * l.in * k2);
  l.bias = read(l.name + ".bias", l.out);
}

// A plain PyTorch MLP state dict: 2-D "*.weight" tensors with their "*.bias", in file order.
Network infer_mlp(const io::Model& model, const std::string& name) {
  Network net;
  net.name = name;
  for (const io::TensorEntry& t : model.tensors) {
    const std::string suffix = ".weight";
    if (t.name.size() <= suffix.size() || t.name.compare(t.name.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    if (t.shape.size() != 2)
      throw Error("'" + t.name + "' has " + std::to_string(t.shape.size()) +
                  " dimensions: without qp.architecture metadata only MLP state dicts (2-D Linear weights) "
                  "can be read; export a convolutional network to ONNX instead");
    Layer l;
    l.kind = LayerKind::Linear;
    l.name = t.name.substr(0, t.name.size() - suffix.size());
    l.out = static_cast<size_t>(t.shape[0]);
    l.in = static_cast<size_t>(t.shape[1]);
    if (!net.layers.empty()) {
      Layer relu;
      relu.kind = LayerKind::Relu;
      net.layers.push_back(relu);
    }
    net.layers.push_back(l);
  }
  if (net.layers.empty()) throw Error("no '*.weight' tensor found: this is not a network state dict");
  // Check the chain before any weight is read: a large checkpoint that is not an MLP (a language
  // model, say) is refused from its header alone, without loading gigabytes.
  size_t parameters = 0;
  const Layer* previous = nullptr;
  for (const Layer& l : net.layers) {
    if (l.kind != LayerKind::Linear) continue;
    if (previous && previous->out != l.in)
      throw Error("'" + previous->name + ".weight' gives " + std::to_string(previous->out) + " outputs but '" + l.name +
                  ".weight' takes " + std::to_string(l.in) +
                  " inputs: these weights do not form an MLP chain (in file order)");
    parameters += l.in * l.out + l.out;
    previous = &l;
  }
  if (parameters > kMaxNetworkParameters)
    throw Error("the state dict holds " + std::to_string(parameters) + " parameters; the network engine takes at most " +
                std::to_string(kMaxNetworkParameters));
  const size_t first_in = net.layers.front().in;
  if (first_in == 784) {
    net.input = {1, 28, 28};
    Layer flatten;
    flatten.kind = LayerKind::Flatten;
    net.layers.insert(net.layers.begin(), flatten);
  } else {
    net.input = {first_in, 1, 1};
  }
  return net;
}

}  // namespace

const char* layer_kind_name(LayerKind k) {
  switch (k) {
    case LayerKind::Linear: return "linear";
    case LayerKind::Conv2d: return "conv2d";
    case LayerKind::Relu: return "relu";
    case LayerKind::MaxPool2d: return "maxpool2d";
    case LayerKind::AvgPool2d: return "avgpool2d";
    case LayerKind::GlobalAvgPool: return "globalavgpool";
    case LayerKind::Flatten: return "flatten";
  }
  return "?";
}

std::vector<ActShape> Network::shapes() const {
  if (input.size() == 0) throw Error("the network has no input shape");
  if (layers.empty()) throw Error("the network has no layers");
  std::vector<ActShape> out;
  ActShape s = input;
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    const std::string who = describe(l, i);
    switch (l.kind) {
      case LayerKind::Linear:
        if (s.size() != l.in)
          throw Error(who + " takes " + std::to_string(l.in) + " features but receives " + shape_text(s) + " = " +
                      std::to_string(s.size()));
        s = {l.out, 1, 1};
        break;
      case LayerKind::Conv2d:
        if (s.c != l.in)
          throw Error(who + " takes " + std::to_string(l.in) + " channels but receives " + shape_text(s));
        s = {l.out, window_out(s.h, l.kernel, l.stride, l.padding, who),
             window_out(s.w, l.kernel, l.stride, l.padding, who)};
        break;
      case LayerKind::MaxPool2d:
      case LayerKind::AvgPool2d:
        s = {s.c, window_out(s.h, l.kernel, l.stride, 0, who), window_out(s.w, l.kernel, l.stride, 0, who)};
        break;
      case LayerKind::GlobalAvgPool: s = {s.c, 1, 1}; break;
      case LayerKind::Flatten: s = {s.size(), 1, 1}; break;
      case LayerKind::Relu: break;
    }
    if (l.has_weights()) {
      if (l.in == 0 || l.out == 0) throw Error(who + " has no inputs or outputs");
      const size_t expected = l.out * l.fan_in();
      if (l.weight.size() != expected || l.bias.size() != l.out)
        throw Error(who + " has " + std::to_string(l.weight.size()) + " weights and " + std::to_string(l.bias.size()) +
                    " biases, expected " + std::to_string(expected) + " and " + std::to_string(l.out));
    }
    out.push_back(s);
  }
  return out;
}

size_t Network::num_classes() const { return shapes().back().size(); }

size_t Network::parameter_count() const {
  size_t n = 0;
  for (const Layer& l : layers) n += l.weight.size() + l.bias.size();
  return n;
}

std::vector<size_t> Network::weighted_layers() const {
  std::vector<size_t> idx;
  for (size_t i = 0; i < layers.size(); ++i)
    if (layers[i].has_weights()) idx.push_back(i);
  return idx;
}

namespace {
Layer linear(const char* name, size_t in, size_t out) {
  Layer l;
  l.kind = LayerKind::Linear;
  l.name = name;
  l.in = in;
  l.out = out;
  l.weight.assign(in * out, 0.0f);
  l.bias.assign(out, 0.0f);
  return l;
}
Layer conv3x3(const char* name, size_t in, size_t out) {
  Layer l;
  l.kind = LayerKind::Conv2d;
  l.name = name;
  l.in = in;
  l.out = out;
  l.kernel = 3;
  l.stride = 1;
  l.padding = 1;
  l.weight.assign(out * in * 9, 0.0f);
  l.bias.assign(out, 0.0f);
  return l;
}
Layer simple(LayerKind k, size_t kernel = 0) {
  Layer l;
  l.kind = k;
  l.kernel = kernel;
  l.stride = kernel ? kernel : 1;
  return l;
}
}  // namespace

Network make_mlp() {
  Network n;
  n.name = "mlp";
  n.input = {1, 28, 28};
  n.layers = {simple(LayerKind::Flatten), linear("fc1", 784, 256), simple(LayerKind::Relu),
              linear("fc2", 256, 128),   simple(LayerKind::Relu),    linear("fc3", 128, 10)};
  return n;
}

Network make_cnn() {
  Network n;
  n.name = "cnn";
  n.input = {1, 28, 28};
  n.layers = {conv3x3("conv1", 1, 16),          simple(LayerKind::Relu), simple(LayerKind::MaxPool2d, 2),
              conv3x3("conv2", 16, 32),         simple(LayerKind::Relu), simple(LayerKind::MaxPool2d, 2),
              simple(LayerKind::Flatten),       linear("fc", 32 * 7 * 7, 10)};
  return n;
}

void init_parameters(Network& net, uint64_t seed) {
  SplitMix rng{seed};
  for (Layer& l : net.layers) {
    if (!l.has_weights()) continue;
    const size_t fan_in = l.fan_in();
    // kaiming_uniform_(a=sqrt(5)) as nn.Linear/nn.Conv2d reset_parameters: bound = 1/sqrt(fan_in),
    // the same bound PyTorch uses for the bias.
    const float bound = static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in)));
    l.weight.resize(l.out * fan_in);
    l.bias.resize(l.out);
    for (float& w : l.weight) w = rng.uniform(bound);
    for (float& b : l.bias) b = rng.uniform(bound);
  }
}

std::vector<uint8_t> encode_network(const Network& net,
                                    const std::vector<std::pair<std::string, std::string>>& metadata) {
  const std::vector<ActShape> shapes = net.shapes();  // validates
  (void)shapes;
  json arch = json::array();
  for (const Layer& l : net.layers) arch.push_back(layer_json(l));
  std::vector<std::pair<std::string, std::string>> meta = metadata;
  meta.emplace_back("qp.architecture", arch.dump());
  meta.emplace_back("qp.input", shape_text(net.input));
  std::vector<io::SafetensorsTensor> tensors;
  for (const Layer& l : net.layers) {
    if (!l.has_weights()) continue;
    auto add = [&](const std::string& key, const std::vector<float>& v, Shape shape) {
      io::SafetensorsTensor t{key, io::DType::F32, std::move(shape), std::vector<uint8_t>(v.size() * 4)};
      std::memcpy(t.bytes.data(), v.data(), t.bytes.size());  // little-endian hosts only (x86, wasm)
      tensors.push_back(std::move(t));
    };
    Shape ws = l.kind == LayerKind::Conv2d
                   ? Shape{int64_t(l.out), int64_t(l.in), int64_t(l.kernel), int64_t(l.kernel)}
                   : Shape{int64_t(l.out), int64_t(l.in)};
    add(l.name + ".weight", l.weight, ws);
    add(l.name + ".bias", l.bias, Shape{int64_t(l.out)});
  }
  return io::encode_safetensors(tensors, meta);
}

Network network_from_model(const io::Model& model, const std::string& name, io::Inflater* inflater) {
  Network net;
  const std::string* arch_text = find_meta(model.metadata, "qp.architecture");
  if (!arch_text) {
    net = infer_mlp(model, name);
  } else {
    net.name = name;
    const std::string* input = find_meta(model.metadata, "qp.input");
    if (!input) throw Error("qp.architecture without qp.input metadata");
    net.input = parse_input(*input);
    json arch;
    try {
      // Parsed from bytes through the same input adapter as the safetensors header (one parser
      // instantiation in the wasm instead of two: 3.7 kB of the first view's gzip budget).
      const std::vector<uint8_t> bytes(arch_text->begin(), arch_text->end());
      arch = json::parse(bytes.begin(), bytes.end());
    } catch (const std::exception&) {
      throw Error("qp.architecture metadata is not valid JSON");
    }
    if (!arch.is_array()) throw Error("qp.architecture metadata is not a list of layers");
    for (const json& j : arch) {
      if (!j.is_object() || !j.contains("kind") || !j["kind"].is_string())
        throw Error("qp.architecture: a layer without a kind");
      Layer l;
      l.kind = parse_kind(j["kind"].get<std::string>());
      if (j.contains("name") && j["name"].is_string()) l.name = j["name"].get<std::string>();
      l.in = json_size(j, "in", 0);
      l.out = json_size(j, "out", 0);
      l.kernel = json_size(j, "kernel", 0);
      l.stride = json_size(j, "stride", 1);
      l.padding = json_size(j, "padding", 0);
      if (l.in > (1u << 24) || l.out > (1u << 24) || l.kernel > 64)
        throw Error("qp.architecture: layer '" + l.name + "' is too large");
      net.layers.push_back(l);
    }
  }
  for (size_t i = 0; i < net.layers.size(); ++i)
    if (net.layers[i].has_weights()) load_parameters(model, net.layers[i], i, inflater);
  net.shapes();  // validates the chain
  return net;
}

Network decode_network(const std::vector<uint8_t>& file_bytes, const std::string& name) {
  std::vector<std::shared_ptr<io::ByteSource>> files{std::make_shared<io::MemorySource>(name, file_bytes)};
  const io::Model model = io::open_model(files);
  return network_from_model(model, name);
}

}  // namespace qp::nn
