// A Dataset from a pair of IDX files (MNIST / Fashion-MNIST layout): images N×H×W ubyte, scaled
// to pixel / 255 in [0, 1] (the input the bundled models take), one channel (1×H×W per sample),
// and labels N ubyte (or any integer IDX type).
#pragma once
#include <cstdint>
#include <vector>

#include "io/inflater.h"
#include "nn/dataset.h"

namespace qp::nn {

// Each file may be gzip-compressed. Throws qp::Error when a file is not IDX, the images are not a
// 3-d ubyte array, the labels not a 1-d integer array of non-negative values, or the counts differ.
Dataset dataset_from_idx(const std::vector<uint8_t>& images, const std::vector<uint8_t>& labels,
                         io::Inflater* inflater = nullptr);

}  // namespace qp::nn
