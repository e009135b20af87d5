// A labelled set of samples for evaluation, calibration and training, already scaled the way the
// network expects its input (the bundled Fashion-MNIST models take pixels / 255 in [0, 1], NCHW).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/network.h"

namespace qp::nn {

struct Dataset {
  ActShape sample;               // per-sample shape, e.g. 1×28×28
  size_t count = 0;
  std::vector<float> inputs;     // count × sample.size(), sample after sample
  std::vector<int32_t> labels;   // count class indices (empty when the data has no labels)

  const float* input(size_t i) const { return inputs.data() + i * sample.size(); }
  // Samples [begin, begin + n) as a new dataset (for calibration subsets and slices in tests).
  Dataset slice(size_t begin, size_t n) const;
};

}  // namespace qp::nn
