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
#include "kernels/gemm_q8_relaxed.h"
#include "kernels/requantize.h"
#include "nn/network.h"
#include "quant/qparams.h"

namespace qp::nn {

// std::allocator that default-initializes: resize() of a vector of numbers leaves the new
// elements unwritten instead of zero-filling them. Activation buffers change size from layer to
// layer and every element is written by the step that grows them, so the fill was pure cost
// (a tenth of a small CNN's time in memset).
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <class T>
using Buffer = std::vector<T, UninitializedAllocator<T>>;

struct Activations {
  size_t batch = 0;
  ActShape shape;              // per sample, stored H×W×C (C fastest)
  bool is_codes = false;
  Buffer<float> values;    // batch × shape.size() when !is_codes
  Buffer<uint8_t> codes;   // batch × shape.size() when is_codes (uint8, affine)
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
  // Whether this step took over the work of `next`, the step after it (fuse_steps).
  virtual bool absorb(const Step& next) {
    (void)next;
    return false;
  }
};

// The steps with every step a predecessor absorbed removed: a static step with codes out computes
// the ReLU in its requantization's clamp and, for a convolution, the max-pool after it, one sample
// at a time (bit-identical to the separate steps).
std::vector<std::unique_ptr<Step>> fuse_steps(std::vector<std::unique_ptr<Step>> steps);

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
// A network that ends in a Flatten of a C×H×W map returns PyTorch's C,H,W order: this step puts
// the engine's H×W×C values back in that order (as floats).
std::unique_ptr<Step> make_nchw_output_step(const ActShape& map);

}  // namespace qp::nn
