#include "nn/weight_quant.h"

#include <string>

#include "core/error.h"
#include "quant/quantize.h"
#include "quant/scheme.h"

namespace qp::nn {

QuantizedWeights quantize_layer_weights(const Layer& layer, const WeightQuantSpec& spec) {
  if (!layer.has_weights()) throw Error("layer '" + layer.name + "' has no weights to quantize");
  const size_t out = layer.out, fan_in = layer.fan_in();
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
  const Shape shape{int64_t(out), int64_t(fan_in)};
  QuantizedWeights w;
  if (spec.calibration == "minmax") {
    const QuantizedTensor t = quantize_tensor(layer.weight.data(), layer.weight.size(), shape, q);
    w.codes.assign(t.codes.begin(), t.codes.end());  // two's complement bytes → int8
    w.scales = t.scales;
    w.dequantized = t.dequantized;
  } else {
    // Another calibrator chooses each unit's range: the int scheme of the registry, as the
    // Tensor tab runs it (same codes and scales for the same options).
    SchemeSpec s;
    s.integer = q;
    s.calibration = spec.calibration;
    SchemeResult r = run_scheme(layer.weight.data(), layer.weight.size(), shape, s);
    w.codes.assign(r.integer->codes.begin(), r.integer->codes.end());
    w.scales = r.integer->scales;
    w.dequantized = std::move(r.dequantized);
  }
  // Codes packed at `bits` bits, an fp32 scale per unit, and for affine a `bits`-bit zero point per
  // unit (packed like GPTQ's qzeros).
  const size_t zero_point_bits = spec.affine ? w.scales.size() * static_cast<size_t>(spec.bits) : 0;
  w.storage_bytes = (w.codes.size() * static_cast<size_t>(spec.bits) + zero_point_bits + 7) / 8 + w.scales.size() * 4;
  return w;
}

}  // namespace qp::nn
