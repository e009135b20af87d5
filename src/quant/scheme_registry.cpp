// The table of schemes, and run_scheme's checks that apply to every family.
#include <string>

#include "core/error.h"
#include "quant/scheme_family.h"
#include "quant/stats.h"

namespace qp {

const std::vector<SchemeInfo>& scheme_registry() {
  static const std::vector<SchemeInfo> registry = {
      {"int", "integer", "PyTorch (quantize_per_tensor / per_channel) or ONNX Runtime (QuantizeLinear), by numerics mode",
       "uniform integer grid, affine or symmetric, 2-8 bits, per tensor / channel / group", 2, 8, true, true,
       run_int_scheme},
      {"binary", "integer", "BinaryConnect / XNOR-Net (alpha = mean |x|)",
       "1 bit: sign(x) times one scale per unit", 0, 0, true, false, run_binary_scheme},
      {"ternary", "integer", "Ternary Weight Networks (delta = 0.7 mean |x|)",
       "{-1, 0, +1} times one scale per unit, 1.6 bits packed", 0, 0, true, false, run_ternary_scheme},
  };
  return registry;
}

const SchemeInfo& find_scheme(const std::string& name) {
  std::string names;
  for (const SchemeInfo& s : scheme_registry()) {
    if (name == s.name) return s;
    names += names.empty() ? s.name : std::string(", ") + s.name;
  }
  throw Error("unknown format '" + name + "' (expected one of: " + names + ")");
}

SchemeResult run_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  const SchemeInfo& info = find_scheme(spec.format);
  if (element_count(shape) != n)
    throw Error("shape " + shape_to_string(shape) + " holds " + std::to_string(element_count(shape)) +
                " values but " + std::to_string(n) + " were given");
  require_finite(x, n);
  const QuantSpec& q = spec.integer;
  if (info.min_bits > 0 && (q.bits < info.min_bits || q.bits > info.max_bits))
    throw Error(std::string("format '") + info.name + "' takes " + std::to_string(info.min_bits) + " to " +
                std::to_string(info.max_bits) + " bits, got " + std::to_string(q.bits));
  if (!info.takes_granularity && (q.channel_axis || q.group_size > 0))
    throw Error(std::string("format '") + info.name + "' has a fixed block layout: axis and group size do not apply");
  if (!info.takes_calibration && spec.calibration != "minmax")
    throw Error(std::string("format '") + info.name + "' chooses its own scale: calibration does not apply");
  return info.run(x, n, shape, spec);
}

}  // namespace qp
