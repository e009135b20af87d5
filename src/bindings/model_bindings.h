// Weight files for JS: the JS side passes "sources" ({name, size, read(offset, length) ->
// Uint8Array}, synchronous: FileReaderSync over File.slice in the Worker, fs.readSync in Node) and
// an inflateRaw(bytes, maxOut) -> Uint8Array callback; the core does all the parsing. Open models
// live in a table keyed by id until closeModel(id).
#pragma once
#include <emscripten/val.h>

namespace qp::bindings {

using emscripten::val;

// -> { id, format, files: [{name, size}], tensors: [{name, dtype, storedType, shape, parameters,
//      bytes, file, problem}], metadata: [[key, value]], graph: {nodeCount, opCounts, inputs,
//      outputs}, warnings: [string] }
val open_model(val sources, val inflate_raw);
// -> { name, shape, data: Float32Array }
val read_model_tensor(int id, int index);
// Reads one tensor and measures it inside the core, returning no per-element arrays:
// options (quantize()'s) or null -> { name, shape, stats, quantized: quantize()'s result without
// codes/dequantized, or null; quantizeError: string or null }
val analyze_model_tensor(int id, int index, val options);
// Reads one tensor and runs every scheme of options_list on it inside the core:
// -> [{ label, options, bitsPerWeight, metrics, milliseconds, error }] (no Pareto flags: those
// belong to the whole model's totals)
val compare_model_tensor(int id, int index, val options_list);
void close_model(int id);

}  // namespace qp::bindings

namespace qp::bindings {

// tensors: [{name, dtype ('f32', 'i8', 'u8', 'i32', ...), shape, bytes: Uint8Array}],
// metadata: [[key, value]] -> Uint8Array (a complete .safetensors file)
val encode_safetensors(val tensors, val metadata);

}  // namespace qp::bindings
