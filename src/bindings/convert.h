// Type conversions between Embind values and the core's types. No quantization logic here:
// each function reads JS values, calls one core function and builds the JS result.
#pragma once
#include <emscripten/val.h>

namespace qp::bindings {

using emscripten::val;

// Every exported function: (JS arguments) -> JS value, throwing a JS Error (name "QplayError")
// whose message is the core's qp::Error message.
val quantize(val data, val shape, val options);
val tensor_stats(val data);
val histogram(val data, int bins, double lo, double hi);
val read_npy(val bytes);
val encode_npy(std::string descr, val shape, val data);
val grid_levels(double scale, int zero_point, int qmin, int qmax);
val build_info();

}  // namespace qp::bindings
