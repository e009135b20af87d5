// Type conversions between Embind values and the core's types. No quantization logic here:
// each function reads JS values, calls one core function and builds the JS result.
#pragma once
#include <emscripten/val.h>

#include <memory>
#include <string>
#include <vector>

#include "quant/quantize.h"
#include "quant/stats.h"

namespace qp::bindings {

using emscripten::val;

// Every exported function: (JS arguments) -> JS value, throwing a JS Error (name "QplayError")
// whose message is the core's qp::Error message.
// outputs: null, or { codes?, dequantized? } typed arrays of the tensor's size that receive the
// results (reused by the caller across calls) instead of fresh arrays.
val quantize(val data, val shape, val options, val outputs);
val tensor_stats(val data);
val histogram(val data, int bins, double lo, double hi);
val read_npy(val bytes);
val encode_npy(std::string descr, val shape, val data);
val grid_levels(double scale, int zero_point, int qmin, int qmax);
val build_info();

// Reading option objects: absent or null gives the fallback; a wrong type throws qp::Error.
int get_int(const val& obj, const char* key, int fallback);
bool get_bool(const val& obj, const char* key, bool fallback);
std::string get_string(const val& obj, const char* key, const char* fallback);
Shape to_shape(const val& shape);
val from_shape(const Shape& shape);
std::vector<float> to_float_vector(const val& typed_array, const char* what);
std::vector<uint8_t> to_byte_vector(const val& typed_array, const char* what);  // a Uint8Array
val metrics_to_js(const ErrorMetrics& m);

// A Float32Array copied into an uninitialised wasm buffer (one pass: no zero-fill before the copy).
struct FloatInput {
  std::unique_ptr<float[]> values;
  size_t size = 0;
};
FloatInput to_float_input(const val& typed_array, const char* what);

// Shared with model_bindings.cpp: the options object of quantize() as a spec, and result objects.
QuantSpec spec_from_options(const val& options);
val quantized_to_js(const QuantizedTensor& t);  // codes/dequantized only when the tensor kept them
val stats_to_js(const TensorStats& s);

}  // namespace qp::bindings
