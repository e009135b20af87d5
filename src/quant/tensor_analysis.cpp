#include "quant/tensor_analysis.h"

#include "core/error.h"

namespace qp {

TensorAnalysis analyze_tensor(const float* data, size_t n, const Shape& shape, const QuantSpec* spec) {
  TensorAnalysis a;
  a.stats = compute_stats(data, n);
  if (!spec) return a;
  validate_bits(spec->bits);  // an invalid option is the caller's error, not the tensor's
  if (element_count(shape) != n) throw Error("shape " + shape_to_string(shape) + " does not match the data");
  try {
    a.quantized = quantize_tensor(data, n, shape, *spec, KeepOutputs{false, false});
  } catch (const Error& e) {
    a.quantize_error = e.what();
  }
  return a;
}

}  // namespace qp
