// Four floats to four clamped int32 codes, shared by the SIMD quantize tiers
// (quantize_f32_wasmsimd.cpp and quantize_f32_round_trip_wasmsimd.cpp), which must round exactly
// alike. Bit-exact with the reference tier: f32x4.nearest is round-half-to-even, pmin/pmax are the
// same ternaries as the reference's clamp, and i32x4.trunc_sat has the same saturation.
#pragma once
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

namespace qp::kernels::simd {

// divide: x / s (ONNX's QuantizeLinear), else x · s with s = 1/scale (PyTorch's multiply).
inline v128_t quantize4(v128_t x, v128_t s, bool divide, v128_t zp, v128_t lo, v128_t hi) {
  const v128_t scaled = divide ? wasm_f32x4_div(x, s) : wasm_f32x4_mul(x, s);
  v128_t v = wasm_f32x4_add(wasm_f32x4_nearest(scaled), zp);
  v = wasm_f32x4_pmax(v, lo);
  v = wasm_f32x4_pmin(v, hi);
  return wasm_i32x4_trunc_sat_f32x4(v);
}

}  // namespace qp::kernels::simd
#endif
