// The scheme registry and the comparison for JS. Options objects:
// { format, bits, signed, scheme, mode, axis, groupSize, narrowRange, reduceRange, calibration,
//   saturate, doubleQuant, seed } (all optional; quantize()'s names and defaults).
#pragma once
#include <emscripten/val.h>

#include "quant/compare.h"
#include "quant/scheme.h"

namespace qp::bindings {

using emscripten::val;

SchemeSpec scheme_spec_from_options(const val& options);
val scheme_spec_to_js(const SchemeSpec& s);
val row_to_js(const ComparisonRow& r);

// -> [{ name, family, reference, summary, minBits, maxBits, takesGranularity, takesCalibration }]
val list_schemes();
// -> { format, shape, label, options, dequantized: Float32Array, metrics, storedBits, bitsPerWeight,
//      units, unitShape, unitAxis, unitGroup, unitMse: Float64Array (per unit), levels:
//      Float32Array, integer: quantize()'s result or null }
val run_scheme_js(val data, val shape, val options);
// -> [options] the default "compare all" set for a tensor of this shape
val default_comparison_js(val shape);
// A tensor held in WebAssembly memory while several schemes run on it (the Worker runs one
// scheme per call so that it can report progress and be cancelled between them).
val hold_tensor(val data, val shape);  // -> id
// -> { label, options, bitsPerWeight, metrics, milliseconds, error: string|null }
val compare_held(int id, val options);
void release_tensor(int id);
// rows: [{ bitsPerWeight, metrics: {mse}, error }] -> [bool] on the Pareto front
val pareto_front(val rows);

}  // namespace qp::bindings
