#include "quant/scheme_family.h"

#include <vector>

namespace qp {

void run_per_unit(const float* x, const UnitLayout& layout, const UnitQuantizer& quantize_unit,
                  SchemeResult& result) {
  result.dequantized.resize(layout.size());
  result.units = layout.units();
  result.unit_shape = layout.unit_shape();
  if (layout.contiguous_units()) {
    // Each unit is already one array in x and in the result: no copies (same values, same order).
    for (size_t u = 0; u < layout.units(); ++u) {
      const size_t at = layout.unit_offset(u);
      result.stored_bits += quantize_unit(x + at, layout.unit_size(u), result.dequantized.data() + at);
    }
    return;
  }
  std::vector<float> values(layout.largest_unit()), recon(layout.largest_unit());
  for (size_t u = 0; u < layout.units(); ++u) {
    const size_t m = layout.unit_size(u);
    layout.gather(u, x, values.data());
    result.stored_bits += quantize_unit(values.data(), m, recon.data());
    layout.scatter(u, recon.data(), result.dequantized.data());
  }
}

void finish_result(const float* x, size_t n, SchemeResult& result) {
  result.metrics = compute_error_metrics(x, result.dequantized.data(), n);
  result.bits_per_weight = static_cast<double>(result.stored_bits) / static_cast<double>(n);
}

std::string granularity_label(const QuantSpec& q) {
  if (!q.channel_axis) return "per tensor";
  if (q.group_size > 0) return "g" + std::to_string(q.group_size) + " (axis " + std::to_string(*q.channel_axis) + ")";
  return "per channel (axis " + std::to_string(*q.channel_axis) + ")";
}

}  // namespace qp
