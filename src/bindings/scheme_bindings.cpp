#include "bindings/scheme_bindings.h"

#include <map>
#include <string>
#include <vector>

#include "bindings/convert.h"
#include "bindings/guard.h"
#include "core/error.h"
#include "quant/compare.h"
#include "quant/scheme.h"

namespace qp::bindings {

SchemeSpec scheme_spec_from_options(const val& options) {
  if (options.isUndefined() || options.isNull() || options.typeOf().as<std::string>() != "object")
    throw Error("scheme options must be an object");
  SchemeSpec s;
  s.format = get_string(options, "format", "int");
  s.integer = spec_from_options(options);
  s.calibration = get_string(options, "calibration", "minmax");
  s.saturate = get_bool(options, "saturate", true);
  s.double_quant = get_bool(options, "doubleQuant", false);
  s.seed = static_cast<uint32_t>(get_int(options, "seed", 1));
  const val clip = options["clip"];
  if (!clip.isUndefined() && !clip.isNull()) {
    if (!val::global("Array").call<bool>("isArray", clip) || clip["length"].as<int>() != 2 ||
        clip[0].typeOf().as<std::string>() != "number" || clip[1].typeOf().as<std::string>() != "number")
      throw Error("option 'clip' must be [min, max] or null");
    s.clip = std::make_pair(clip[0].as<float>(), clip[1].as<float>());
  }
  return s;
}

val scheme_spec_to_js(const SchemeSpec& s) {
  val o = val::object();
  o.set("format", s.format);
  o.set("bits", s.integer.bits);
  o.set("signed", s.integer.is_signed);
  o.set("scheme", std::string(scheme_name(s.integer.scheme)));
  o.set("mode", std::string(numerics_mode_name(s.integer.mode)));
  o.set("axis", s.integer.channel_axis ? val(*s.integer.channel_axis) : val::null());
  o.set("groupSize", s.integer.group_size > 0 ? val(s.integer.group_size) : val::null());
  o.set("narrowRange", s.integer.narrow_range);
  o.set("reduceRange", s.integer.reduce_range);
  o.set("calibration", s.calibration);
  o.set("saturate", s.saturate);
  o.set("doubleQuant", s.double_quant);
  o.set("seed", static_cast<double>(s.seed));
  if (s.clip) {
    val c = val::array();
    c.call<void>("push", s.clip->first);
    c.call<void>("push", s.clip->second);
    o.set("clip", c);
  } else {
    o.set("clip", val::null());
  }
  return o;
}

val row_to_js(const ComparisonRow& r) {
  val o = val::object();
  o.set("label", r.label);
  o.set("options", scheme_spec_to_js(r.spec));
  o.set("bitsPerWeight", r.bits_per_weight);
  o.set("metrics", metrics_to_js(r.metrics));
  o.set("milliseconds", r.milliseconds);
  o.set("error", r.error.empty() ? val::null() : val(r.error));
  return o;
}

namespace {

struct HeldTensor {
  std::vector<float> values;
  Shape shape;
};

std::map<int, HeldTensor>& held() {
  static std::map<int, HeldTensor> tensors;
  return tensors;
}

}  // namespace

val list_schemes() {
  val out = val::array();
  for (const SchemeInfo& s : scheme_registry()) {
    val o = val::object();
    o.set("name", std::string(s.name));
    o.set("family", std::string(s.family));
    o.set("reference", std::string(s.reference));
    o.set("summary", std::string(s.summary));
    o.set("minBits", s.min_bits);
    o.set("maxBits", s.max_bits);
    o.set("takesGranularity", s.takes_granularity);
    o.set("takesCalibration", s.takes_calibration);
    out.call<void>("push", o);
  }
  return out;
}

val run_scheme_js(val data, val shape, val options) {
  return guarded([&] {
    const std::vector<float> x = to_float_vector(data, "data");
    const Shape dims = to_shape(shape);
    const SchemeResult r = run_scheme(x.data(), x.size(), dims, scheme_spec_from_options(options));
    val o = val::object();
    o.set("format", r.spec.format);
    o.set("shape", from_shape(dims));
    o.set("label", r.label);
    o.set("options", scheme_spec_to_js(r.spec));
    o.set("dequantized", copy_out("Float32Array", r.dequantized.data(), r.dequantized.size()));
    o.set("metrics", metrics_to_js(r.metrics));
    o.set("storedBits", static_cast<double>(r.stored_bits));
    o.set("bitsPerWeight", r.bits_per_weight);
    o.set("units", static_cast<double>(r.units));
    o.set("unitShape", from_shape(r.unit_shape));
    o.set("levels", copy_out("Float32Array", r.levels.data(), r.levels.size()));
    o.set("unitMse", copy_out("Float64Array", r.unit_mse.data(), r.unit_mse.size()));
    o.set("unitAxis", r.unit_axis ? val(*r.unit_axis) : val::null());
    o.set("unitGroup", r.unit_group > 0 ? val(r.unit_group) : val::null());
    o.set("integer", r.integer ? quantized_to_js(*r.integer) : val::null());
    return o;
  });
}

val default_comparison_js(val shape) {
  return guarded([&] {
    val out = val::array();
    for (const SchemeSpec& s : default_comparison(to_shape(shape))) out.call<void>("push", scheme_spec_to_js(s));
    return out;
  });
}

val hold_tensor(val data, val shape) {
  return guarded([&] {
    static int next_id = 1;
    HeldTensor t;
    t.values = to_float_vector(data, "data");
    t.shape = to_shape(shape);  // a mismatch with the data surfaces when a scheme runs
    held()[next_id] = std::move(t);
    return val(next_id++);
  });
}

val compare_held(int id, val options) {
  return guarded([&] {
    auto it = held().find(id);
    if (it == held().end()) throw Error("that tensor was released");
    const HeldTensor& t = it->second;
    return row_to_js(compare_one(t.values.data(), t.values.size(), t.shape, scheme_spec_from_options(options)));
  });
}

void release_tensor(int id) { held().erase(id); }

val pareto_front(val rows) {
  return guarded([&] {
    std::vector<ComparisonRow> list;
    const int n = rows["length"].as<int>();
    for (int i = 0; i < n; ++i) {
      ComparisonRow r;
      r.bits_per_weight = rows[i]["bitsPerWeight"].as<double>();
      r.metrics.mse = rows[i]["metrics"]["mse"].as<double>();
      const val e = rows[i]["error"];
      if (!e.isUndefined() && !e.isNull()) r.error = e.as<std::string>();
      list.push_back(r);
    }
    mark_pareto_front(list);
    val out = val::array();
    for (const auto& r : list) out.call<void>("push", r.pareto);
    return out;
  });
}

}  // namespace qp::bindings
