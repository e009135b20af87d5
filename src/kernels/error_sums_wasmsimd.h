// The f64x2 step of error_sums_add__wasmsimd as an inline register set, for the kernels that fuse
// the error sums into their own pass (quantize_f32_round_trip_wasmsimd.cpp). Lanes 0-1 of each sum
// live in one f64x2 register, lanes 2-3 in another; see error_sums_wasmsimd.cpp for why each
// operation equals the reference's.
#pragma once
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "kernels/error_sums.h"

namespace qp::kernels {

struct ErrorLanesF64x2 {
  v128_t e0, e1, p0, p1, q0, q1, r0, r1, m0, m1;

  explicit ErrorLanesF64x2(const ErrorSums& s)
      : e0(wasm_v128_load(s.err2)), e1(wasm_v128_load(s.err2 + 2)),
        p0(wasm_v128_load(s.x2)), p1(wasm_v128_load(s.x2 + 2)),
        q0(wasm_v128_load(s.y2)), q1(wasm_v128_load(s.y2 + 2)),
        r0(wasm_v128_load(s.xy)), r1(wasm_v128_load(s.xy + 2)),
        m0(wasm_v128_load(s.max_abs)), m1(wasm_v128_load(s.max_abs + 2)) {}

  // Four elements: x lane l and y lane l into sum lane l.
  inline void add(v128_t xv, v128_t yv) {
    const v128_t a0 = wasm_f64x2_promote_low_f32x4(xv);
    const v128_t a1 = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(xv, xv, 2, 3, 2, 3));
    const v128_t b0 = wasm_f64x2_promote_low_f32x4(yv);
    const v128_t b1 = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(yv, yv, 2, 3, 2, 3));
    const v128_t d0 = wasm_f64x2_sub(a0, b0), d1 = wasm_f64x2_sub(a1, b1);
    e0 = wasm_f64x2_add(e0, wasm_f64x2_mul(d0, d0));
    e1 = wasm_f64x2_add(e1, wasm_f64x2_mul(d1, d1));
    p0 = wasm_f64x2_add(p0, wasm_f64x2_mul(a0, a0));
    p1 = wasm_f64x2_add(p1, wasm_f64x2_mul(a1, a1));
    q0 = wasm_f64x2_add(q0, wasm_f64x2_mul(b0, b0));
    q1 = wasm_f64x2_add(q1, wasm_f64x2_mul(b1, b1));
    r0 = wasm_f64x2_add(r0, wasm_f64x2_mul(a0, b0));
    r1 = wasm_f64x2_add(r1, wasm_f64x2_mul(a1, b1));
    m0 = wasm_f64x2_pmax(m0, wasm_f64x2_abs(d0));
    m1 = wasm_f64x2_pmax(m1, wasm_f64x2_abs(d1));
  }

  void store(ErrorSums& s) const {
    wasm_v128_store(s.err2, e0), wasm_v128_store(s.err2 + 2, e1);
    wasm_v128_store(s.x2, p0), wasm_v128_store(s.x2 + 2, p1);
    wasm_v128_store(s.y2, q0), wasm_v128_store(s.y2 + 2, q1);
    wasm_v128_store(s.xy, r0), wasm_v128_store(s.xy + 2, r1);
    wasm_v128_store(s.max_abs, m0), wasm_v128_store(s.max_abs + 2, m1);
  }
};

}  // namespace qp::kernels
#endif
