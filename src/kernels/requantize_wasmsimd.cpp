// WebAssembly SIMD128 tier of requantize_float (requantize.h): f32x4.convert_i32x4_s and
// f32x4.nearest round to nearest even like the reference's float(int32) and nearbyint; pmax/pmin
// are the reference's clamp ternaries. Column tails use the reference.
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "kernels/requantize.h"

namespace qp::kernels {

void requantize_float__wasmsimd(const int32_t* acc, size_t m, size_t n, size_t ld_acc, const RequantizeFloat& p,
                                uint8_t* out, size_t ld_out) {
  const v128_t zp = wasm_f32x4_splat(static_cast<float>(p.zero_point));
  const v128_t lo = wasm_f32x4_splat(static_cast<float>(p.qmin)), hi = wasm_f32x4_splat(static_cast<float>(p.qmax));
  const v128_t zero = wasm_i32x4_splat(0);
  const bool is_signed = p.qmin < 0;
  const size_t vec_n = n / 8 * 8;
  for (size_t i = 0; i < m; ++i) {
    const int32_t* row = acc + i * ld_acc;
    uint8_t* dst = out + i * ld_out;
    for (size_t j = 0; j < vec_n; j += 8) {
      v128_t q[2];
      for (size_t h = 0; h < 2; ++h) {
        v128_t x = wasm_v128_load(row + j + 4 * h);
        if (p.bias) x = wasm_i32x4_add(x, wasm_v128_load(p.bias + j + 4 * h));
        const v128_t mult = p.per_column ? wasm_v128_load(p.multipliers + j + 4 * h)
                                         : wasm_v128_load32_splat(p.multipliers);
        v128_t v = wasm_f32x4_add(wasm_f32x4_nearest(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(x), mult)), zp);
        v = wasm_f32x4_pmax(v, lo);
        v = wasm_f32x4_pmin(v, hi);
        q[h] = wasm_i32x4_trunc_sat_f32x4(v);
      }
      // Codes are inside [qmin, qmax] ⊂ [-128, 255], so the saturating narrows are exact.
      const v128_t h16 = wasm_i16x8_narrow_i32x4(q[0], q[1]);
      const v128_t bytes = is_signed ? wasm_i8x16_narrow_i16x8(h16, zero) : wasm_u8x16_narrow_i16x8(h16, zero);
      wasm_v128_store64_lane(dst + j, bytes, 0);
    }
    if (vec_n < n) {
      RequantizeFloat tail = p;
      if (p.per_column) tail.multipliers = p.multipliers + vec_n;
      if (p.bias) tail.bias = p.bias + vec_n;
      requantize_float_ref(row + vec_n, 1, n - vec_n, ld_acc, tail, dst + vec_n, ld_out);
    }
  }
}

}  // namespace qp::kernels
#endif
