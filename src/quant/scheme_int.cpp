// The integer family: quantize_tensor (src/quant/quantize.cpp) when the range is each unit's
// min/max, or a unit-by-unit path when a calibrator or a fixed clip range chooses it. Both report
// with the registry's accounting.
#include <cmath>
#include <functional>
#include <string>
#include <utility>

#include "core/error.h"
#include "kernels/quantize_f32.h"
#include "quant/calibrate.h"
#include "quant/qparams.h"
#include "quant/scheme_family.h"

namespace qp {

namespace {

std::string int_label(const SchemeSpec& spec) {
  const QuantSpec& q = spec.integer;
  std::string range_note;
  if (spec.clip) range_note = " clip";
  else if (spec.calibration != "minmax") range_note = " " + spec.calibration;
  return "int" + std::to_string(q.bits) + (q.is_signed ? "" : "u") + " " +
         (q.scheme == Scheme::Symmetric ? "sym" : "affine") + " " + granularity_label(q) +
         (q.narrow_range ? " narrow" : "") + (q.reduce_range ? " reduced" : "") + range_note + " (" +
         numerics_mode_name(q.mode) + ")";
}

// Codes at their bit width; per unit a float32 scale, plus a zero point at the code width when
// affine (a symmetric grid's zero point is fixed by the format, so it is not stored).
void account(const QuantSpec& q, size_t n, SchemeResult& r) {
  const uint64_t per_unit = 32 + (q.scheme == Scheme::Affine ? static_cast<uint64_t>(q.bits) : 0);
  r.stored_bits = static_cast<uint64_t>(n) * static_cast<uint64_t>(q.bits) + per_unit * r.units;
}

}  // namespace

// Unit by unit: range_of chooses [lo, hi] from the unit's values, then the per-tensor formulas of
// docs/numerics.md §2-3 apply to that unit (values outside [lo, hi] saturate at the grid's ends).

QuantizedTensor quantize_int_units(const float* x, size_t n, const Shape& shape, const QuantSpec& q,
                               const RangeOf& range_of, SchemeResult& r) {
  validate_spec(q);
  const UnitLayout layout(shape, q.channel_axis, q.group_size);
  QuantizedTensor t;
  t.spec = q;
  t.shape = shape;
  t.range = spec_int_range(q);
  t.channel_axis = q.channel_axis ? normalize_axis(*q.channel_axis, shape.size()) : -1;
  t.group_size = q.group_size;
  const size_t units = layout.units();
  t.observed_min.resize(units);
  t.observed_max.resize(units);
  t.scales.resize(units);
  t.zero_points.resize(units);
  t.codes.resize(n);
  std::vector<uint8_t> unit_codes(layout.largest_unit());
  const bool is_signed = t.range.qmin < 0;
  size_t u = 0;
  run_per_unit(x, layout, [&](const float* v, size_t m, float* out) -> uint64_t {
    const auto [lo, hi] = range_of(v, m);
    const QParams p = choose_qparams(lo, hi, t.range, q.scheme, q.mode, q.bits);
    if (!std::isfinite(p.scale))
      throw Error("the range of unit " + std::to_string(u) + " is too wide for float32: no finite scale exists");
    t.observed_min[u] = lo;
    t.observed_max[u] = hi;
    t.scales[u] = p.scale;
    t.zero_points[u] = p.zero_point;
    quantize_values(v, m, p, t.range, q.mode, unit_codes.data());
    dequantize_values(unit_codes.data(), m, is_signed, p, out);
    layout.scatter_any(u, unit_codes.data(), t.codes.data());
    ++u;
    return 0;
  }, r);
  return t;
}

std::pair<float, float> unit_minmax(const float* v, size_t m) {
  float lo, hi;
  kernels::minmax_f32(v, m, &lo, &hi);
  return {lo, hi};
}

SchemeResult run_int_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  const QuantSpec& q = spec.integer;
  SchemeResult r;
  r.spec = spec;
  r.label = int_label(spec);
  r.unit_axis = q.channel_axis;
  r.unit_group = q.group_size;
  r.unit_shape = UnitLayout(shape, q.channel_axis, q.group_size).unit_shape();
  const CalibrationSpec calibration = parse_calibration(spec.calibration);
  // min/max without a clip is quantize_tensor's fast path (SIMD rows, no gathering).
  const bool fast_path = !spec.clip && calibration.kind == CalibrationKind::MinMax;
  QuantizedTensor t;
  if (spec.clip) {
    const auto [lo, hi] = *spec.clip;
    if (!(std::isfinite(lo) && std::isfinite(hi) && lo <= hi))
      throw Error("clip range must be finite with min <= max");
    t = quantize_int_units(x, n, shape, q, [lo = lo, hi = hi](const float*, size_t) { return std::make_pair(lo, hi); }, r);
  } else if (fast_path) {
    t = quantize_tensor(x, n, shape, q);
    r.dequantized = std::move(t.dequantized);  // held once: the JS wrapper shares it with `integer`
  } else {
    // A fresh calibrator per unit, fed that unit's values as one batch.
    const CalibrationGrid grid = calibration_grid(q);
    t = quantize_int_units(x, n, shape, q, [&](const float* v, size_t m) {
      const auto calibrator = make_calibrator(calibration, grid);
      calibrator->observe(v, m);
      return calibrator->range();
    }, r);
  }
  r.units = t.scales.size();
  account(q, n, r);
  r.levels = grid_levels({t.scales[0], t.zero_points[0]}, t.range);
  if (fast_path) {
    r.metrics = t.metrics;
    r.bits_per_weight = static_cast<double>(r.stored_bits) / static_cast<double>(n);
  } else {
    finish_result(x, n, r);
    t.metrics = r.metrics;
  }
  r.integer = std::move(t);
  return r;
}

}  // namespace qp
