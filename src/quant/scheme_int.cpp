// The integer family: quantize_tensor (src/quant/quantize.cpp) with the registry's accounting.
#include <string>

#include "core/error.h"
#include "quant/scheme_family.h"

namespace qp {

SchemeResult run_int_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  if (spec.calibration != "minmax")
    throw Error("calibration '" + spec.calibration + "' is not available for the int format yet (use minmax)");
  SchemeResult r;
  r.spec = spec;
  QuantizedTensor t = quantize_tensor(x, n, shape, spec.integer);
  const QuantSpec& q = spec.integer;
  r.label = "int" + std::to_string(q.bits) + (q.is_signed ? "" : "u") + " " +
            (q.scheme == Scheme::Symmetric ? "sym" : "affine") + " " + granularity_label(q) +
            (q.narrow_range ? " narrow" : "") + (q.reduce_range ? " reduced" : "") + " (" +
            numerics_mode_name(q.mode) + ")";
  r.units = t.scales.size();
  r.unit_axis = q.channel_axis;
  r.unit_group = q.group_size;
  r.unit_shape = UnitLayout(shape, q.channel_axis, q.group_size).unit_shape();
  // Codes at their bit width; per unit a float32 scale, plus a zero point at the code width when
  // affine (a symmetric grid's zero point is fixed by the format, so it is not stored).
  const uint64_t per_unit = 32 + (q.scheme == Scheme::Affine ? static_cast<uint64_t>(q.bits) : 0);
  r.stored_bits = static_cast<uint64_t>(n) * static_cast<uint64_t>(q.bits) + per_unit * r.units;
  r.levels = grid_levels({t.scales[0], t.zero_points[0]}, t.range);
  r.dequantized = std::move(t.dequantized);  // held once: the JS wrapper shares it with `integer`
  r.metrics = t.metrics;
  r.bits_per_weight = static_cast<double>(r.stored_bits) / static_cast<double>(n);
  r.integer = std::move(t);
  return r;
}

}  // namespace qp
