#include "nn/engine.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "kernels/quantize_f32.h"
#include "nn/engine_steps.h"
#include "nn/gptq.h"
#include "nn/layer_ops.h"
#include "nn/weight_quant.h"

namespace qp::nn {
namespace {

// Runs the steps over a batch; `observe` (optional) sees the float input of every weighted step.
class NetworkEngine final : public Engine {
 public:
  NetworkEngine(ActShape input, size_t classes, size_t bytes) : input_shape_(input) {
    classes_ = classes;
    input_size_ = input.size();
    model_bytes_ = bytes;
  }
  void add(std::unique_ptr<Step> s) { steps_.push_back(std::move(s)); }
  void forward(const float* x, size_t batch, float* logits) override {
    if (batch == 0) return;
    if (!kernels::all_finite_f32(x, batch * input_size_))
      throw Error("the input holds NaN or Inf values; the network cannot classify them");
    act_.batch = batch;
    act_.shape = input_shape_;
    act_.is_codes = false;
    act_.values.resize(batch * input_size_);
    nchw_to_nhwc<float>(x, batch, input_shape_, act_.values.data());
    for (auto& s : steps_) {
      if (observe_ && s->weighted_index() >= 0) {
        to_float(act_);
        observe_(static_cast<size_t>(s->weighted_index()), act_);
      }
      s->run(act_);
    }
    to_float(act_);
    std::copy(act_.values.begin(), act_.values.begin() + batch * classes_, logits);
  }
  std::function<void(size_t, const Activations&)> observe_;
  // Per weighted layer, the map its step reads as stored (a Linear after a Flatten: the H×W×C map,
  // whose order engine_fan_in_order describes; observe_ sees it already relabelled as flat).
  std::vector<ActShape> weighted_inputs_;

 private:
  ActShape input_shape_;
  std::vector<std::unique_ptr<Step>> steps_;
  Activations act_;
};

std::unique_ptr<NetworkEngine> build(const Network& net, const EngineOptions& opt) {
  const std::vector<ActShape> shapes = net.shapes();
  const std::vector<size_t> weighted = net.weighted_layers();
  if (weighted.empty()) throw Error("the network has no Linear or Conv2d layer");
  if (shapes.back().h != 1 || shapes.back().w != 1)
    throw Error("the network must end in a flat vector of class scores (add a Flatten or a pooling layer)");
  if (!opt.layer_bits.empty() && opt.layer_bits.size() != weighted.size())
    throw Error("per-layer bits: " + std::to_string(opt.layer_bits.size()) + " values given, the network has " +
                std::to_string(weighted.size()) + " weighted layers");
  const bool integer_mode = opt.mode == Mode::Dynamic || opt.mode == Mode::Static;
  if (opt.mode != Mode::Float) {
    auto check_bits = [](int b) {
      if (b != 0 && (b < 2 || b > 8)) throw Error("weight bits must be 2..8 (0 keeps a layer in float), got " + std::to_string(b));
    };
    check_bits(opt.weights.bits);
    if (opt.weights.bits == 0) throw Error("weight bits must be 2..8");
    for (int b : opt.layer_bits) check_bits(b);
    if (integer_mode && opt.weights.affine)
      throw Error(std::string(mode_name(opt.mode)) +
                  " mode runs the int8 GEMM on symmetric weights (zero point 0): affine weights are for weight-only mode");
    if (integer_mode && opt.weights.group_size > 0)
      throw Error(std::string(mode_name(opt.mode)) +
                  " mode runs the int8 GEMM, whose scales are per output channel: per-group weights are for "
                  "weight-only mode");
  }
  if (opt.mode == Mode::Static) {
    if (opt.activation_ranges.size() != weighted.size())
      throw Error("static mode needs one calibrated activation range per weighted layer (" +
                  std::to_string(weighted.size()) + "), got " + std::to_string(opt.activation_ranges.size()) +
                  ": calibrate first");
    for (const auto& [lo, hi] : opt.activation_ranges)
      if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) throw Error("an activation range is not finite or is empty");
  }
  if (opt.mode != Mode::Float && is_gptq_calibration(opt.weights.calibration)) {
    gptq_grid_calibration(opt.weights.calibration);  // an unknown grid calibrator fails here
    if (opt.input_hessians.size() != weighted.size())
      throw Error("weight calibration '" + opt.weights.calibration + "' needs calibration data: one H per weighted layer (" +
                  std::to_string(weighted.size()) + ") from calibration samples, got " +
                  std::to_string(opt.input_hessians.size()));
  }
  auto bits_of = [&](size_t w) { return opt.layer_bits.empty() ? opt.weights.bits : opt.layer_bits[w]; };
  auto quantized = [&](size_t w) { return opt.mode != Mode::Float && bits_of(w) != 0; };

  size_t bytes = 0;
  std::vector<std::unique_ptr<Step>> steps;
  std::vector<ActShape> weighted_inputs;
  ActShape stored = net.input;  // the map as the engine stores it (Flatten does not move data)
  size_t w = 0;
  for (size_t i = 0; i < net.layers.size(); ++i) {
    const Layer& l = net.layers[i];
    const ActShape in = i == 0 ? net.input : shapes[i - 1];
    if (!l.has_weights()) {
      steps.push_back(make_shape_step(l, stored));
      if (l.kind != LayerKind::Flatten) stored = shapes[i];
      continue;
    }
    WeightedGeometry g;
    g.kind = l.kind;
    g.in = l.kind == LayerKind::Conv2d ? in : stored;
    g.out = shapes[i];
    g.kernel = l.kind == LayerKind::Conv2d ? l.kernel : 1;
    g.stride = l.stride;
    g.padding = l.padding;
    g.fan_in = l.fan_in();
    g.channels_out = l.out;
    g.weighted_index = static_cast<int>(w);
    const std::vector<uint32_t> order = engine_fan_in_order(l, g.in);
    weighted_inputs.push_back(g.in);
    if (!quantized(w)) {
      steps.push_back(make_float_step(g, permute_fan_in(l.weight, l.out, order), l.bias));
      bytes += 4 * (l.weight.size() + l.bias.size());
    } else {
      WeightQuantSpec spec = opt.weights;
      spec.bits = bits_of(w);
      const QuantizedWeights q =
          quantize_layer_weights(l, spec, opt.input_hessians.empty() ? nullptr : &opt.input_hessians[w]);
      bytes += q.storage_bytes + 4 * l.bias.size();
      if (opt.mode == Mode::WeightOnly) {
        steps.push_back(make_float_step(g, permute_fan_in(q.dequantized, l.out, order), l.bias));
      } else {
        std::vector<uint8_t> raw(q.codes.begin(), q.codes.end());
        const std::vector<uint8_t> permuted = permute_fan_in(raw, l.out, order);
        const std::vector<int8_t> codes(permuted.begin(), permuted.end());
        if (opt.mode == Mode::Dynamic) {
          steps.push_back(make_dynamic_step(g, codes, q.scales, l.bias, opt.dynamic_per_row));
        } else {
          // Codes out only when the next weighted layer is quantized too; its input range is our output grid.
          const bool next_quantized = w + 1 < weighted.size() && quantized(w + 1);
          steps.push_back(make_static_step(g, codes, q.scales, l.bias, opt.activation_ranges[w],
                                           next_quantized ? &opt.activation_ranges[w + 1] : nullptr,
                                           opt.requantization == Requantization::Float));
        }
      }
    }
    stored = shapes[i];
    ++w;
  }
  if (stored.c > 1 && stored.h * stored.w > 1) steps.push_back(make_nchw_output_step(stored));
  steps = fuse_steps(std::move(steps));
  auto engine = std::make_unique<NetworkEngine>(net.input, shapes.back().size(), bytes);
  for (auto& s : steps) engine->add(std::move(s));
  engine->weighted_inputs_ = std::move(weighted_inputs);
  return engine;
}

// Float forward passes over `count` samples in batches of 256, as a calibration DataLoader would
// feed an observer (moving-average depends on it); the engine's observe_ sees each layer's input.
void run_float_batches(NetworkEngine& engine, const float* inputs, size_t count,
                       const std::function<void(size_t)>& progress) {
  constexpr size_t kBatch = 256;
  std::vector<float> logits(kBatch * engine.num_classes());
  for (size_t done = 0; done < count; done += kBatch) {
    const size_t b = std::min(kBatch, count - done);
    engine.forward(inputs + done * engine.input_size(), b, logits.data());
    if (progress) progress(done + b);
  }
}

}  // namespace

Mode parse_mode(const std::string& name) {
  if (name == "float") return Mode::Float;
  if (name == "weight-only") return Mode::WeightOnly;
  if (name == "dynamic") return Mode::Dynamic;
  if (name == "static") return Mode::Static;
  throw Error("unknown mode '" + name + "': use float, weight-only, dynamic or static");
}

Requantization parse_requantization(const std::string& name) {
  if (name == "fixed-point") return Requantization::FixedPoint;
  if (name == "float") return Requantization::Float;
  throw Error("unknown requantization '" + name + "': use fixed-point (gemmlowp/TFLite) or float (ONNX Runtime)");
}

const char* requantization_name(Requantization r) { return r == Requantization::Float ? "float" : "fixed-point"; }

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::Float: return "float";
    case Mode::WeightOnly: return "weight-only";
    case Mode::Dynamic: return "dynamic";
    case Mode::Static: return "static";
  }
  return "?";
}

std::unique_ptr<Engine> make_engine(const Network& net, const EngineOptions& options) { return build(net, options); }

ActivationRanges calibrate_activations(const Network& net, const float* inputs, size_t count,
                                       const CalibrationSpec& spec, const std::function<void(size_t)>& progress) {
  if (count == 0) throw Error("calibration needs at least one sample");
  EngineOptions float_options;
  auto engine = build(net, float_options);
  const size_t layers = net.weighted_layers().size();
  CalibrationGrid grid;
  grid.range = {0, 255};
  grid.scheme = Scheme::Affine;
  grid.mode = NumericsMode::PyTorch;
  grid.bits = 8;
  std::vector<std::unique_ptr<Calibrator>> calibrators;
  for (size_t i = 0; i < layers; ++i) calibrators.push_back(make_calibrator(spec, grid));
  engine->observe_ = [&](size_t w, const Activations& a) { calibrators[w]->observe(a.values.data(), a.values.size()); };
  run_float_batches(*engine, inputs, count, progress);
  ActivationRanges ranges;
  for (auto& c : calibrators) ranges.push_back(c->range());
  return ranges;
}

InputHessians collect_input_hessians(const Network& net, const float* inputs, size_t count,
                                     const std::function<void(size_t)>& progress) {
  if (count == 0) throw Error("calibration needs at least one sample");
  EngineOptions float_options;
  auto engine = build(net, float_options);
  const std::vector<size_t> weighted = net.weighted_layers();
  std::vector<InputHessian> sums;
  for (size_t w = 0; w < weighted.size(); ++w) sums.emplace_back(net.layers[weighted[w]], engine->weighted_inputs_[w]);
  engine->observe_ = [&](size_t w, const Activations& a) { sums[w].add(a.values.data(), a.batch); };
  run_float_batches(*engine, inputs, count, progress);
  InputHessians hessians;
  for (const auto& s : sums) hessians.push_back(s.hessian());
  return hessians;
}

}  // namespace qp::nn
