// Summary statistics of a float tensor, the first thing `qplay inspect` and the page show.
#pragma once
#include <cstddef>
#include <vector>

namespace qp {

struct TensorStats {
  size_t count = 0;
  size_t nan_count = 0;
  size_t posinf_count = 0;
  size_t neginf_count = 0;
  // Over the finite values only (0 when there are none).
  size_t finite_count = 0;
  size_t zero_count = 0;  // exact zeros (±0): pruned or padded weights
  float min = 0, max = 0;
  double mean = 0;
  double std = 0;  // population standard deviation, two-pass in double
};

TensorStats compute_stats(const float* x, size_t n);

// Throws qp::Error naming the counts when the tensor is empty or holds NaN or ±Inf: quantizing
// them is undefined in PyTorch and ONNX, so we refuse instead of returning a silently wrong number.
// One pass, no statistics (quantize_tensor calls it on every request).
void require_finite(const float* x, size_t n);

// Counts of values in `bins` equal-width bins over [lo, hi] (the last bin includes hi); values
// outside are counted in below/above, non-finite values are skipped. When lo == hi every value
// equal to lo lands in the middle bin. Throws qp::Error on a bad bin count or range.
struct Histogram {
  double lo = 0, hi = 0;
  std::vector<double> counts;  // double so that JS receives a Float64Array of exact integers
  size_t below = 0, above = 0;
};
Histogram compute_histogram(const float* x, size_t n, int bins, double lo, double hi);

}  // namespace qp
