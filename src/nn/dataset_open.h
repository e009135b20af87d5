// The user's own test data, whatever form it came in: one .npz, or a pair of .npy files, or a
// pair of IDX files (plain or gzipped). In a pair the smaller file is the labels (labels are one
// integer per sample, always smaller than the samples they label).
#pragma once
#include <memory>
#include <optional>
#include <vector>

#include "io/byte_source.h"
#include "io/inflater.h"
#include "nn/dataset.h"

namespace qp::nn {

// Throws qp::Error saying what was expected when the files do not form a dataset.
// `network_input` shapes flat samples (N×784 → 1×28×28) to the network's input.
Dataset dataset_from_files(const std::vector<std::shared_ptr<io::ByteSource>>& files, io::Inflater* inflater,
                           std::optional<ActShape> network_input = std::nullopt);

}  // namespace qp::nn
