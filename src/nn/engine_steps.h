// The steps an engine runs, one per layer, on a batch of NHWC activations that are either float32
// values or uint8 codes with one scale and zero point (static mode). A weighted step converts its
// input to the domain it needs (quantize with its calibrated range, or dequantize), so any mix of
// float and quantized layers (mixed precision, sensitivity analysis) chains correctly.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "kernels/gemm_f32.h"
#include "kernels/gemm_q8.h"
#include "kernels/requantize.h"
#include "nn/network.h"
#include "quant/qparams.h"

namespace qp::nn {

struct Activations {
  size_t batch = 0;
  ActShape shape;              // per sample, stored H×W×C (C fastest)
  bool is_codes = false;
  std::vector<float> values;   // batch × shape.size() when !is_codes
  std::vector<uint8_t> codes;  // batch × shape.size() when is_codes (uint8, affine)
  QParams qparams;             // of the codes
};

// The uint8 grid every static activation lives on: affine 0..255, PyTorch's qparams.
QParams activation_qparams(std::pair<float, float> range);
void to_float(Activations& a);
void to_codes(Activations& a, QParams p);

class Step {
 public:
  virtual ~Step() = default;
  virtual void run(Activations& a) = 0;
  // Index among the weighted layers, or -1.
  virtual int weighted_index() const { return -1; }
};

// A Linear or Conv2d in the engine's layout: weights [out][fan_in] with the fan-in in the order
// of engine_fan_in_order, float bias.
struct WeightedGeometry {
  LayerKind kind = LayerKind::Linear;
  ActShape in, out;            // per-sample shapes (Linear: in is the stored map it reads)
  size_t kernel = 1, stride = 1, padding = 0;
  size_t fan_in = 0, channels_out = 0;
  int weighted_index = -1;
  size_t positions() const { return out.h * out.w; }  // rows per sample of the GEMM
};

std::unique_ptr<Step> make_float_step(const WeightedGeometry& g, const std::vector<float>& weight,
                                      const std::vector<float>& bias);
// Weights: int8 codes [out][fan_in] (engine order), one scale per output channel (or one).
std::unique_ptr<Step> make_dynamic_step(const WeightedGeometry& g, const std::vector<int8_t>& codes,
                                        const std::vector<float>& scales, const std::vector<float>& bias,
                                        bool per_row);
// input_range: the calibrated range of this layer's input; output_range: of the next quantized
// layer's input (codes out), or none (float out: the last layer, or before a float layer).
// float_requantization: ONNX Runtime's float multiplier instead of the fixed-point one.
std::unique_ptr<Step> make_static_step(const WeightedGeometry& g, const std::vector<int8_t>& codes,
                                       const std::vector<float>& scales, const std::vector<float>& bias,
                                       std::pair<float, float> input_range,
                                       const std::pair<float, float>* output_range, bool float_requantization);
std::unique_ptr<Step> make_shape_step(const Layer& layer, const ActShape& in);  // ReLU, pools, Flatten

}  // namespace qp::nn
