// GPTQ (Frantar, Ashkboos, Hoefler, Alistarh 2022, "GPTQ: Accurate Post-Training Quantization for
// Generative Pre-trained Transformers", Algorithm 1; after OBQ, Frantar & Alistarh 2022): weight-only
// quantization of one layer that, column by column along the fan-in, rounds a column to its grid and
// moves the rounding error onto the columns not yet quantized, weighted by the inverse of
// H = 2·XᵀX, X the layer's float inputs on calibration samples (one row per sample; for a
// convolution one im2col row per output position). It minimises the layer's output error
// ‖W·Xᵀ − Ŵ·Xᵀ‖² greedily instead of each weight's own error. Codes and scales come out in the
// format of the ordinary weight quantizer (nn/weight_quant.h), on the same grids and rounding.
// Derivation and what differs from the reference implementation: docs/numerics.md §18.
#pragma once
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "nn/engine.h"
#include "nn/network.h"
#include "nn/weight_quant.h"

namespace qp::nn {

// Weight calibration names: "gptq" (each unit's grid from its min/max, as the reference) or
// "gptq-C" with C a calibrator of quant/calibrate.h choosing each unit's grid (e.g. "gptq-mse").
bool is_gptq_calibration(const std::string& calibration);
// The calibrator behind a GPTQ name ("minmax" for "gptq"); the name itself otherwise. Throws
// qp::Error on an unknown calibrator.
std::string gptq_grid_calibration(const std::string& calibration);

struct GptqOptions {
  double percdamp = 0.01;   // λ = percdamp · mean(diag H) added to the diagonal
  size_t block_size = 128;  // columns per lazy batch update (rounded to a multiple of the group size)
};

// W: row-major [out, fan_in] (PyTorch layout, fan-in in PyTorch order); hessian: fan_in × fan_in,
// symmetric, in the same fan-in order. spec: bits, scheme, granularity and the GPTQ calibration
// name. Per group, a group's grid is chosen when GPTQ reaches its first column, from the weights as
// updated by then (the reference's `groupsize` without static groups). Throws qp::Error on a
// hessian of the wrong size or with non-finite values, or one that is not positive definite even
// after dampening.
QuantizedWeights gptq_quantize(const float* w, size_t out, size_t fan_in, const std::vector<double>& hessian,
                               const WeightQuantSpec& spec, const GptqOptions& options = {});

// U upper triangular with positive diagonal and UᵀU = A⁻¹, for A symmetric positive definite
// (n × n, row-major): the factor GPTQ reads its updates from (torch.linalg.cholesky(
// cholesky_inverse(cholesky(A)), upper=True) in the reference). nullopt when A is not positive
// definite. Exposed for the tests.
std::optional<std::vector<double>> upper_cholesky_of_inverse(const std::vector<double>& a, size_t n);

// H = (2/N)·Σ xxᵀ of one layer over the rows x of its input seen on N calibration samples,
// summed in double. Rows come in the engine's fan-in order; hessian() returns H in PyTorch's
// fan-in order (the order of the weight matrix), through `order` (layer_ops.h engine_fan_in_order).
class InputHessian {
 public:
  InputHessian(const Layer& layer, const ActShape& input);
  // `batch` samples of the layer's input, NHWC as the engines store it.
  void add(const float* x, size_t batch);
  std::vector<double> hessian() const;

 private:
  LayerKind kind_;
  size_t kernel_ = 1, stride_ = 1, padding_ = 0;
  ActShape input_;
  size_t fan_in_ = 0, samples_ = 0;
  std::vector<uint32_t> order_;
  std::vector<double> sum_;  // Σ xxᵀ, engine order, upper triangle only
  std::vector<float> rows_;  // scratch: a chunk of rows (conv: im2col rows)
  size_t pending_ = 0;       // rows held in rows_
  void flush();
};

}  // namespace qp::nn
