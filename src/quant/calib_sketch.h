// ValueSketch: what percentile, mse and entropy remember of the values they observe, in bounded
// memory. Up to kExactLimit values it keeps them all (answers are exact); past that it turns into
// a histogram of kBins equal bins that grows by doubling its bin width (merging bin pairs
// exactly), so it always covers [min, max] with a bin width below 2 (max - min) / kBins.
// Internal to src/quant.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qp {

class ValueSketch {
 public:
  static constexpr size_t kExactLimit = size_t(1) << 20;  // 4 MiB of float32
  static constexpr size_t kBins = size_t(1) << 16;        // 512 KiB of counts

  void add(const float* x, size_t n);  // finite values only (callers check)

  size_t count() const { return count_; }
  float min() const { return min_; }
  float max() const { return max_; }
  bool exact() const { return hist_.empty(); }

  // Exact mode: every value observed, in no particular order (order statistics reorder them).
  std::vector<float>& values() const { return values_; }
  // Histogram mode: bin k covers [origin + k·width, origin + (k+1)·width).
  const std::vector<uint64_t>& counts() const { return hist_; }
  double origin() const { return origin_; }
  double width() const { return width_; }
  double bin_center(size_t k) const { return origin_ + (static_cast<double>(k) + 0.5) * width_; }

  // The values as weighted points: every value with weight 1 (weights left empty) while exact
  // and count() <= max_exact; otherwise the center of every non-empty bin with its count as the
  // weight (the sketch's histogram, or kBins equal bins over [min, max] built from the values).
  void weighted_points(size_t max_exact, std::vector<float>& points, std::vector<double>& weights) const;

  // numpy.percentile(x, q) with the default 'linear' method, as float64 (q in [0, 100]).
  // Exact in exact mode; within width() of it in histogram mode (see calibration.md).
  double percentile(double q) const;

 private:
  void to_histogram();
  void cover(double lo, double hi);  // doubles the bin width until [lo, hi] is covered
  void bin(const float* x, size_t n);
  double order_statistic(size_t k) const;  // the k-th smallest value (0-based)

  size_t count_ = 0;
  float min_ = 0, max_ = 0;
  mutable std::vector<float> values_;  // mutable: nth_element reorders, the multiset stays
  std::vector<uint64_t> hist_;
  double origin_ = 0, width_ = 0;
};

}  // namespace qp
