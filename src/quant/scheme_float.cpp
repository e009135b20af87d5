// Float formats for the registry. fp16 and bf16 are plain casts (16 bits, nothing else stored).
// FP8 and FP4 divide each unit by a float32 scale = absmax / format max (per tensor by default,
// per channel or per group when asked: the "scaled FP8" of inference stacks and an MX-like block
// scale for FP4, with a float32 rather than a power-of-two scale), so the unit's largest value
// lands on the format's largest finite value.
#include <cmath>
#include <string>

#include "quant/float_formats.h"
#include "quant/scheme_family.h"

namespace qp {

namespace {

float unit_scale(const float* x, size_t m, FloatFormat f) {
  float amax = 0.0f;
  for (size_t i = 0; i < m; ++i) amax = std::fmax(amax, std::fabs(x[i]));
  const float scale = amax / float_format_max(f);
  // An all-zero unit (or one whose amax underflows) keeps scale 1: zeros stay zeros.
  return scale > 0.0f && std::isfinite(scale) ? scale : 1.0f;
}

}  // namespace

SchemeResult run_float_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  const FloatFormat f = parse_float_format(spec.format);
  SchemeResult r;
  r.spec = spec;
  const int bits = float_format_bits(f);
  const std::string mode = spec.saturate ? "" : " (non-saturating)";
  if (f == FloatFormat::F16 || f == FloatFormat::BF16) {
    r.dequantized.resize(n);
    fake_quantize_float(f, spec.saturate, x, n, 1.0f, r.dequantized.data());
    r.units = 1;
    r.unit_shape = {1};
    r.stored_bits = static_cast<uint64_t>(n) * static_cast<uint64_t>(bits);
    r.label = std::string(float_format_name(f)) + mode;
    finish_result(x, n, r);
    return r;
  }
  const QuantSpec& q = spec.integer;
  const UnitLayout layout(shape, q.channel_axis, q.group_size);
  r.unit_axis = q.channel_axis;
  r.unit_group = q.group_size;
  float first_scale = 0.0f;
  bool first = true;
  run_per_unit(x, layout, [&](const float* v, size_t m, float* out) -> uint64_t {
    const float scale = unit_scale(v, m, f);
    if (first) first_scale = scale, first = false;
    fake_quantize_float(f, spec.saturate, v, m, scale, out);
    return 32;  // the float32 scale
  }, r);
  r.stored_bits += static_cast<uint64_t>(n) * static_cast<uint64_t>(bits);
  for (float level : float_format_grid(f)) r.levels.push_back(level * first_scale);
  r.label = std::string(float_format_name(f)) + " " + granularity_label(q) + mode;
  finish_result(x, n, r);
  return r;
}

}  // namespace qp
