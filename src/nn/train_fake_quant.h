// Fake quantization for quantization-aware training (QAT), in PyTorch's numerics.
//
// Weights: every step the float ("shadow") weights of each Linear / Conv2d are quantized and
// dequantized by the core's quantize_tensor (symmetric, signed, b bits, per tensor / per output
// channel / per group of G along fan-in, NumericsMode::PyTorch, on the [out, fan_in] view; each
// unit's range from min/max or from another calibrator, weight_calibration); the
// forward and backward passes use the result, and the weight gradient is applied to the float
// weights unchanged (straight-through estimator).
//
// Activations: the tensor entering each weighted layer is fake-quantized to uint8, affine, with
// the range of a moving-average min/max observer (averaging constant 0.01, torch's
// MovingAverageMinMaxObserver in the default QAT qconfig) and torch's fake_quantize arithmetic:
//   q = zero_point + nearbyint(x · fl(1/scale)),  y = (clamp(q, 0, 255) − zero_point) · scale,
// and its gradient passes only where 0 <= q <= 255 (torch.fake_quantize_per_tensor_affine's mask).
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "nn/network.h"
#include "quant/qparams.h"

namespace qp::nn {

enum class WeightGranularity { PerTensor, PerChannel, PerGroup };

struct FakeQuantOptions {
  bool enabled = false;
  int weight_bits = 8;  // 2..8, symmetric signed
  WeightGranularity granularity = WeightGranularity::PerChannel;
  int group_size = 0;   // PerGroup: consecutive fan-in indices sharing a scale
  // Mixed precision: one entry per weighted layer (Network::weighted_layers() order), that layer's
  // weight bits, 0 = keep it float (as EngineOptions::layer_bits). Empty: weight_bits everywhere.
  std::vector<int> layer_bits;
  // How each weight unit's clip range is chosen at every step: "minmax" (PyTorch's default QAT
  // weight observer) or another calibrator of #4 (e.g. "mse"), the same one the converted engine
  // then uses (WeightQuantSpec::calibration), so training sees the grid inference runs on.
  std::string weight_calibration = "minmax";
  // Start from GPTQ's weights (nn/gptq.h, docs/numerics.md §18) instead of the float ones: when the
  // Trainer is built, each quantized layer's float weights are replaced by GPTQ's dequantized
  // weights on this grid ("gptq" for minmax, "gptq-C" for calibrator C), H from the float network's
  // inputs on the first gptq_samples training samples. GPTQ rounds with the layer's output error
  // in view, so QAT starts much closer to float than from round-to-nearest (measured better at
  // 8 and 4 bits, worse at 3 and 2: docs/numerics.md §17.5). The distillation teacher
  // (TrainOptions::distill) is then that GPTQ start, in float.
  bool gptq_init = false;
  size_t gptq_samples = 1000;
  bool activations = true;          // fake-quantize the input of each weighted layer to uint8
  float averaging_constant = 0.01f;
};

// Throws qp::Error on bits outside 2..8 (layer_bits: 0 or 2..8) or a PerGroup without a positive
// group size.
void validate_fake_quant(const FakeQuantOptions& o);

// The weight calibration GPTQ uses for QAT's grid: "gptq" for "minmax", else "gptq-" + calibrator.
std::string gptq_calibration_for(const FakeQuantOptions& o);

// FakeQuantOptions::gptq_init: replaces the weights of every quantized layer of `net` (bits from
// o.layer_bits or o.weight_bits; 0 = float, left alone) by their GPTQ dequantized values on QAT's
// grid (granularity, bits, gptq_calibration_for(o)), H from the float network on the first `count`
// samples of `inputs` (NCHW). The codes and scales are those an engine with weight calibration
// gptq_calibration_for(o) and the same H would use.
void gptq_initialize(Network& net, const float* inputs, size_t count, const FakeQuantOptions& o);

// Fake-quantized copy of a [rows, cols] weight matrix (rows = output channels, cols = fan-in).
std::vector<float> fake_quantize_weights(const float* w, size_t rows, size_t cols, const FakeQuantOptions& o);

// The moving-average min/max observer of one activation tensor and its fake quantizer.
class ActivationFakeQuant {
 public:
  explicit ActivationFakeQuant(float averaging_constant = 0.01f) : c_(averaging_constant) {}
  // Moves the range toward this batch's min/max (the first batch sets it).
  void observe(const float* x, size_t n);
  bool initialized() const { return initialized_; }
  std::pair<float, float> range() const { return {lo_, hi_}; }
  void set_range(float lo, float hi);
  QParams qparams() const;  // uint8 affine grid, PyTorch numerics
  // y = fake_quant(x); when mask is not null, mask[i] = 1 where the gradient passes.
  void apply(const float* x, size_t n, float* y, uint8_t* mask) const;

 private:
  float c_;
  bool initialized_ = false;
  float lo_ = 0, hi_ = 0;
};

}  // namespace qp::nn
