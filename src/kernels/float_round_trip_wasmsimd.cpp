// 128-bit SIMD tier of kernels/float_round_trip.h: the same steps as float_round_trip_bits, four
// lanes at a time, with both rounding paths computed and the lane's case chosen by bitselect.
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "kernels/float_round_trip.h"

namespace qp::kernels {

void float_round_trip__wasmsimd(const FloatRoundTrip& p, const float* x, size_t n, float scale, float* out) {
  const v128_t vscale = wasm_f32x4_splat(scale);
  const v128_t abs_mask = wasm_i32x4_splat(0x7fffffff), sign_mask = wasm_i32x4_splat(INT32_MIN);
  const v128_t inf = wasm_i32x4_splat(0x7f800000), one = wasm_i32x4_splat(1);
  const v128_t bias = wasm_i32x4_splat(static_cast<int32_t>((1u << (p.shift - 1)) - 1u));
  const v128_t keep = wasm_i32x4_splat(static_cast<int32_t>(~((1u << p.shift) - 1u)));
  const v128_t min_normal = wasm_i32x4_splat(static_cast<int32_t>(p.min_normal_bits));
  const v128_t magic = wasm_f32x4_splat(p.subnormal_magic);
  const v128_t max_bits = wasm_i32x4_splat(static_cast<int32_t>(p.max_bits));
  const v128_t overflow = wasm_i32x4_splat(static_cast<int32_t>(p.overflow_bits));
  const v128_t nan_keep = wasm_i32x4_splat(static_cast<int32_t>(p.nan_keep));
  const v128_t nan_or = wasm_i32x4_splat(static_cast<int32_t>(p.nan_or));
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_f32x4_div(wasm_v128_load(x + i), vscale);
    const v128_t a = wasm_v128_and(v, abs_mask);
    const v128_t sign = wasm_v128_and(v, sign_mask);
    const v128_t odd = wasm_v128_and(wasm_u32x4_shr(a, p.shift), one);
    const v128_t normal = wasm_v128_and(wasm_i32x4_add(wasm_i32x4_add(a, bias), odd), keep);
    const v128_t subnormal = wasm_f32x4_sub(wasm_f32x4_add(a, magic), magic);
    // Signed compares are right for a <= 0x7f800000 (the only lanes whose r is used below it).
    v128_t r = wasm_v128_bitselect(subnormal, normal, wasm_i32x4_lt(a, min_normal));
    r = wasm_v128_or(wasm_v128_bitselect(overflow, r, wasm_i32x4_gt(r, max_bits)), sign);
    const v128_t nan = wasm_v128_or(wasm_v128_and(v, nan_keep), nan_or);
    r = wasm_v128_bitselect(nan, r, wasm_i32x4_gt(a, inf));
    wasm_v128_store(out + i, wasm_f32x4_mul(r, vscale));
  }
  float_round_trip_ref(p, x + i, n - i, scale, out + i);
}

}  // namespace qp::kernels
#endif
