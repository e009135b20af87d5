// Inference engines: one Network run four ways, the classic kinds of quantization side by side.
//
//   float        float32 everywhere, on the packed float GEMM (kernels/gemm_f32.h).
//   weight-only  weights quantized (symmetric, b bits, per channel / group / tensor) and
//                dequantized once; activations and arithmetic stay float32. What a
//                weight-only deployment computes (it dequantizes on the fly); only the size shrinks.
//   dynamic      int8 weights (symmetric per channel, zero point 0); each layer's input is
//                quantized at run time from its own min/max (ONNX DynamicQuantizeLinear uint8,
//                per batch or per row), uint8×int8 GEMM with int32 accumulation, then
//                y = S_x·S_w[j]·acc + b in float (ONNX's dynamic MatMulInteger recipe).
//   static       integer-only inference (the classic y = S_x·S_w·Σ(x_q − Z_x)(w_q − Z_w) + b):
//                activation ranges calibrated beforehand on a calibration set, the input
//                quantized once to uint8, every layer uint8×int8 → int32 with an int32 bias
//                q_b = round(b / (S_x·S_w[j])), requantized to the next layer's uint8 grid by the
//                gemmlowp/TFLite fixed-point multiplier (ReLU fused as the clamp), max-pool on the
//                codes; the last layer's accumulators are dequantized to float logits.
//
// Activations are NHWC inside the engines (a convolution's patch is then contiguous for im2col);
// the first Linear after a Flatten has its weight columns permuted at preparation so the result
// equals PyTorch's C,H,W flatten order. Formulas and references: docs/numerics.md §15.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nn/network.h"
#include "quant/calibrate.h"

namespace qp::nn {

enum class Mode { Float, WeightOnly, Dynamic, Static };
Mode parse_mode(const std::string& name);  // "float", "weight-only", "dynamic", "static"
const char* mode_name(Mode m);

// How weights are quantized: signed `bits` (2..8), PyTorch numerics. Symmetric by default
// (per_channel_symmetric: scale = max|w| / ((qmax − qmin)/2), zero point 0); affine (a scale and
// a zero point per unit from its min/max, as GPTQ/AWQ store int4 groups) for weight-only mode.
struct WeightQuantSpec {
  int bits = 8;
  bool affine = false;       // weight-only only: the integer engines take zero point 0
  int group_size = 0;        // > 0: groups of this many along fan-in (weight-only only)
  bool per_tensor = false;   // one scale for the whole layer instead of one per output channel
  // How each unit's clip range is chosen (a calibrator of #4, docs/numerics.md §7): "minmax"
  // (PyTorch's weight observers) or e.g. "mse" (the clip ratio minimizing the unit's MSE). Or GPTQ
  // (nn/gptq.h, docs/numerics.md §18): "gptq" (grids from min/max) or "gptq-C" (grids from the
  // calibrator C, e.g. "gptq-mse"), which needs EngineOptions::input_hessians.
  std::string calibration = "minmax";
};

// How static mode maps int32 accumulators to the next layer's uint8 codes (docs/numerics.md §12, §15):
//   FixedPoint  gemmlowp / TFLite: integer multiplier M0 and rounding shift (integer-only)
//   Float       ONNX Runtime QLinearConv / QLinearMatMul (MLAS) and XNNPACK fp32: float multiplier
//               fl(fl(S_x·S_w[j]) / S_y), round half to even, SIMD
enum class Requantization { FixedPoint, Float };
Requantization parse_requantization(const std::string& name);  // "fixed-point", "float"
const char* requantization_name(Requantization r);

// One [lo, hi] per weighted layer: the float range of the tensor entering it (static mode).
using ActivationRanges = std::vector<std::pair<float, float>>;

// One H = (2/N)·XᵀX per weighted layer (fan_in × fan_in, row-major, PyTorch fan-in order), X the
// float inputs of the layer on N calibration samples: what GPTQ weight calibration needs.
using InputHessians = std::vector<std::vector<double>>;

struct EngineOptions {
  Mode mode = Mode::Float;
  WeightQuantSpec weights;
  // Mixed precision: one entry per weighted layer (Network::weighted_layers order), the weight
  // bits of that layer, 0 = keep the layer in float. Empty = every layer uses weights.bits.
  std::vector<int> layer_bits;
  bool dynamic_per_row = false;          // dynamic: one scale / zero point per sample row
  ActivationRanges activation_ranges;    // static: from calibrate_activations or QAT
  InputHessians input_hessians;          // weights.calibration "gptq…": from collect_input_hessians
  // static. Fixed-point by default: integer-only inference, as the classic formulation; float
  // reproduces ONNX Runtime's QLinear* kernels. Both have SIMD tiers.
  Requantization requantization = Requantization::FixedPoint;
};

class Engine {
 public:
  virtual ~Engine() = default;
  // x: batch samples in the network's NCHW input layout; logits: batch × classes.
  virtual void forward(const float* x, size_t batch, float* logits) = 0;
  size_t num_classes() const { return classes_; }
  size_t input_size() const { return input_size_; }
  // Bytes of the deployed weights: codes at their bit width, fp32 scales (and fp32 biases; int32
  // biases for static), float layers at 4 bytes a parameter.
  size_t model_bytes() const { return model_bytes_; }

 protected:
  size_t classes_ = 0, input_size_ = 0, model_bytes_ = 0;
};

// Validates the options against the network (qp::Error with the reason: per-group weights in an
// integer mode, ranges missing in static mode, layer_bits of the wrong length, ...).
std::unique_ptr<Engine> make_engine(const Network& net, const EngineOptions& options);

// Static PTQ calibration: runs the float network over `inputs` (count samples, NCHW) and feeds
// the tensor entering every weighted layer to a calibrator of `spec` (8-bit uint8 affine grid,
// PyTorch numerics). `progress` (may be empty) gets samples done so far.
ActivationRanges calibrate_activations(const Network& net, const float* inputs, size_t count,
                                       const CalibrationSpec& spec,
                                       const std::function<void(size_t)>& progress = {});

// GPTQ calibration: runs the float network over `inputs` (count samples, NCHW) and sums, for every
// weighted layer, the outer products of the rows of its input (im2col rows for a convolution).
InputHessians collect_input_hessians(const Network& net, const float* inputs, size_t count,
                                     const std::function<void(size_t)>& progress = {});

}  // namespace qp::nn
