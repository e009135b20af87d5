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

}  // namespace qp
