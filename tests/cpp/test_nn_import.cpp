// Bring-your-own network and data (src/nn/onnx_import.*, src/nn/dataset_files.*) against files
// written by the real producers (tests/fixtures/nn, made by scripts/fixtures/nn/make_nn_fixtures.py):
// ONNX graphs exported by torch.onnx and built by onnx.helper, a torch.save state dict, npy/npz
// written by numpy. The imported networks must give torch's own logits on the same images.
//
// Float tolerance: torch sums in float32 in its own order (MKL / its conv kernels); the reference
// forward below sums in double. With the folded BatchNorms rounded once more, every logit agrees
// within 1e-4 + 1e-4·|logit| (the largest difference seen is printed by the test), and the argmax is
// the same for every image (the fixtures' top-two margins are all above 1e-3).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/error.h"
#include "io/model_open.h"
#include "io/npy.h"
#include "nn/dataset_files.h"
#include "nn/engine.h"
#include "nn/evaluate.h"
#include "nn/onnx_import.h"
#include "test_inflater.h"

namespace {

using qp::nn::ActShape;
using qp::nn::Dataset;
using qp::nn::Layer;
using qp::nn::LayerKind;
using qp::nn::Network;

const std::string kDir = std::string(QP_TESTS_DIR) + "/fixtures/nn/";

std::shared_ptr<qp::io::ByteSource> fixture(const std::string& name) {
  return qp::io::open_file_source(kDir + name);
}

std::vector<uint8_t> fixture_bytes(const std::string& name) {
  auto f = fixture(name);
  return qp::io::read_all(*f, 1 << 24);
}

// A whole .npy fixture as float32 (numpy wrote it; our npy reader is tested on its own).
qp::io::TensorData npy(const std::string& name) {
  const qp::io::Model m = qp::io::open_npy(fixture(name));
  return qp::io::read_tensor_f32(m, 0);
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const qp::Error& e) {
    return e.what();
  }
  return "<no error>";
}

// A plain NCHW float forward of one sample, summing in double: the scalar meaning of each layer
// kind, written independently of the engines.
std::vector<float> forward(const Network& net, const float* sample) {
  ActShape s = net.input;
  std::vector<double> x(sample, sample + s.size());
  for (const Layer& l : net.layers) {
    std::vector<double> y;
    ActShape t = s;
    switch (l.kind) {
      case LayerKind::Linear:
        REQUIRE(x.size() == l.in);
        y.assign(l.out, 0.0);
        for (size_t o = 0; o < l.out; ++o) {
          double acc = l.bias[o];
          for (size_t i = 0; i < l.in; ++i) acc += static_cast<double>(l.weight[o * l.in + i]) * x[i];
          y[o] = acc;
        }
        t = {l.out, 1, 1};
        break;
      case LayerKind::Conv2d: {
        REQUIRE(s.c == l.in);
        const size_t k = l.kernel, st = l.stride, p = l.padding;
        t = {l.out, (s.h + 2 * p - k) / st + 1, (s.w + 2 * p - k) / st + 1};
        y.assign(t.size(), 0.0);
        for (size_t o = 0; o < l.out; ++o)
          for (size_t oy = 0; oy < t.h; ++oy)
            for (size_t ox = 0; ox < t.w; ++ox) {
              double acc = l.bias[o];
              for (size_t c = 0; c < l.in; ++c)
                for (size_t ky = 0; ky < k; ++ky)
                  for (size_t kx = 0; kx < k; ++kx) {
                    const long iy = static_cast<long>(oy * st + ky) - static_cast<long>(p);
                    const long ix = static_cast<long>(ox * st + kx) - static_cast<long>(p);
                    if (iy < 0 || ix < 0 || iy >= static_cast<long>(s.h) || ix >= static_cast<long>(s.w)) continue;
                    acc += static_cast<double>(l.weight[((o * l.in + c) * k + ky) * k + kx]) *
                           x[(c * s.h + static_cast<size_t>(iy)) * s.w + static_cast<size_t>(ix)];
                  }
              y[(o * t.h + oy) * t.w + ox] = acc;
            }
        break;
      }
      case LayerKind::Relu:
        y = x;
        for (double& v : y) v = std::max(v, 0.0);
        break;
      case LayerKind::MaxPool2d:
      case LayerKind::AvgPool2d: {
        const size_t k = l.kernel, st = l.stride;
        t = {s.c, (s.h - k) / st + 1, (s.w - k) / st + 1};
        y.assign(t.size(), 0.0);
        for (size_t c = 0; c < s.c; ++c)
          for (size_t oy = 0; oy < t.h; ++oy)
            for (size_t ox = 0; ox < t.w; ++ox) {
              double m = -INFINITY, sum = 0.0;
              for (size_t ky = 0; ky < k; ++ky)
                for (size_t kx = 0; kx < k; ++kx) {
                  const double v = x[(c * s.h + oy * st + ky) * s.w + ox * st + kx];
                  m = std::max(m, v);
                  sum += v;
                }
              y[(c * t.h + oy) * t.w + ox] = l.kind == LayerKind::MaxPool2d ? m : sum / static_cast<double>(k * k);
            }
        break;
      }
      case LayerKind::GlobalAvgPool:
        t = {s.c, 1, 1};
        y.assign(s.c, 0.0);
        for (size_t c = 0; c < s.c; ++c) {
          for (size_t i = 0; i < s.h * s.w; ++i) y[c] += x[c * s.h * s.w + i];
          y[c] /= static_cast<double>(s.h * s.w);
        }
        break;
      case LayerKind::Flatten:
        y = x;  // NCHW memory is already in C, H, W order
        t = {s.size(), 1, 1};
        break;
    }
    x = std::move(y);
    s = t;
  }
  return std::vector<float>(x.begin(), x.end());
}

size_t argmax(const float* v, size_t n) { return static_cast<size_t>(std::max_element(v, v + n) - v); }

std::vector<LayerKind> kinds(const Network& net) {
  std::vector<LayerKind> k;
  for (const Layer& l : net.layers) k.push_back(l.kind);
  return k;
}

bool has_warning(const std::vector<std::string>& warnings, const std::string& part) {
  for (const std::string& w : warnings) {
    if (w.find(part) != std::string::npos) return true;
  }
  return false;
}

// The imported network on the fixture images against torch's logits; returns the accuracy.
double check_against_torch(const Network& net, const std::string& model) {
  const Dataset data = qp::nn::dataset_from_npy(fixture("images.npy"), fixture("labels.npy"), net.input);
  const qp::io::TensorData want = npy(model + ".logits.npy");
  const size_t classes = static_cast<size_t>(want.shape[1]);
  REQUIRE(want.shape[0] == static_cast<int64_t>(data.count));
  double worst = 0.0;
  size_t correct = 0, torch_correct = 0;
  for (size_t i = 0; i < data.count; ++i) {
    const std::vector<float> got = forward(net, data.input(i));
    REQUIRE(got.size() == classes);
    const float* ref = want.values.data() + i * classes;
    for (size_t j = 0; j < classes; ++j) {
      const double diff = std::fabs(static_cast<double>(got[j]) - ref[j]);
      worst = std::max(worst, diff);
      CHECK_MESSAGE(diff <= 1e-4 + 1e-4 * std::fabs(ref[j]), model << " image " << i << " class " << j << ": "
                                                                   << got[j] << " vs torch " << ref[j]);
    }
    const size_t ours = argmax(got.data(), classes), theirs = argmax(ref, classes);
    CHECK_MESSAGE(ours == theirs, model << " image " << i);
    correct += static_cast<int32_t>(ours) == data.labels[i];
    torch_correct += static_cast<int32_t>(theirs) == data.labels[i];
  }
  MESSAGE(model << ": largest |logit − torch| = " << worst << ", accuracy " << correct << "/" << data.count);
  CHECK(correct == torch_correct);
  return static_cast<double>(correct) / static_cast<double>(data.count);
}

}  // namespace

TEST_CASE("nn import: MLP exported by torch as Flatten + Gemm gives torch's logits") {
  const qp::nn::ImportedNetwork r = qp::nn::import_onnx_network(fixture("mlp_gemm.onnx"));
  const Network& net = r.network;
  CHECK(net.name == "mlp_gemm");
  CHECK(net.input == ActShape{1, 28, 28});  // batch axis symbolic ("batch")
  CHECK(kinds(net) == std::vector<LayerKind>{LayerKind::Flatten, LayerKind::Linear, LayerKind::Relu, LayerKind::Linear});
  CHECK(net.layers[1].name == "fc1");
  CHECK(net.layers[3].name == "fc2");
  CHECK(r.warnings.empty());
  check_against_torch(net, "mlp_gemm");

  // The weights are the state dict torch.save wrote, bit for bit (Gemm transB = 1 keeps nn.Linear's layout).
  const qp::io::Model pt = qp::io::open_model({fixture("mlp_gemm.pt")});
  for (size_t i = 0; i < pt.tensors.size(); ++i) {
    const std::string& name = pt.tensors[i].name;
    const Layer& l = net.layers[name.rfind("fc1.", 0) == 0 ? 1 : 3];
    const std::vector<float>& ours = name.find(".weight") != std::string::npos ? l.weight : l.bias;
    CHECK_MESSAGE(qp::io::read_tensor_f32(pt, i).values == ours, name);
  }
}

TEST_CASE("nn import: the same MLP as MatMul + Add gives the same weights and torch's logits") {
  const Network gemm = qp::nn::import_onnx_network(fixture("mlp_gemm.onnx")).network;
  std::vector<std::string> warnings;
  const Network net = qp::nn::import_onnx_network(fixture_bytes("mlp_matmul.onnx"), "mlp_matmul.onnx", &warnings);
  CHECK(net.input == ActShape{784, 1, 1});
  CHECK(kinds(net) == std::vector<LayerKind>{LayerKind::Linear, LayerKind::Relu, LayerKind::Linear});
  REQUIRE(net.layers[0].weight.size() == 784 * 16);
  CHECK(net.layers[0].weight == gemm.layers[1].weight);  // transposed from [in, out], exactly
  CHECK(net.layers[0].bias == gemm.layers[1].bias);       // the Add folded into the bias
  CHECK(net.layers[2].weight == gemm.layers[3].weight);
  CHECK(net.layers[2].bias == gemm.layers[3].bias);
  check_against_torch(net, "mlp_matmul");
}

TEST_CASE("nn import: CNN with BatchNorm, pools, Reshape and Softmax gives torch's logits") {
  const qp::nn::ImportedNetwork r = qp::nn::import_onnx_network(fixture("cnn_bn.onnx"));
  const Network& net = r.network;
  CHECK(net.input == ActShape{1, 28, 28});
  CHECK(kinds(net) == std::vector<LayerKind>{LayerKind::Conv2d, LayerKind::Relu, LayerKind::MaxPool2d,
                                             LayerKind::Conv2d, LayerKind::Relu, LayerKind::AvgPool2d,
                                             LayerKind::Flatten, LayerKind::Linear});
  CHECK(net.layers[0].kernel == 3);
  CHECK(net.layers[0].padding == 1);
  CHECK(net.layers[3].padding == 0);
  CHECK(net.layers[2].kernel == 2);
  CHECK(net.layers[2].stride == 2);
  CHECK(net.layers[0].name == "conv1");
  CHECK(net.layers[7].name == "fc");
  CHECK(has_warning(r.warnings, "BatchNormalization"));
  CHECK(has_warning(r.warnings, "into 'conv1'"));
  CHECK(has_warning(r.warnings, "into 'fc'"));
  CHECK(has_warning(r.warnings, "Softmax"));
  check_against_torch(net, "cnn_bn");
}

TEST_CASE("nn import: CNN with stride 2, GlobalAveragePool and Flatten gives torch's logits") {
  const Network net = qp::nn::import_onnx_network(fixture("cnn_gap.onnx")).network;
  CHECK(kinds(net) == std::vector<LayerKind>{LayerKind::Conv2d, LayerKind::Relu, LayerKind::Conv2d, LayerKind::Relu,
                                             LayerKind::GlobalAvgPool, LayerKind::Flatten, LayerKind::Linear});
  CHECK(net.layers[0].stride == 2);
  CHECK(net.layers[0].padding == 1);
  check_against_torch(net, "cnn_gap");
}

TEST_CASE("nn import: view(x.size(0), -1) with a symbolic batch (Shape → Gather → Unsqueeze → Concat → Reshape)") {
  const Network net = qp::nn::import_onnx_network(fixture("cnn_view.onnx")).network;
  CHECK(kinds(net) == std::vector<LayerKind>{LayerKind::Conv2d, LayerKind::Relu, LayerKind::MaxPool2d, LayerKind::Flatten,
                                             LayerKind::Linear});
  check_against_torch(net, "cnn_view");
}

TEST_CASE("nn import: initializers in an external data file selected with the model") {
  const Network inline_net = qp::nn::import_onnx_network(fixture("gemm_t0.onnx")).network;
  const Network ext = qp::nn::import_onnx_network(fixture("gemm_t0_ext.onnx"), {fixture("gemm_t0_ext.data")}).network;
  REQUIRE(kinds(ext) == kinds(inline_net));
  CHECK(ext.layers[0].weight == inline_net.layers[0].weight);
  CHECK(ext.layers[0].bias == inline_net.layers[0].bias);
  const std::string missing = error_of([] { qp::nn::import_onnx_network(fixture("gemm_t0_ext.onnx")); });
  CHECK(missing.find("gemm_t0_ext.data") != std::string::npos);
}

TEST_CASE("nn import: Gemm with transB 0, alpha and beta, float_data, Identity/Dropout, LogSoftmax") {
  std::vector<std::string> warnings;
  const Network net = qp::nn::import_onnx_network(fixture_bytes("gemm_t0.onnx"), "gemm_t0.onnx", &warnings);
  CHECK(kinds(net) == std::vector<LayerKind>{LayerKind::Linear, LayerKind::Relu});
  CHECK(net.input == ActShape{6, 1, 1});
  CHECK(has_warning(warnings, "LogSoftmax"));
  const qp::io::TensorData x = npy("gemm_t0.inputs.npy"), want = npy("gemm_t0.logits.npy");
  for (size_t i = 0; i < 5; ++i) {
    const std::vector<float> got = forward(net, x.values.data() + i * 6);
    for (size_t j = 0; j < 3; ++j) CHECK(got[j] == doctest::Approx(want.values[i * 3 + j]).epsilon(1e-6));
  }
}

TEST_CASE("nn import: the core's float engine on imported networks gives torch's logits") {
  for (const char* model : {"mlp_gemm", "mlp_matmul", "cnn_bn", "cnn_gap", "cnn_view"}) {
    const std::string model_name = model;
    CAPTURE(model_name);
    const Network net = qp::nn::import_onnx_network(fixture(std::string(model) + ".onnx")).network;
    const Dataset data = qp::nn::dataset_from_npy(fixture("images.npy"), fixture("labels.npy"), net.input);
    auto engine = qp::nn::make_engine(net, qp::nn::EngineOptions{});
    const qp::io::TensorData want = npy(std::string(model) + ".logits.npy");
    std::vector<float> got(want.values.size());
    engine->forward(data.inputs.data(), data.count, got.data());
    double worst = 0.0;
    for (size_t i = 0; i < got.size(); ++i) {
      const double diff = std::fabs(static_cast<double>(got[i]) - want.values[i]);
      worst = std::max(worst, diff);
      CHECK(diff <= 1e-4 + 1e-4 * std::fabs(want.values[i]));
    }
    for (size_t i = 0; i < data.count; ++i) CHECK(argmax(&got[i * 10], 10) == argmax(&want.values[i * 10], 10));
    MESSAGE(std::string(model) << " on the float engine: largest |logit − torch| = " << worst);
  }
}

TEST_CASE("nn import: the MLP state dict saved by torch.save reads as the same network as its ONNX export") {
  const Network onnx = qp::nn::import_onnx_network(fixture("mlp_gemm.onnx")).network;
  const Network pt = qp::nn::decode_network(fixture_bytes("mlp_gemm.pt"), "mlp_gemm.pt");
  CHECK(pt.input == onnx.input);
  REQUIRE(kinds(pt) == kinds(onnx));
  for (size_t i = 0; i < pt.layers.size(); ++i) {
    CHECK(pt.layers[i].weight == onnx.layers[i].weight);
    CHECK(pt.layers[i].bias == onnx.layers[i].bias);
  }
}

TEST_CASE("nn import: open_network picks the ONNX importer or the state-dict reader from the files") {
  const Network onnx = qp::nn::import_onnx_network(fixture("mlp_gemm.onnx")).network;
  const Network pt = qp::nn::open_network({fixture("mlp_gemm.pt")}, qp::test::inflater()).network;
  CHECK(pt.name == "mlp_gemm");
  REQUIRE(kinds(pt) == kinds(onnx));
  CHECK(pt.layers[1].weight == onnx.layers[1].weight);
  // The data file may come first: the model is the .onnx whatever the order.
  const qp::nn::ImportedNetwork ext = qp::nn::open_network({fixture("gemm_t0_ext.data"), fixture("gemm_t0_ext.onnx")});
  CHECK(ext.network.name == "gemm_t0_ext");
  CHECK(kinds(ext.network) == std::vector<LayerKind>{LayerKind::Linear, LayerKind::Relu});
  CHECK(has_warning(ext.warnings, "LogSoftmax"));
}

TEST_CASE("nn import: every engine mode runs on an imported CNN") {
  const Network net = qp::nn::import_onnx_network(fixture("cnn_bn.onnx")).network;
  const Dataset data = qp::nn::dataset_from_npy(fixture("images.npy"), fixture("labels.npy"), net.input);
  std::vector<int32_t> reference(data.count);
  {
    auto engine = qp::nn::make_engine(net, qp::nn::EngineOptions{});
    qp::nn::predict(*engine, data, 0, data.count, reference.data());
  }
  qp::nn::EngineOptions weight_only, dynamic, static_int8;
  weight_only.mode = qp::nn::Mode::WeightOnly;
  dynamic.mode = qp::nn::Mode::Dynamic;
  static_int8.mode = qp::nn::Mode::Static;
  static_int8.activation_ranges =
      qp::nn::calibrate_activations(net, data.inputs.data(), data.count, qp::CalibrationSpec{});
  for (const auto& [name, options] : {std::pair<const char*, qp::nn::EngineOptions>{"weight-only", weight_only},
                                      {"dynamic", dynamic}, {"static", static_int8}}) {
    auto engine = qp::nn::make_engine(net, options);
    std::vector<int32_t> classes(data.count);
    qp::nn::predict(*engine, data, 0, data.count, classes.data());
    size_t same = 0;
    for (size_t i = 0; i < data.count; ++i) same += classes[i] == reference[i];
    MESSAGE(std::string(name) << ": " << same << "/" << data.count << " predictions as float");
    // int8 on a small trained CNN: a few top-two swaps at most.
    CHECK(same >= data.count - 3);
  }
}

TEST_CASE("nn import: unsupported operators are all named with their counts") {
  const std::string msg = error_of([] { qp::nn::import_onnx_network(fixture("unsupported.onnx")); });
  CHECK(msg.find("unsupported.onnx") != std::string::npos);
  CHECK(msg.find("unsupported ONNX operators") != std::string::npos);
  CHECK(msg.find("Concat ×1") != std::string::npos);
  CHECK(msg.find("Sigmoid ×1") != std::string::npos);
  CHECK(msg.find("Tanh ×1") != std::string::npos);
  CHECK(msg.find("Gemm ×") == std::string::npos);  // a supported operator is not listed

  // An operator renamed inside the file ("Relu" → "Relv"): the structure is intact, the op is not ours.
  std::vector<uint8_t> bytes = fixture_bytes("mlp_gemm.onnx");
  const std::string relu = "Relu";
  size_t renamed_count = 0;  // node names and value names too, so the graph stays consistent
  for (auto it = bytes.begin(); (it = std::search(it, bytes.end(), relu.begin(), relu.end())) != bytes.end(); ++it) {
    it[3] = 'v';
    ++renamed_count;
  }
  REQUIRE(renamed_count > 0);
  const std::string renamed = error_of([&] { qp::nn::import_onnx_network(bytes, "renamed.onnx"); });
  CHECK(renamed.find("Relv ×1") != std::string::npos);
}

TEST_CASE("nn import: a graph that is not a chain names the branching value and its nodes") {
  const std::string msg = error_of([] { qp::nn::import_onnx_network(fixture("residual.onnx")); });
  CHECK(msg.find("not a chain") != std::string::npos);
  CHECK(msg.find("'input' feeds 2 nodes") != std::string::npos);
}

TEST_CASE("nn import: attributes and placements that cannot be translated are refused") {
  const std::string pads = error_of([] { qp::nn::import_onnx_network(fixture("conv_pads.onnx")); });
  CHECK(pads.find("node 'conv' (Conv)") != std::string::npos);
  CHECK(pads.find("pads must be 4 equal values") != std::string::npos);
  const std::string rank = error_of([] { qp::nn::import_onnx_network(fixture("matmul_4d.onnx")); });
  CHECK(rank.find("node 'matmul' (MatMul): its input has rank 4") != std::string::npos);
  const std::string deep = error_of([] { qp::nn::import_onnx_network(fixture("shape_deep.onnx")); });
  CHECK(deep.find("deeper than 64 nodes") != std::string::npos);
  const std::string bn = error_of([] { qp::nn::import_onnx_network(fixture("bn_after_relu.onnx")); });
  CHECK(bn.find("node 'bn' (BatchNormalization)") != std::string::npos);
  CHECK(bn.find("cannot be folded") != std::string::npos);
}

TEST_CASE("nn import: empty, truncated and corrupt files give errors, not crashes") {
  CHECK(error_of([] { qp::nn::import_onnx_network(std::vector<uint8_t>{}, "empty.onnx"); }).find("empty") !=
        std::string::npos);
  const std::vector<uint8_t> full = fixture_bytes("cnn_bn.onnx");
  size_t refused = 0;
  for (size_t cut : {size_t{1}, size_t{7}, size_t{40}, full.size() / 3, full.size() / 2, full.size() - 200, full.size() - 1}) {
    const std::vector<uint8_t> part(full.begin(), full.begin() + static_cast<long>(cut));
    const std::string msg = error_of([&] { qp::nn::import_onnx_network(part, "cut.onnx"); });
    CAPTURE(cut);
    CHECK(msg.find("cut.onnx") != std::string::npos);
    refused += msg != "<no error>";
  }
  CHECK(refused == 7);
  // Text that is not protobuf at all.
  const std::string text = "this is not an onnx model";
  const std::string msg = error_of([&] { qp::nn::import_onnx_network(std::vector<uint8_t>(text.begin(), text.end()), "text.onnx"); });
  CHECK(msg.find("text.onnx") != std::string::npos);
}

TEST_CASE("nn import: bytes changed at random give a network or a qp::Error, nothing else") {
  // Seeded xorshift: the same 600 corruptions every run. Each changes 1–4 bytes anywhere (header,
  // node lists, attributes, tensor data), so every parser step meets bad lengths and values.
  for (const char* name : {"cnn_bn.onnx", "gemm_t0.onnx", "cnn_view.onnx"}) {
    const std::vector<uint8_t> original = fixture_bytes(name);
    uint64_t state = 0x9E3779B97F4A7C15ull;
    auto next = [&state] {
      state ^= state << 13;
      state ^= state >> 7;
      state ^= state << 17;
      return state;
    };
    size_t imported = 0, refused = 0;
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<uint8_t> bytes = original;
      const int changes = 1 + static_cast<int>(next() % 4);
      for (int k = 0; k < changes; ++k) bytes[next() % bytes.size()] = static_cast<uint8_t>(next());
      try {
        const Network net = qp::nn::import_onnx_network(bytes, name);
        net.shapes();  // whatever was imported fits together
        ++imported;
      } catch (const qp::Error&) {
        ++refused;
      }
    }
    MESSAGE(std::string(name) << ": " << imported << " corrupted copies still imported, " << refused << " refused");
    CHECK(imported + refused == 200);
  }
}

TEST_CASE("nn datasets: .npy images + labels, .npz pairs, float inputs, sample shapes") {
  const qp::io::TensorData labels = npy("labels.npy");
  const Dataset d = qp::nn::dataset_from_npy(fixture("images.npy"), fixture("labels.npy"));
  CHECK(d.sample == ActShape{1, 28, 28});
  CHECK(d.count == 32);
  REQUIRE(d.labels.size() == 32);
  for (size_t i = 0; i < 32; ++i) CHECK(d.labels[i] == static_cast<int32_t>(labels.values[i]));
  // uint8 / 255 as numpy computed it in float32 (floats.npz holds the first 8 images so divided).
  const Dataset f = qp::nn::dataset_from_npz(fixture("floats.npz"), qp::test::inflater());
  CHECK(f.sample == ActShape{784, 1, 1});
  CHECK(f.count == 8);
  CHECK(std::vector<float>(d.inputs.begin(), d.inputs.begin() + 8 * 784) == f.inputs);
  CHECK(std::vector<int32_t>(d.labels.begin(), d.labels.begin() + 8) == f.labels);

  // The network's input shape is taken when it reads the same bytes.
  CHECK(qp::nn::dataset_from_npy(fixture("images.npy"), nullptr, ActShape{784, 1, 1}).sample == ActShape{784, 1, 1});
  CHECK(qp::nn::dataset_from_npz(fixture("floats.npz"), qp::test::inflater(), ActShape{1, 28, 28}).sample == ActShape{1, 28, 28});
  CHECK(qp::nn::dataset_from_npy(fixture("images.npy"), nullptr).labels.empty());

  const Dataset z = qp::nn::dataset_from_npz(fixture("dataset.npz"), qp::test::inflater());  // deflated x_test [32, 1, 28, 28], y_test u8
  CHECK(z.sample == ActShape{1, 28, 28});
  CHECK(z.inputs == d.inputs);
  CHECK(z.labels == d.labels);
}

TEST_CASE("nn datasets: wrong names, shapes, types and counts are refused with what was found") {
  const std::string names = error_of([] { qp::nn::dataset_from_npz(fixture("no_pair.npz"), qp::test::inflater()); });
  CHECK(names.find("no_pair.npz") != std::string::npos);
  CHECK(names.find("a <f4[3]") != std::string::npos);
  CHECK(names.find("b <i8[2]") != std::string::npos);
  CHECK(names.find("x/y") != std::string::npos);
  CHECK(names.find("x_test/y_test") != std::string::npos);

  const std::string size = error_of([] { qp::nn::dataset_from_npy(fixture("images.npy"), nullptr, ActShape{3, 32, 32}); });
  CHECK(size.find("784 values") != std::string::npos);
  CHECK(size.find("3×32×32 = 3072") != std::string::npos);
  const std::string order = error_of([] { qp::nn::dataset_from_npy(fixture("images.npy"), nullptr, ActShape{4, 14, 14}); });
  CHECK(order.find("C, H, W order") != std::string::npos);

  auto mem = [](const std::string& name, const std::string& descr, const qp::Shape& shape, const void* data, size_t n) {
    return std::make_shared<qp::io::MemorySource>(name, qp::io::encode_npy(descr, shape, data, n));
  };
  const int64_t eight[8] = {0, 1, 2, 3, 4, 5, 6, 7};
  const std::string count = error_of([&] { qp::nn::dataset_from_npy(fixture("images.npy"), mem("y8.npy", "<i8", {8}, eight, 64)); });
  CHECK(count.find("8 labels for 32 samples") != std::string::npos);
  const std::string onehot = error_of([&] { qp::nn::dataset_from_npy(fixture("images.npy"), mem("oh.npy", "<i8", {4, 2}, eight, 64)); });
  CHECK(onehot.find("not one-hot") != std::string::npos);
  const int32_t ints[4] = {1, 2, 3, 4};
  const std::string type = error_of([&] { qp::nn::dataset_from_npy(mem("x.npy", "<i4", {2, 2}, ints, 16), nullptr); });
  CHECK(type.find("uint8 pixels") != std::string::npos);
  const std::string flat = error_of([&] { qp::nn::dataset_from_npy(mem("x.npy", "<f4", {4}, ints, 16), nullptr); });
  CHECK(flat.find("[N, features]") != std::string::npos);
  const float inputs[4] = {0.1f, 0.2f, 0.3f, 0.4f};
  const float half[2] = {1.0f, 0.5f};
  const std::string frac = error_of([&] { qp::nn::dataset_from_npy(mem("x.npy", "<f4", {2, 2}, inputs, 16), mem("y.npy", "<f4", {2}, half, 8)); });
  CHECK(frac.find("label 1 is 0.5") != std::string::npos);
  const float whole[2] = {3.0f, 0.0f};
  CHECK(qp::nn::dataset_from_npy(mem("x.npy", "<f4", {2, 2}, inputs, 16), mem("y.npy", "<f4", {2}, whole, 8)).labels ==
        std::vector<int32_t>{3, 0});
}
