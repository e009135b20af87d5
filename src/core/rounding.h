// The one rounding rule of the integer schemes: round half to even, as C's nearbyint in the
// default floating-point environment, PyTorch's quantize_val (std::nearbyint) and ONNX
// QuantizeLinear ("rounding to nearest ties to even") do. WebAssembly's f32.nearest and
// f32x4.nearest implement the same rule, so native, scalar-wasm and SIMD-wasm agree.
#pragma once
#include <cmath>
#include <cstdint>

namespace qp {

inline float round_half_to_even(float x) { return std::nearbyint(x); }

// float -> int32 with the semantics of wasm's i32.trunc_sat_f32_s: truncation toward zero,
// saturation at the int32 limits, NaN -> 0. Used so that the scalar and SIMD kernels agree
// even on inputs the public API rejects (NaN) instead of relying on undefined behaviour.
inline int32_t trunc_sat_f32_to_i32(float x) {
  if (std::isnan(x)) return 0;
  if (x >= 2147483648.0f) return INT32_MAX;
  if (x <= -2147483648.0f) return INT32_MIN;
  return static_cast<int32_t>(x);
}

}  // namespace qp
