// Error metrics between a tensor and its reconstruction, accumulated in double in index order
// (no reassociation), so native and WebAssembly builds report the same bits.
#pragma once
#include <cstddef>

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
// consecutive pieces in index order gives the same bits as compute_error_metrics on the whole.
class ErrorAccumulator {
 public:
  void add(const float* x, const float* y, size_t n);
  ErrorMetrics result() const;  // throws qp::Error when nothing was added

 private:
  size_t count_ = 0;
  double sum_err2_ = 0, sum_x2_ = 0, sum_y2_ = 0, sum_xy_ = 0, max_abs_ = 0;
};

}  // namespace qp
