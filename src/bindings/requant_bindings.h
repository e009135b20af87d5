// Bindings of dynamic quantization (quant/dynamic_quantize.h) and requantization
// (kernels/requantize.h). Conversions only.
#pragma once
#include <emscripten/val.h>

namespace qp::bindings {

using emscripten::val;

// (Float32Array, rows, cols, {mode: 'onnx'|'pytorch', perRow}) -> {codes: Uint8Array, scales, zeroPoints}
val dynamic_quantize_js(val data, int rows, int cols, val options);
// (Int32Array acc, m, n, {method: 'float'|'fixed-point', multipliers: Float32Array, bias: Int32Array|null,
//  zeroPoint, qmin, qmax}) -> Uint8Array of codes (two's complement when qmin < 0)
val requantize_js(val acc, int m, int n, val options);

}  // namespace qp::bindings
