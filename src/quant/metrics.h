// Error metrics between a tensor and its reconstruction, accumulated in double in a fixed order:
// element i goes to partial sum i mod 4, and the four are combined as (s0 + s1) + (s2 + s3). The
// order is part of the definition (not left to the compiler), so native and WebAssembly builds
// report the same bits; four independent sums let the compiler use two f64x2 lanes.
#pragma once
#include <cstddef>

#include "kernels/error_sums.h"

namespace qp {

struct ErrorMetrics {
  double mse = 0;            // mean of (x - y)^2
  double sqnr_db = 0;        // 10 log10(sum x^2 / sum (x - y)^2); +inf when the error is 0
  double max_abs_error = 0;  // max |x - y|
  double cosine = 0;         // <x, y> / (|x| |y|); 1 when both are all-zero, 0 when only one is
};

// Throws qp::Error when n == 0.
ErrorMetrics compute_error_metrics(const float* x, const float* y, size_t n);

// The same sums fed in pieces, for callers that never hold the whole reconstruction: feeding
// consecutive pieces in index order gives the same bits as compute_error_metrics on the whole
// (each element still lands in partial sum (its global index) mod 4).
class ErrorAccumulator {
 public:
  void add(const float* x, const float* y, size_t n) noexcept;
  ErrorMetrics result() const;  // throws qp::Error when nothing was added

  // For kernels that add the sums in their own pass (kernels/quantize_f32_round_trip.h): they file
  // element i of their call into lane i mod 4, the global lane only when count() is a multiple of
  // 4, which add_fused requires. `kernel(sums)` adds n elements.
  size_t count() const { return count_; }
  template <class Kernel>
  void add_fused(size_t n, Kernel&& kernel) {
    if (count_ % kLanes != 0) throw_misaligned();
    kernel(sums_);
    count_ += n;
  }

 private:
  static constexpr int kLanes = 4;
  [[noreturn]] static void throw_misaligned();
  size_t count_ = 0;
  kernels::ErrorSums sums_;  // lane l holds the elements whose global index is l mod 4
};

}  // namespace qp
