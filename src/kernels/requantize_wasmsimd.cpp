// WebAssembly SIMD128 tier of requantize_float (requantize.h): f32x4.convert_i32x4_s and
// f32x4.nearest round to nearest even like the reference's float(int32) and nearbyint; pmax/pmin
// are the reference's clamp ternaries. Column tails use the reference.
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <vector>

#include "kernels/requantize.h"

namespace qp::kernels {

namespace {
// Columns [vec_n, n) of one row (fewer than 8) through the method's reference, its per-column
// parameters shifted to start there.
template <class Params, class Reference>
void reference_tail(Reference reference, const int32_t* row, size_t vec_n, size_t n, size_t ld_acc, const Params& p,
                    uint8_t* dst, size_t ld_out) {
  Params tail = p;
  if (p.per_column) tail.multipliers = p.multipliers + vec_n;
  if (p.bias) tail.bias = p.bias + vec_n;
  reference(row + vec_n, 1, n - vec_n, ld_acc, tail, dst + vec_n, ld_out);
}
}  // namespace

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
    if (vec_n < n) reference_tail(requantize_float_ref, row, vec_n, n, ld_acc, p, dst, ld_out);
  }
}


// Fixed-point tier (gemmlowp / TFLite, requantize.h), bit-identical to requantize_fixed_point_ref.
// WebAssembly SIMD shifts take one count for all lanes, and per-channel multipliers have one
// shift per column, so the per-lane shifts are multiplications:
//   x·2^left                        i32x4.mul by 2^left (wrapping, as the reference's uint32 shift);
//   SRDHM(x, M0) = floor((x·M0 + 2^30) / 2^31)  (the reference's truncating division with its
//                                   sign-dependent nudge is this floor), on i64x2 products;
//   x >> e (arithmetic, e ≥ 1)      = floor(x·2^(31−e) / 2^31), again an i64x2 product and a shift;
//                                   e = 0 lanes keep x (bitselect).
// M0 is never −2^31 (it is 0 or in [2^30, 2^31)), so SRDHM's one saturating case cannot occur.
namespace {
struct FixedPointLanes {
  v128_t left_mul, m0, right_mul, right_is_zero, mask, half_mask;
};

inline FixedPointLanes fixed_point_lanes(const FixedPointMultiplier* m) {
  alignas(16) int32_t lm[4], m0[4], rm[4], rz[4], mask[4], half[4];
  for (int l = 0; l < 4; ++l) {
    const int left = m[l].shift > 0 ? m[l].shift : 0, right = m[l].shift > 0 ? 0 : -m[l].shift;
    lm[l] = static_cast<int32_t>(uint32_t{1} << left);
    m0[l] = m[l].multiplier;
    rm[l] = right > 0 ? static_cast<int32_t>(int64_t{1} << (31 - right)) : 0;
    rz[l] = right == 0 ? -1 : 0;
    mask[l] = static_cast<int32_t>((int64_t{1} << right) - 1);
    half[l] = mask[l] >> 1;
  }
  return {wasm_v128_load(lm), wasm_v128_load(m0), wasm_v128_load(rm), wasm_v128_load(rz), wasm_v128_load(mask),
          wasm_v128_load(half)};
}

// floor((a·b + add) / 2^31) per lane, a and b int32, the results taken as int32 (wrapping).
// Bits 31..62 of s = a·b + add are the high word of 2s, so doubling s (i64x2.add) and keeping the
// odd lanes replaces the arithmetic i64 shift, which x86 without AVX-512 lacks (V8 emulates it).
// 2s does not overflow: every caller has |a·b + add| < 2^62 (one factor is at most 2^31 − 1 in
// magnitude and the other a multiplier in [0, 2^31)).
inline v128_t mul_shift31(v128_t a, v128_t b, v128_t add) {
  v128_t lo = wasm_i64x2_add(wasm_i64x2_extmul_low_i32x4(a, b), add);
  v128_t hi = wasm_i64x2_add(wasm_i64x2_extmul_high_i32x4(a, b), add);
  lo = wasm_i64x2_add(lo, lo);
  hi = wasm_i64x2_add(hi, hi);
  return wasm_i32x4_shuffle(lo, hi, 1, 3, 5, 7);
}

inline v128_t multiply_by_quantized_multiplier4(v128_t x, const FixedPointLanes& f) {
  x = wasm_i32x4_mul(x, f.left_mul);
  const v128_t v = mul_shift31(x, f.m0, wasm_i64x2_splat(int64_t{1} << 30));
  // RoundingDivideByPOT(v, e): (v >> e) + (remainder > threshold).
  const v128_t shifted = wasm_v128_bitselect(v, mul_shift31(v, f.right_mul, wasm_i64x2_splat(0)), f.right_is_zero);
  const v128_t remainder = wasm_v128_and(v, f.mask);
  const v128_t threshold = wasm_i32x4_sub(f.half_mask, wasm_i32x4_lt(v, wasm_i32x4_splat(0)));  // lt is −1
  return wasm_i32x4_sub(shifted, wasm_i32x4_gt(remainder, threshold));
}
}  // namespace

void requantize_fixed_point__wasmsimd(const int32_t* acc, size_t m, size_t n, size_t ld_acc,
                                      const RequantizeFixedPoint& p, uint8_t* out, size_t ld_out) {
  const size_t vec_n = n / 8 * 8;
  if (vec_n == 0) {
    requantize_fixed_point_ref(acc, m, n, ld_acc, p, out, ld_out);
    return;
  }
  // Lane constants for every group of 4 columns (one set when the multiplier is per tensor).
  thread_local std::vector<FixedPointLanes> lanes;
  lanes.resize(vec_n / 4);
  for (size_t g = 0; g < vec_n / 4; ++g) {
    FixedPointMultiplier four[4];
    for (int l = 0; l < 4; ++l) four[l] = p.multipliers[p.per_column ? 4 * g + l : 0];
    lanes[g] = fixed_point_lanes(four);
  }
  // clamp(y + zp, qmin, qmax) = clamp(y, qmin − zp, qmax − zp) + zp without the int32 overflow of
  // y + zp (the reference adds in int64).
  const v128_t zp = wasm_i32x4_splat(p.zero_point);
  const v128_t lo = wasm_i32x4_splat(p.qmin - p.zero_point), hi = wasm_i32x4_splat(p.qmax - p.zero_point);
  const v128_t zero = wasm_i32x4_splat(0);
  const bool is_signed = p.qmin < 0;
  for (size_t i = 0; i < m; ++i) {
    const int32_t* row = acc + i * ld_acc;
    uint8_t* dst = out + i * ld_out;
    for (size_t j = 0; j < vec_n; j += 8) {
      v128_t q[2];
      for (size_t h = 0; h < 2; ++h) {
        v128_t x = wasm_v128_load(row + j + 4 * h);
        if (p.bias) x = wasm_i32x4_add(x, wasm_v128_load(p.bias + j + 4 * h));
        const v128_t y = multiply_by_quantized_multiplier4(x, lanes[(j + 4 * h) / 4]);
        q[h] = wasm_i32x4_add(wasm_i32x4_min(wasm_i32x4_max(y, lo), hi), zp);
      }
      const v128_t h16 = wasm_i16x8_narrow_i32x4(q[0], q[1]);
      const v128_t bytes = is_signed ? wasm_i8x16_narrow_i16x8(h16, zero) : wasm_u8x16_narrow_i16x8(h16, zero);
      wasm_v128_store64_lane(dst + j, bytes, 0);
    }
    if (vec_n < n) reference_tail(requantize_fixed_point_ref, row, vec_n, n, ld_acc, p, dst, ld_out);
  }
}

}  // namespace qp::kernels
#endif
