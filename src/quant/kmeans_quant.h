// A per-unit code book of 2^b levels fitted by 1-D k-means (Lloyd's algorithm) on the unit's
// values: quantile initialisation, then Lloyd iterations on the sorted values with prefix sums,
// until the assignment stops changing or kKmeansMaxIterations. Numerics:
// docs/numerics/nonuniform.md §kmeans.
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
// The nearest centroid of v; an exact midpoint between two goes to the lower one.
uint16_t kmeans_code(float v, const std::vector<float>& centroids);
// Fit, then out[i] = centroids[code[i]]; codes optional.
KmeansFit kmeans_quantize(const float* x, size_t n, size_t k, uint16_t* codes, float* out);

// The plain O(n·k) Lloyd step from the textbook definition (assign every value to the nearest
// centroid, ties low; move each centroid to its cluster's mean, an empty cluster keeps its own),
// for testing the sorted, prefix-sum version. Returns whether any assignment changed.
bool kmeans_lloyd_step_reference(const float* x, size_t n, std::vector<double>& centroids,
                                 std::vector<size_t>& assignment);

}  // namespace qp
