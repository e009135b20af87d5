// The sums behind the error metrics (quant/metrics.h), in four lanes: element i of a call goes to
// lane i mod 4, and each lane is a sequential double sum in index order. The lane order is part of
// the metrics' definition, so every tier gives the same bits:
//   err2 += (x - y)^2, x2 += x^2, y2 += y^2, xy += x y   (x, y widened to double; no FMA)
//   max_abs = |x - y| > max_abs ? |x - y| : max_abs       (a NaN difference is ignored)
// Tiers: *_ref is the plain loop; *__wasmsimd keeps lanes 0-1 and 2-3 in two f64x2 registers, which
// performs the same operations in the same order per lane. The unsuffixed name dispatches
// (kernel_dispatch.cpp).
#pragma once
#include <cmath>
#include <cstddef>

namespace qp::kernels {

struct ErrorSums {
  double err2[4] = {}, x2[4] = {}, y2[4] = {}, xy[4] = {}, max_abs[4] = {};
};

// One element into lane `lane`: the per-element rule above, for heads and tails of any tier.
inline void error_sums_add_one(ErrorSums& s, int lane, float x, float y) {
  const double a = x, b = y, d = a - b, ad = std::fabs(d);
  s.err2[lane] += d * d;
  s.x2[lane] += a * a;
  s.y2[lane] += b * b;
  s.xy[lane] += a * b;
  s.max_abs[lane] = ad > s.max_abs[lane] ? ad : s.max_abs[lane];
}

// Adds x[0..n), y[0..n) to s, element i into lane i mod 4. n must be a multiple of 4.
void error_sums_add_ref(ErrorSums& s, const float* x, const float* y, size_t n) noexcept;
#if defined(__wasm_simd128__)
void error_sums_add__wasmsimd(ErrorSums& s, const float* x, const float* y, size_t n) noexcept;
#endif
void error_sums_add(ErrorSums& s, const float* x, const float* y, size_t n) noexcept;

}  // namespace qp::kernels
