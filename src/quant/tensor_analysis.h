// One tensor of a model measured for the model view: statistics always, and the cost of the
// chosen integer scheme when one is given. Keeps no per-element output, so analysing a
// checkpoint tensor by tensor needs little memory beyond the tensor being read.
#pragma once
#include <cstddef>
#include <optional>
#include <string>

#include "core/shape.h"
#include "quant/quantize.h"
#include "quant/stats.h"

namespace qp {

struct TensorAnalysis {
  TensorStats stats;
  std::optional<QuantizedTensor> quantized;  // parameters and metrics only (no codes, no values)
  std::string quantize_error;                // why it could not be quantized (NaN, Inf, empty, ...)
};

// spec == nullptr: statistics only. A tensor the scheme refuses still gets its statistics, with
// the refusal in quantize_error; a bad spec or shape throws qp::Error as quantize_tensor does.
TensorAnalysis analyze_tensor(const float* data, size_t n, const Shape& shape, const QuantSpec* spec);

}  // namespace qp
