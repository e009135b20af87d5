// Reference tier of requantize.h, written from the equations there, and the fixed-point helpers.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/rounding.h"
#include "kernels/requantize.h"

namespace qp::kernels {

namespace {
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}
}  // namespace

void requantize_float_ref(const int32_t* acc, size_t m, size_t n, size_t ld_acc, const RequantizeFloat& p,
                          uint8_t* out, size_t ld_out) {
  const float zp = static_cast<float>(p.zero_point);
  const float lo = static_cast<float>(p.qmin), hi = static_cast<float>(p.qmax);
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const int32_t x = p.bias ? wrapping_add(acc[i * ld_acc + j], p.bias[j]) : acc[i * ld_acc + j];
      const float mult = p.multipliers[p.per_column ? j : 0];
      float v = round_half_to_even(static_cast<float>(x) * mult) + zp;
      v = v < lo ? lo : v;  // NaN-free: x is finite and multipliers are checked by callers
      v = hi < v ? hi : v;
      out[i * ld_out + j] = static_cast<uint8_t>(static_cast<int32_t>(v));
    }
  }
}

FixedPointMultiplier quantize_multiplier(double real) {
  if (!(real >= 0.0) || !std::isfinite(real)) {
    throw Error("requantize: the multiplier must be a finite number ≥ 0, got " + std::to_string(real));
  }
  if (real == 0.0) return {};
  int exponent = 0;
  const double q = std::frexp(real, &exponent);  // real = q · 2^exponent, q in [0.5, 1)
  int64_t q_fixed = static_cast<int64_t>(std::round(q * 2147483648.0));
  if (q_fixed == (int64_t{1} << 31)) {  // q rounded up to 1.0
    q_fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) return {};  // below what RoundingDivideByPOT can shift: TFLite flushes to 0
  if (exponent > 30) throw Error("requantize: multiplier " + std::to_string(real) + " is too large");
  return {static_cast<int32_t>(q_fixed), exponent};
}

int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  // (ab + nudge) / 2^31 truncated toward zero, nudge = 2^30 (ab ≥ 0) or 1 − 2^30 (ab < 0), equals
  // floor((ab + 2^30) / 2^31) for both signs: one shift instead of a 64-bit division (wasm keeps
  // i64.div_s, the hot spot of static int8 convolutions).
  return static_cast<int32_t>((ab + (int64_t{1} << 30)) >> 31);
}

int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);  // >> of a negative int is arithmetic in gcc and clang
}

int32_t multiply_by_quantized_multiplier(int32_t x, FixedPointMultiplier m) {
  const int left = m.shift > 0 ? m.shift : 0, right = m.shift > 0 ? 0 : -m.shift;
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, m.multiplier), right);
}

void requantize_fixed_point(const int32_t* acc, size_t m, size_t n, size_t ld_acc,
                            const RequantizeFixedPoint& p, uint8_t* out, size_t ld_out) {
#if defined(__wasm_simd128__)
  requantize_fixed_point__wasmsimd(acc, m, n, ld_acc, p, out, ld_out);
#else
  requantize_fixed_point_ref(acc, m, n, ld_acc, p, out, ld_out);
#endif
}

void requantize_fixed_point_ref(const int32_t* acc, size_t m, size_t n, size_t ld_acc,
                                const RequantizeFixedPoint& p, uint8_t* out, size_t ld_out) {
  for (size_t i = 0; i < m; ++i) {
    for (size_t j = 0; j < n; ++j) {
      const int32_t x = p.bias ? wrapping_add(acc[i * ld_acc + j], p.bias[j]) : acc[i * ld_acc + j];
      const int64_t scaled = multiply_by_quantized_multiplier(x, p.multipliers[p.per_column ? j : 0]);
      const int64_t y = std::clamp<int64_t>(scaled + p.zero_point, p.qmin, p.qmax);
      out[i * ld_out + j] = static_cast<uint8_t>(static_cast<int32_t>(y));
    }
  }
}

}  // namespace qp::kernels
