// ONNX models: initializers (raw_data and typed fields, external data) and a graph summary.
#pragma once
#include <memory>
#include <vector>

#include "io/model.h"

namespace qp::io {

// `companions` are the other files the user selected; external data files are found among them
// by name.
Model open_onnx(std::shared_ptr<ByteSource> file,
                const std::vector<std::shared_ptr<ByteSource>>& companions);

}  // namespace qp::io
