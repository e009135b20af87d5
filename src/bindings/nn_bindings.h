// Embind side of the network code (src/nn): networks, datasets and prepared engines live in the
// core behind integer handles; JS holds the ids and releases them.
#pragma once
#include <emscripten/val.h>

#include <string>

namespace qp::bindings {

using emscripten::val;

val nn_load_network(val sources, val inflate_raw);
val nn_describe_network(int id);
val nn_encode_network(int id, val metadata);
void nn_release_network(int id);

val nn_dataset_from_arrays(val inputs, val shape, val labels);
val nn_dataset_from_idx(val images, val labels);
val nn_dataset_from_files(val sources, val inflate_raw, val input_shape);
val nn_describe_dataset(int id);
val nn_dataset_inputs(int id, int begin, int count);
void nn_release_dataset(int id);

val nn_calibrate(int network, int dataset, val options);
val nn_input_hessians(int network, int dataset, val options);
val nn_prepare_engine(int network, val options);
val nn_engine_info(int id);
val nn_predict(int engine, int dataset, int begin, int count);
val nn_forward(int engine, val inputs, int batch);
val nn_timing(int engine, int dataset, int runs, int batch);
void nn_release_engine(int id);
val nn_score(val predicted, val labels, int classes);

val nn_start_qat(int network, int dataset, val options);
val nn_qat_step(int id, int steps);
val nn_qat_info(int id);
val nn_qat_finish(int id);
void nn_release_qat(int id);

}  // namespace qp::bindings
