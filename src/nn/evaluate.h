// Running an engine over a dataset: predicted classes, accuracy, the confusion matrix, and timing
// (batch-1 latency as the median of many single-sample runs, batch-256 throughput).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/dataset.h"
#include "nn/engine.h"

namespace qp::nn {

// Argmax (first maximum on ties, as torch.argmax) of samples [begin, begin + n), in batches.
void predict(Engine& engine, const Dataset& data, size_t begin, size_t n, int32_t* classes, size_t batch = 256);

struct Accuracy {
  size_t correct = 0, total = 0;
  double accuracy = 0;              // correct / total
  size_t classes = 0;
  std::vector<uint32_t> confusion;  // classes × classes, [true label][predicted]
};
// Throws qp::Error when the data has no labels, or a label or prediction is outside 0..classes-1.
Accuracy score(const std::vector<int32_t>& predicted, const std::vector<int32_t>& labels, size_t classes);

struct Timing {
  // Median (and p10, p90) of single-sample forwards: over blocks of consecutive forwards of about
  // 2 ms each (at least 5 blocks, about `runs` forwards in all), so coarse clocks still resolve.
  double batch1_median_us = 0;
  double batch1_p10_us = 0, batch1_p90_us = 0;
  double batch_images_per_s = 0;    // best of `repeats` forwards of one batch of `batch` samples
  size_t batch = 0;
};
Timing measure_timing(Engine& engine, const Dataset& data, size_t runs, size_t batch = 256, size_t repeats = 3);

}  // namespace qp::nn
