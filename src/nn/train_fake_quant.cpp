// train_fake_quant.h: weight and activation fake quantization.
#include "nn/train_fake_quant.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "nn/engine.h"
#include "nn/weight_quant.h"
#include "quant/calibrate.h"
#include "quant/quantize.h"
#include "quant/scheme.h"

namespace qp::nn {

void validate_fake_quant(const FakeQuantOptions& o) {
  if (o.weight_bits < 2 || o.weight_bits > 8)
    throw Error("QAT: weight bits must be 2..8, got " + std::to_string(o.weight_bits));
  for (int b : o.layer_bits)
    if (b != 0 && (b < 2 || b > 8)) throw Error("QAT: layer bits must be 0 (float) or 2..8, got " + std::to_string(b));
  if (o.granularity == WeightGranularity::PerGroup && o.group_size <= 0)
    throw Error("QAT: per-group weights need a group size > 0");
  if (!(o.averaging_constant > 0.0f && o.averaging_constant <= 1.0f))
    throw Error("QAT: the observer's averaging constant must be in (0, 1]");
  parse_calibration(o.weight_calibration);  // a clear error now, not at the first step
  if (o.gptq_init && o.gptq_samples == 0) throw Error("QAT: the GPTQ start needs at least one calibration sample");
}

std::string gptq_calibration_for(const FakeQuantOptions& o) {
  return o.weight_calibration == "minmax" ? "gptq" : "gptq-" + o.weight_calibration;
}

void gptq_initialize(Network& net, const float* inputs, size_t count, const FakeQuantOptions& o) {
  const std::vector<size_t> weighted = net.weighted_layers();
  // H of every layer from the float network, before any layer changes.
  const InputHessians hessians = collect_input_hessians(net, inputs, count);
  for (size_t w = 0; w < weighted.size(); ++w) {
    const int bits = o.layer_bits.empty() ? o.weight_bits : o.layer_bits[w];
    if (bits == 0) continue;
    WeightQuantSpec spec;
    spec.bits = bits;
    spec.per_tensor = o.granularity == WeightGranularity::PerTensor;
    spec.group_size = o.granularity == WeightGranularity::PerGroup ? o.group_size : 0;
    spec.calibration = gptq_calibration_for(o);
    Layer& layer = net.layers[weighted[w]];
    layer.weight = quantize_layer_weights(layer, spec, &hessians[w]).dequantized;
  }
}

std::vector<float> fake_quantize_weights(const float* w, size_t rows, size_t cols, const FakeQuantOptions& o) {
  QuantSpec spec;
  spec.bits = o.weight_bits;
  spec.is_signed = true;
  spec.scheme = Scheme::Symmetric;
  spec.mode = NumericsMode::PyTorch;
  if (o.granularity == WeightGranularity::PerChannel) spec.channel_axis = 0;
  if (o.granularity == WeightGranularity::PerGroup) {
    spec.channel_axis = 1;
    spec.group_size = o.group_size;
  }
  const Shape shape = {static_cast<int64_t>(rows), static_cast<int64_t>(cols)};
  if (o.weight_calibration != "minmax") {
    // The registry's int scheme with that calibrator: the codes and scales quantize_layer_weights
    // gives the converted engine for the same options.
    SchemeSpec s;
    s.integer = spec;
    s.calibration = o.weight_calibration;
    return std::move(run_scheme(w, rows * cols, shape, s).dequantized);
  }
  QuantizedTensor q = quantize_tensor(w, rows * cols, shape, spec, KeepOutputs{false, true});
  return std::move(q.dequantized);
}

void ActivationFakeQuant::observe(const float* x, size_t n) {
  if (n == 0) return;
  float lo = x[0], hi = x[0];
  for (size_t i = 1; i < n; ++i) {
    lo = x[i] < lo ? x[i] : lo;
    hi = x[i] > hi ? x[i] : hi;
  }
  if (!std::isfinite(lo) || !std::isfinite(hi)) throw Error("QAT: an activation is not finite (training diverged)");
  if (!initialized_) {
    lo_ = lo;
    hi_ = hi;
    initialized_ = true;
  } else {  // torch: min = min + c·(batch_min − min), in float32
    lo_ = lo_ + c_ * (lo - lo_);
    hi_ = hi_ + c_ * (hi - hi_);
  }
}

void ActivationFakeQuant::set_range(float lo, float hi) {
  lo_ = lo;
  hi_ = hi;
  initialized_ = true;
}

QParams ActivationFakeQuant::qparams() const {
  if (!initialized_) throw Error("QAT: an activation range was used before any batch was observed");
  return choose_qparams(lo_, hi_, IntRange{0, 255}, Scheme::Affine, NumericsMode::PyTorch, 8);
}

void ActivationFakeQuant::apply(const float* x, size_t n, float* y, uint8_t* mask) const {
  const QParams p = qparams();
  const float inv_scale = 1.0f / p.scale;
  const float zp = static_cast<float>(p.zero_point);
  for (size_t i = 0; i < n; ++i) {
    const float q = zp + std::nearbyint(x[i] * inv_scale);  // integral, exact in float
    const float c = q < 0.0f ? 0.0f : (q > 255.0f ? 255.0f : q);
    y[i] = (c - zp) * p.scale;
    if (mask) mask[i] = q >= 0.0f && q <= 255.0f;
  }
}

}  // namespace qp::nn
