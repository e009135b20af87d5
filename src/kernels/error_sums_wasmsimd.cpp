// 128-bit WebAssembly SIMD tier of error_sums.h: lanes 0-1 in one f64x2 register, lanes 2-3 in
// another (ErrorLanesF64x2, error_sums_wasmsimd.h). f64x2.promote_low_f32x4 widens exactly like the
// reference's float -> double; add, sub and mul are the same IEEE operations per lane (wasm SIMD
// has no fused multiply-add); pmax(m, a) is `m < a ? a : m`, the reference's `a > m ? a : m`,
// including for a NaN a (both keep m).
#if defined(__wasm_simd128__)
#include "kernels/error_sums_wasmsimd.h"

namespace qp::kernels {

void error_sums_add__wasmsimd(ErrorSums& s, const float* x, const float* y, size_t n) noexcept {
  ErrorLanesF64x2 lanes(s);
  for (size_t i = 0; i + 4 <= n; i += 4) lanes.add(wasm_v128_load(x + i), wasm_v128_load(y + i));
  lanes.store(s);
}

}  // namespace qp::kernels
#endif
