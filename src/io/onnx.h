// ONNX models: initializers (raw_data and typed fields, external data) and a graph summary.
// Listing walks the protobuf wire format (protobuf_wire.h) and reads headers only: every
// initializer's bytes stay where they are, located by absolute offset (raw_data, float_data,
// double_data as Raw; int32_data/int64_data/uint64_data as PackedVarint; external data in a
// companion file). A broken file structure throws qp::Error naming the file; a tensor that cannot
// be read (unsupported type, size mismatch, missing external file) is listed with a `problem`.
#pragma once
#include <memory>
#include <vector>

#include "io/model.h"

namespace qp::io {

// `companions` are the other files the user selected; external data files are found among them
// by the basename of their `location`, and appended to Model::files (after the model) when used.
Model open_onnx(std::shared_ptr<ByteSource> file,
                const std::vector<std::shared_ptr<ByteSource>>& companions);

}  // namespace qp::io
