#include "bindings/requant_bindings.h"

#include <cmath>
#include <string>
#include <vector>

#include "bindings/convert.h"
#include "bindings/guard.h"
#include "core/error.h"
#include "kernels/requantize.h"
#include "quant/dynamic_quantize.h"

namespace qp::bindings {

val dynamic_quantize_js(val data, int rows, int cols, val options) {
  return guarded([&] {
    const std::vector<float> x = to_float_vector(data, "data");
    if (rows < 1 || cols < 1 || static_cast<size_t>(rows) * static_cast<size_t>(cols) != x.size()) {
      throw Error("dynamic quantization: " + std::to_string(rows) + "×" + std::to_string(cols) + " does not match " +
                  std::to_string(x.size()) + " values");
    }
    DynamicQuantSpec spec;
    spec.mode = parse_numerics_mode(get_string(options, "mode", "onnx"));
    spec.per_row = get_bool(options, "perRow", false);
    std::vector<uint8_t> codes(x.size());
    const std::vector<QParams> params = dynamic_quantize(x.data(), rows, cols, spec, codes.data());
    std::vector<float> scales;
    std::vector<int32_t> zero_points;
    for (const QParams& p : params) {
      scales.push_back(p.scale);
      zero_points.push_back(p.zero_point);
    }
    val o = val::object();
    o.set("codes", copy_out("Uint8Array", codes.data(), codes.size()));
    o.set("scales", copy_out("Float32Array", scales.data(), scales.size()));
    o.set("zeroPoints", copy_out("Int32Array", zero_points.data(), zero_points.size()));
    const IntRange range = dynamic_quant_range(spec);
    o.set("qmin", range.qmin);
    o.set("qmax", range.qmax);
    return o;
  });
}

val requantize_js(val acc_js, int m, int n, val options) {
  return guarded([&] {
    if (!acc_js.instanceof(val::global("Int32Array"))) throw Error("requantize: the accumulators must be an Int32Array");
    const std::vector<int32_t> acc = emscripten::convertJSArrayToNumberVector<int32_t>(acc_js);
    if (m < 1 || n < 1 || static_cast<size_t>(m) * static_cast<size_t>(n) != acc.size()) {
      throw Error("requantize: " + std::to_string(m) + "×" + std::to_string(n) + " does not match " +
                  std::to_string(acc.size()) + " accumulators");
    }
    const std::vector<float> mult = to_float_vector(options["multipliers"], "requantize option 'multipliers'");
    if (mult.size() != 1 && mult.size() != static_cast<size_t>(n)) {
      throw Error("requantize: expected 1 or " + std::to_string(n) + " multipliers, got " + std::to_string(mult.size()));
    }
    std::vector<int32_t> bias;
    const val bias_js = options["bias"];
    if (!bias_js.isUndefined() && !bias_js.isNull()) {
      if (!bias_js.instanceof(val::global("Int32Array"))) throw Error("requantize: 'bias' must be an Int32Array or null");
      bias = emscripten::convertJSArrayToNumberVector<int32_t>(bias_js);
      if (bias.size() != static_cast<size_t>(n)) throw Error("requantize: expected " + std::to_string(n) + " bias values");
    }
    const int32_t zp = get_int(options, "zeroPoint", 0), qmin = get_int(options, "qmin", -128), qmax = get_int(options, "qmax", 127);
    if (qmin > qmax || qmin < -128 || qmax > 255 || (qmin < 0 && qmax > 127)) {
      throw Error("requantize: [qmin, qmax] = [" + std::to_string(qmin) + ", " + std::to_string(qmax) +
                  "] is not an int8 or uint8 range");
    }
    for (float v : mult) {
      if (!(v >= 0.0f) || !std::isfinite(v)) throw Error("requantize: multipliers must be finite and ≥ 0");
    }
    std::vector<uint8_t> out(acc.size());
    const std::string method = get_string(options, "method", "float");
    if (method == "float") {
      kernels::RequantizeFloat p;
      p.multipliers = mult.data();
      p.per_column = mult.size() > 1;
      p.bias = bias.empty() ? nullptr : bias.data();
      p.zero_point = zp;
      p.qmin = qmin;
      p.qmax = qmax;
      kernels::requantize_float(acc.data(), m, n, n, p, out.data(), n);
    } else if (method == "fixed-point") {
      std::vector<kernels::FixedPointMultiplier> fixed;
      for (float v : mult) fixed.push_back(kernels::quantize_multiplier(v));
      kernels::RequantizeFixedPoint p;
      p.multipliers = fixed.data();
      p.per_column = fixed.size() > 1;
      p.bias = bias.empty() ? nullptr : bias.data();
      p.zero_point = zp;
      p.qmin = qmin;
      p.qmax = qmax;
      kernels::requantize_fixed_point(acc.data(), m, n, n, p, out.data(), n);
    } else {
      throw Error("requantize: unknown method '" + method + "' (expected float or fixed-point)");
    }
    return qmin < 0 ? copy_out("Int8Array", reinterpret_cast<const int8_t*>(out.data()), out.size())
                    : copy_out("Uint8Array", out.data(), out.size());
  });
}

}  // namespace qp::bindings
