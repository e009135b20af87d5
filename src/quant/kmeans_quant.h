// A per-unit code book of 2^b levels fitted by 1-D k-means (Lloyd's algorithm) on the unit's
// values: quantile initialisation, then Lloyd iterations on the sorted values with prefix sums,
// until the assignment stops changing or kKmeansMaxIterations. Numerics:
// docs/numerics.md §9.3.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace qp {

constexpr int kKmeansMaxIterations = 300;

struct KmeansFit {
  std::vector<float> centroids;  // k float32 levels, ascending (equal values possible)
  int iterations = 0;            // Lloyd steps run
  bool converged = false;        // the last step changed no assignment
};

// The initial centroids: the sorted values at positions floor((2j + 1) n / (2k)), j = 0..k-1 (the
// centres of k equal-count bins). Deterministic; no random seeding.
std::vector<double> kmeans_quantile_init(const float* x, size_t n, size_t k);
// Fits k levels to x[0..n) (n >= 1, k >= 1). O(n log n) for the sort, then O(k log n) a step.
KmeansFit kmeans_fit(const float* x, size_t n, size_t k);
// The same fit with every boundary searched over all values (std::upper_bound) instead of from the
// previous step's boundary: the plain version, kept for the tests (same bits).
KmeansFit kmeans_fit_reference(const float* x, size_t n, size_t k);
// The nearest centroid of v: the first j with v <= fl64((c_j + c_j+1) / 2) (so an exact midpoint
// goes to the lower one), then the first of any centroids equal to c_j. A plain linear scan.
uint16_t kmeans_code(float v, const std::vector<float>& centroids);

// The same rule for many values. The midpoints (padded with +inf to a power of two, at least 16) are
// ascending, so the code's position is the number of midpoints below v. With 16 of them it is
// counted directly in float: for a float v, mid < v exactly when v >= t, t the smallest float above
// the double mid, so 16 float compares the compiler vectorises, no dependent loads. Else a
// branch-free binary search over the double midpoints, O(log k) a value.
class KmeansCoder {
 public:
  explicit KmeansCoder(const std::vector<float>& centroids);
  uint16_t code(float v) const {
    size_t pos = 0;
    if (mids_.size() == kCountedMids) {
      for (size_t j = 0; j < kCountedMids; ++j) pos += v >= above_[j] ? 1 : 0;
    } else {
      for (size_t step = mids_.size() / 2; step > 0; step >>= 1) pos += mids_[pos + step - 1] < v ? step : 0;
    }
    return first_equal_[pos];
  }
  // code() of x[0..n) into codes[0..n); in wasm SIMD builds four values at a time when the
  // midpoints are counted (the same float compares per lane).
  void code_all(const float* x, size_t n, uint16_t* codes) const;

 private:
  static constexpr size_t kCountedMids = 16;
  std::vector<double> mids_;          // size a power of two >= 16, last entry +inf
  float above_[kCountedMids];         // the smallest float above each of the first 16 midpoints
  std::vector<uint16_t> first_equal_;  // first index of the centroid equal to centroid j
};
// Fit, then out[i] = centroids[code[i]]; codes optional.
KmeansFit kmeans_quantize(const float* x, size_t n, size_t k, uint16_t* codes, float* out);

// The plain O(n·k) Lloyd step from the textbook definition (assign every value to the nearest
// centroid, ties low; move each centroid to its cluster's mean, an empty cluster keeps its own),
// for testing the sorted, prefix-sum version. Returns whether any assignment changed.
bool kmeans_lloyd_step_reference(const float* x, size_t n, std::vector<double>& centroids,
                                 std::vector<size_t>& assignment);

}  // namespace qp
