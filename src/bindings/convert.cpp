#include "bindings/convert.h"

#include <emscripten/val.h>

#include <cmath>
#include <exception>
#include <memory>
#include <string>
#include <vector>

#include "bindings/guard.h"
#include "core/error.h"
#include "io/npy.h"
#include "kernels/quantize_f32.h"
#include "quant/quantize.h"
#include "quant/stats.h"

namespace qp::bindings {



static bool is_number(const val& v) { return v.typeOf().as<std::string>() == "number"; }

int get_int(const val& obj, const char* key, int fallback) {
  const val v = obj[key];
  if (v.isUndefined() || v.isNull()) return fallback;
  if (!is_number(v)) throw Error(std::string("option '") + key + "' must be a number");
  const double d = v.as<double>();
  if (std::floor(d) != d || std::fabs(d) > 1e9)
    throw Error(std::string("option '") + key + "' must be an integer");
  return static_cast<int>(d);
}

bool get_bool(const val& obj, const char* key, bool fallback) {
  const val v = obj[key];
  if (v.isUndefined() || v.isNull()) return fallback;
  if (v.typeOf().as<std::string>() != "boolean")
    throw Error(std::string("option '") + key + "' must be true or false");
  return v.as<bool>();
}

std::string get_string(const val& obj, const char* key, const char* fallback) {
  const val v = obj[key];
  if (v.isUndefined() || v.isNull()) return fallback;
  if (!v.isString()) throw Error(std::string("option '") + key + "' must be a string");
  return v.as<std::string>();
}

Shape to_shape(const val& shape) {
  if (!val::global("Array").call<bool>("isArray", shape)) throw Error("shape must be an array of integers");
  Shape s;
  const auto len = shape["length"].as<size_t>();
  for (size_t i = 0; i < len; ++i) {
    const val d = shape[i];
    if (!is_number(d) || d.as<double>() < 0 || std::floor(d.as<double>()) != d.as<double>())
      throw Error("shape must be an array of non-negative integers");
    s.push_back(static_cast<int64_t>(d.as<double>()));
  }
  return s;
}

val from_shape(const Shape& shape) {
  val a = val::array();
  for (int64_t d : shape) a.call<void>("push", val(static_cast<double>(d)));
  return a;
}

template <class T>
static std::vector<T> to_vector(const val& typed_array, const char* type, const char* what) {
  if (!typed_array.instanceof(val::global(type)))
    throw Error(std::string(what) + " must be a " + type);
  return emscripten::convertJSArrayToNumberVector<T>(typed_array);
}

val metrics_to_js(const ErrorMetrics& m) {
  val o = val::object();
  o.set("mse", m.mse);
  o.set("sqnrDb", m.sqnr_db);
  o.set("maxAbsError", m.max_abs_error);
  o.set("cosine", m.cosine);
  return o;
}

FloatInput to_float_input(const val& typed_array, const char* what) {
  if (!typed_array.instanceof(val::global("Float32Array"))) throw Error(std::string(what) + " must be a Float32Array");
  FloatInput in;
  in.size = typed_array["length"].as<size_t>();
  in.values.reset(new float[in.size]);
  // The view is made after the allocation that may grow memory, and used at once.
  val(typed_memory_view(in.size, in.values.get())).call<void>("set", typed_array);
  return in;
}

std::vector<float> to_float_vector(const val& typed_array, const char* what) {
  return to_vector<float>(typed_array, "Float32Array", what);
}

std::vector<uint8_t> to_byte_vector(const val& typed_array, const char* what) {
  return to_vector<uint8_t>(typed_array, "Uint8Array", what);
}

QuantSpec spec_from_options(const val& options) {
  QuantSpec spec;
  spec.bits = get_int(options, "bits", 8);
  spec.is_signed = get_bool(options, "signed", true);
  spec.scheme = parse_scheme(get_string(options, "scheme", "affine"));
  spec.mode = parse_numerics_mode(get_string(options, "mode", "pytorch"));
  const val axis = options["axis"];
  if (!axis.isUndefined() && !axis.isNull()) spec.channel_axis = get_int(options, "axis", 0);
  spec.group_size = get_int(options, "groupSize", 0);
  spec.narrow_range = get_bool(options, "narrowRange", false);
  spec.reduce_range = get_bool(options, "reduceRange", false);
  return spec;
}

val quantized_to_js(const QuantizedTensor& t) {
  val r = val::object();
  r.set("bits", t.spec.bits);
  r.set("signed", t.range.qmin < 0);
  r.set("scheme", std::string(scheme_name(t.spec.scheme)));
  r.set("mode", std::string(numerics_mode_name(t.spec.mode)));
  r.set("axis", t.channel_axis < 0 ? val::null() : val(t.channel_axis));
  r.set("groupSize", t.group_size > 0 ? val(t.group_size) : val::null());
  r.set("narrowRange", t.spec.narrow_range);
  r.set("reduceRange", t.spec.reduce_range);
  r.set("shape", from_shape(t.shape));
  r.set("qmin", t.range.qmin);
  r.set("qmax", t.range.qmax);
  r.set("observedMin", copy_out("Float32Array", t.observed_min.data(), t.observed_min.size()));
  r.set("observedMax", copy_out("Float32Array", t.observed_max.data(), t.observed_max.size()));
  r.set("scales", copy_out("Float32Array", t.scales.data(), t.scales.size()));
  r.set("zeroPoints", copy_out("Int32Array", t.zero_points.data(), t.zero_points.size()));
  if (!t.codes.empty()) {
    if (t.range.qmin < 0)
      r.set("codes", copy_out("Int8Array", reinterpret_cast<const int8_t*>(t.codes.data()), t.codes.size()));
    else
      r.set("codes", copy_out("Uint8Array", t.codes.data(), t.codes.size()));
  }
  if (!t.dequantized.empty()) r.set("dequantized", copy_out("Float32Array", t.dequantized.data(), t.dequantized.size()));
  r.set("metrics", metrics_to_js(t.metrics));
  return r;
}

val stats_to_js(const TensorStats& s) {
  val o = val::object();
  o.set("count", static_cast<double>(s.count));
  o.set("finiteCount", static_cast<double>(s.finite_count));
  o.set("nanCount", static_cast<double>(s.nan_count));
  o.set("posInfCount", static_cast<double>(s.posinf_count));
  o.set("negInfCount", static_cast<double>(s.neginf_count));
  o.set("zeroCount", static_cast<double>(s.zero_count));
  o.set("min", s.finite_count ? val(s.min) : val::null());
  o.set("max", s.finite_count ? val(s.max) : val::null());
  o.set("mean", s.finite_count ? val(s.mean) : val::null());
  o.set("std", s.finite_count ? val(s.std) : val::null());
  return o;
}

namespace {

// The caller's array for one output: `type` and `n` long, or undefined when none was given.
val caller_output(const val& outputs, const char* key, const char* type, size_t n) {
  if (outputs.isUndefined() || outputs.isNull()) return val::undefined();
  const val a = outputs[key];
  if (a.isUndefined() || a.isNull()) return val::undefined();
  if (!a.instanceof(val::global(type)) || a["length"].as<double>() != static_cast<double>(n))
    throw Error(std::string("outputs.") + key + (type[0] == 'I' ? " must be an " : " must be a ") + type + " of " + std::to_string(n) +
                " elements (the tensor's size)");
  return a;
}

// Copies wasm memory into the caller's array when one was given, else into a fresh array.
template <class T>
val output_array(const val& into, const char* type, const T* data, size_t n) {
  if (into.isUndefined()) return copy_out(type, data, n);
  into.call<void>("set", val(typed_memory_view(n, data)));
  return into;
}

}  // namespace

val quantize(val data, val shape, val options, val outputs) {
  return guarded([&] {
    const FloatInput x = to_float_input(data, "data");
    const QuantSpec spec = spec_from_options(options);
    const size_t n = x.size;
    // Uninitialised: the core writes every element before anything reads it.
    std::unique_ptr<uint8_t[]> codes(new uint8_t[n]);
    std::unique_ptr<float[]> values(new float[n]);
    const QuantizedTensor t =
        quantize_tensor_into(x.values.get(), n, to_shape(shape), spec, OutputBuffers{codes.get(), values.get()});
    const bool is_signed = t.range.qmin < 0;
    const char* code_type = is_signed ? "Int8Array" : "Uint8Array";
    const val codes_into = caller_output(outputs, "codes", code_type, n);
    const val values_into = caller_output(outputs, "dequantized", "Float32Array", n);
    val r = quantized_to_js(t);
    if (is_signed) r.set("codes", output_array(codes_into, code_type, reinterpret_cast<const int8_t*>(codes.get()), n));
    else r.set("codes", output_array(codes_into, code_type, codes.get(), n));
    r.set("dequantized", output_array(values_into, "Float32Array", values.get(), n));
    return r;
  });
}

val tensor_stats(val data) {
  return guarded([&] {
    const std::vector<float> x = to_vector<float>(data, "Float32Array", "data");
    return stats_to_js(compute_stats(x.data(), x.size()));
  });
}

val histogram(val data, int bins, double lo, double hi) {
  return guarded([&] {
    const std::vector<float> x = to_vector<float>(data, "Float32Array", "data");
    const Histogram h = compute_histogram(x.data(), x.size(), bins, lo, hi);
    val o = val::object();
    o.set("lo", h.lo);
    o.set("hi", h.hi);
    o.set("counts", copy_out("Float64Array", h.counts.data(), h.counts.size()));
    o.set("below", static_cast<double>(h.below));
    o.set("above", static_cast<double>(h.above));
    return o;
  });
}

val read_npy(val bytes) {
  return guarded([&] {
    const std::vector<uint8_t> b = to_vector<uint8_t>(bytes, "Uint8Array", "bytes");
    const io::NpyHeader h = io::parse_npy_header(b.data(), b.size());
    const std::vector<float> x = io::npy_to_float32(b.data(), b.size(), h);
    val o = val::object();
    o.set("dtype", h.descr);
    o.set("formatVersion", h.major_version);
    o.set("fortranOrder", h.fortran_order);
    o.set("shape", from_shape(h.shape));
    o.set("data", copy_out("Float32Array", x.data(), x.size()));
    return o;
  });
}

val encode_npy(std::string descr, val shape, val data) {
  return guarded([&] {
    const std::vector<uint8_t> b = to_vector<uint8_t>(data, "Uint8Array", "data (raw bytes)");
    const std::vector<uint8_t> file = io::encode_npy(descr, to_shape(shape), b.data(), b.size());
    return copy_out("Uint8Array", file.data(), file.size());
  });
}

val grid_levels(double scale, int zero_point, int qmin, int qmax) {
  return guarded([&] {
    if (qmin > qmax || qmax - qmin > 65535) throw Error("grid range must satisfy qmin <= qmax, at most 65536 levels");
    const std::vector<float> g =
        qp::grid_levels(QParams{static_cast<float>(scale), zero_point}, IntRange{qmin, qmax});
    return copy_out("Float32Array", g.data(), g.size());
  });
}

val build_info() {
  val o = val::object();
  o.set("kernelTier", std::string(kernels::active_kernel_tier()));
  o.set("exceptions", std::string("c++ exceptions (-fexceptions), surfaced as JS Error 'QplayError'"));
  return o;
}

}  // namespace qp::bindings
