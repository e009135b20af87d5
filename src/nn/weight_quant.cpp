#include "nn/weight_quant.h"

#include <string>

#include "core/error.h"
#include "nn/gptq.h"
#include "quant/scheme.h"

namespace qp::nn {

QuantizedTensor quantize_weight_matrix(const float* w, size_t rows, size_t cols, const WeightQuantSpec& spec) {
  QuantSpec q;
  q.bits = spec.bits;
  q.is_signed = true;
  q.scheme = spec.affine ? Scheme::Affine : Scheme::Symmetric;
  q.mode = NumericsMode::PyTorch;
  if (spec.group_size > 0) {
    if (spec.per_tensor) throw Error("weights: per tensor and per group exclude each other");
    q.channel_axis = 1;  // groups of consecutive fan-in values, per output row (GPTQ layout)
    q.group_size = spec.group_size;
  } else if (!spec.per_tensor) {
    q.channel_axis = 0;
  }
  const Shape shape{int64_t(rows), int64_t(cols)};
  if (spec.calibration == "minmax") return quantize_tensor(w, rows * cols, shape, q);
  // Another calibrator chooses each unit's range: the int scheme of the registry, as the
  // Tensor tab runs it (same codes and scales for the same options).
  SchemeSpec s;
  s.integer = q;
  s.calibration = spec.calibration;
  SchemeResult r = run_scheme(w, rows * cols, shape, s);
  QuantizedTensor t = std::move(*r.integer);
  t.dequantized = std::move(r.dequantized);
  return t;
}

size_t weight_storage_bytes(size_t codes, size_t units, const WeightQuantSpec& spec) {
  const size_t zero_point_bits = spec.affine ? units * static_cast<size_t>(spec.bits) : 0;
  return (codes * static_cast<size_t>(spec.bits) + zero_point_bits + 7) / 8 + units * 4;
}

QuantizedWeights quantize_layer_weights(const Layer& layer, const WeightQuantSpec& spec,
                                        const std::vector<double>* hessian) {
  if (!layer.has_weights()) throw Error("layer '" + layer.name + "' has no weights to quantize");
  const size_t out = layer.out, fan_in = layer.fan_in();
  if (is_gptq_calibration(spec.calibration)) {
    if (!hessian)
      throw Error("weight calibration '" + spec.calibration + "' needs calibration data (layer '" + layer.name +
                  "': no input statistics H); collect them from calibration samples first");
    return gptq_quantize(layer.weight.data(), out, fan_in, *hessian, spec);
  }
  QuantizedTensor t = quantize_weight_matrix(layer.weight.data(), out, fan_in, spec);
  QuantizedWeights w;
  w.codes.assign(t.codes.begin(), t.codes.end());  // two's complement bytes → int8
  w.scales = std::move(t.scales);
  w.dequantized = std::move(t.dequantized);
  w.storage_bytes = weight_storage_bytes(w.codes.size(), w.scales.size(), spec);
  return w;
}

}  // namespace qp::nn
