// Binary and ternary formats for the registry: one float32 scale per unit.
#include "quant/scheme_family.h"
#include "quant/sign_quant.h"

namespace qp {

namespace {

SchemeResult run_sign_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec, bool ternary) {
  SchemeResult r;
  r.spec = spec;
  const UnitLayout layout(shape, spec.integer.channel_axis, spec.integer.group_size);
  r.unit_axis = spec.integer.channel_axis;
  r.unit_group = spec.integer.group_size;
  float first_alpha = 0;
  bool first = true;
  run_per_unit(x, layout, [&](const float* v, size_t m, float* out) -> uint64_t {
    const float alpha = ternary ? ternary_quantize(v, m, nullptr, out) : binary_quantize(v, m, nullptr, out);
    if (first) first_alpha = alpha, first = false;
    return 32;  // the float32 scale
  }, r);
  // Codes: 1 bit each; ternary packs 5 trits per byte (3^5 = 243 <= 256), 1.6 bits each.
  r.stored_bits += ternary ? 8 * ((static_cast<uint64_t>(n) + 4) / 5) : static_cast<uint64_t>(n);
  r.label = std::string(ternary ? "ternary" : "binary") + " " + granularity_label(spec.integer);
  r.levels = ternary ? std::vector<float>{-first_alpha, 0.0f, first_alpha} : std::vector<float>{-first_alpha, first_alpha};
  finish_result(x, n, r);
  return r;
}

}  // namespace

SchemeResult run_binary_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  return run_sign_scheme(x, n, shape, spec, false);
}

SchemeResult run_ternary_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  return run_sign_scheme(x, n, shape, spec, true);
}

}  // namespace qp
