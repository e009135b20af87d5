// 128-bit WebAssembly SIMD tier of quantize_f32.h. Bit-exact with the reference tier:
// f32x4.nearest is round-half-to-even, pmin/pmax are the same ternaries as the reference's
// clamp, and i32x4.trunc_sat has the same saturation. Tails fall back to the reference loop.
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <vector>

#include "kernels/quantize_f32.h"
#include "kernels/quantize_f32_wasmsimd.h"

namespace qp::kernels {

using simd::quantize4;

void quantize_f32_q8__wasmsimd(const float* x, size_t n, const QuantizeArgs& a, uint8_t* out) noexcept {
  const v128_t s = wasm_f32x4_splat(a.scale_or_inv);
  const v128_t zp = wasm_f32x4_splat(static_cast<float>(a.zero_point));
  const v128_t lo = wasm_f32x4_splat(static_cast<float>(a.qmin));
  const v128_t hi = wasm_f32x4_splat(static_cast<float>(a.qmax));
  const bool is_signed = a.qmin < 0;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t q0 = quantize4(wasm_v128_load(x + i), s, a.divide, zp, lo, hi);
    const v128_t q1 = quantize4(wasm_v128_load(x + i + 4), s, a.divide, zp, lo, hi);
    const v128_t q2 = quantize4(wasm_v128_load(x + i + 8), s, a.divide, zp, lo, hi);
    const v128_t q3 = quantize4(wasm_v128_load(x + i + 12), s, a.divide, zp, lo, hi);
    // Codes are already inside [qmin, qmax] ⊂ [-128, 255], so the saturating narrows are exact.
    const v128_t h01 = wasm_i16x8_narrow_i32x4(q0, q1);
    const v128_t h23 = wasm_i16x8_narrow_i32x4(q2, q3);
    const v128_t bytes = is_signed ? wasm_i8x16_narrow_i16x8(h01, h23)
                                   : wasm_u8x16_narrow_i16x8(h01, h23);
    wasm_v128_store(out + i, bytes);
  }
  quantize_f32_q8_ref(x + i, n - i, a, out + i);
}

void dequantize_q8_f32__wasmsimd(const uint8_t* q, size_t n, bool is_signed, float scale,
                                 int32_t zero_point, float* out) noexcept {
  const v128_t s = wasm_f32x4_splat(scale);
  const v128_t zp = wasm_i32x4_splat(zero_point);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    // 8 bytes -> 8 int16 -> 2 × 4 int32, sign- or zero-extended.
    const v128_t h = is_signed ? wasm_i16x8_load8x8(q + i) : wasm_u16x8_load8x8(q + i);
    const v128_t lo32 = is_signed ? wasm_i32x4_extend_low_i16x8(h) : wasm_u32x4_extend_low_u16x8(h);
    const v128_t hi32 = is_signed ? wasm_i32x4_extend_high_i16x8(h) : wasm_u32x4_extend_high_u16x8(h);
    wasm_v128_store(out + i, wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_sub(lo32, zp)), s));
    wasm_v128_store(out + i + 4,
                    wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_sub(hi32, zp)), s));
  }
  dequantize_q8_f32_ref(q + i, n - i, is_signed, scale, zero_point, out + i);
}

void minmax_f32__wasmsimd(const float* x, size_t n, float* min_out, float* max_out) noexcept {
  if (n < 8) {
    minmax_f32_ref(x, n, min_out, max_out);
    return;
  }
  v128_t vmin = wasm_v128_load(x), vmax = vmin;
  size_t i = 4;
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    vmin = wasm_f32x4_pmin(vmin, v);
    vmax = wasm_f32x4_pmax(vmax, v);
  }
  float lanes_min[4], lanes_max[4];
  wasm_v128_store(lanes_min, vmin);
  wasm_v128_store(lanes_max, vmax);
  float mn = lanes_min[0], mx = lanes_max[0];
  for (int l = 1; l < 4; ++l) {
    mn = lanes_min[l] < mn ? lanes_min[l] : mn;
    mx = mx < lanes_max[l] ? lanes_max[l] : mx;
  }
  for (; i < n; ++i) {
    mn = x[i] < mn ? x[i] : mn;
    mx = mx < x[i] ? x[i] : mx;
  }
  *min_out = mn == 0.0f ? 0.0f : mn;
  *max_out = mx == 0.0f ? 0.0f : mx;
}

// Per channel along the last axis: channels are SIMD lanes. Parameters are read into lane-ordered
// arrays once per call; a call whose channels disagree on divide / qmin / qmax (never the case for
// one spec) takes the reference loop.
void quantize_f32_q8_rows__wasmsimd(const float* x, size_t rows, size_t channels, const QuantizeArgs* args,
                                    uint8_t* out) {
  const size_t wide = channels / 4 * 4;
  bool uniform = true;
  for (size_t c = 1; c < channels; ++c)
    uniform = uniform && args[c].divide == args[0].divide && args[c].qmin == args[0].qmin && args[c].qmax == args[0].qmax;
  if (!uniform || wide == 0) {
    quantize_f32_q8_rows_ref(x, rows, channels, args, out);
    return;
  }
  std::vector<float> s(wide), zp(wide);
  for (size_t c = 0; c < wide; ++c) {
    s[c] = args[c].scale_or_inv;
    zp[c] = static_cast<float>(args[c].zero_point);
  }
  const bool divide = args[0].divide, is_signed = args[0].qmin < 0;
  const v128_t lo = wasm_f32x4_splat(static_cast<float>(args[0].qmin));
  const v128_t hi = wasm_f32x4_splat(static_cast<float>(args[0].qmax));
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    uint8_t* qr = out + r * channels;
    for (size_t c = 0; c < wide; c += 4) {
      const v128_t q = quantize4(wasm_v128_load(xr + c), wasm_v128_load(&s[c]), divide, wasm_v128_load(&zp[c]), lo, hi);
      const v128_t h = wasm_i16x8_narrow_i32x4(q, q);
      const v128_t b = is_signed ? wasm_i8x16_narrow_i16x8(h, h) : wasm_u8x16_narrow_i16x8(h, h);
      wasm_v128_store32_lane(qr + c, b, 0);
    }
    quantize_f32_q8_rows_ref(xr + wide, 1, channels - wide, args + wide, qr + wide);
  }
}

void dequantize_q8_f32_rows__wasmsimd(const uint8_t* q, size_t rows, size_t channels, bool is_signed,
                                      const float* scales, const int32_t* zero_points, float* out) noexcept {
  const size_t wide = channels / 4 * 4;
  for (size_t r = 0; r < rows; ++r) {
    const uint8_t* qr = q + r * channels;
    float* outr = out + r * channels;
    for (size_t c = 0; c < wide; c += 4) {
      const v128_t bytes = wasm_v128_load32_zero(qr + c);
      const v128_t h = is_signed ? wasm_i16x8_extend_low_i8x16(bytes) : wasm_u16x8_extend_low_u8x16(bytes);
      const v128_t v = is_signed ? wasm_i32x4_extend_low_i16x8(h) : wasm_u32x4_extend_low_u16x8(h);
      const v128_t d = wasm_f32x4_convert_i32x4(wasm_i32x4_sub(v, wasm_v128_load(zero_points + c)));
      wasm_v128_store(outr + c, wasm_f32x4_mul(d, wasm_v128_load(scales + c)));
    }
    dequantize_q8_f32_rows_ref(qr + wide, 1, channels - wide, is_signed, scales + wide, zero_points + wide, outr + wide);
  }
}

void minmax_f32_rows__wasmsimd(const float* x, size_t rows, size_t channels, float* min_out, float* max_out) noexcept {
  const size_t wide = channels / 4 * 4;
  if (wide == 0) {
    minmax_f32_rows_ref(x, rows, channels, min_out, max_out);
    return;
  }
  for (size_t c = 0; c < channels; ++c) min_out[c] = max_out[c] = x[c];
  for (size_t r = 1; r < rows; ++r) {
    const float* xr = x + r * channels;
    for (size_t c = 0; c < wide; c += 4) {
      const v128_t v = wasm_v128_load(xr + c);
      // pmin(a, b) = b < a ? b : a, the reference's std::min(a, b); pmax likewise std::max.
      wasm_v128_store(min_out + c, wasm_f32x4_pmin(wasm_v128_load(min_out + c), v));
      wasm_v128_store(max_out + c, wasm_f32x4_pmax(wasm_v128_load(max_out + c), v));
    }
    for (size_t c = wide; c < channels; ++c) {
      min_out[c] = xr[c] < min_out[c] ? xr[c] : min_out[c];
      max_out[c] = max_out[c] < xr[c] ? xr[c] : max_out[c];
    }
  }
  for (size_t c = 0; c < channels; ++c) {  // as the reference: report +0 for a zero result
    if (min_out[c] == 0.0f) min_out[c] = 0.0f;
    if (max_out[c] == 0.0f) max_out[c] = 0.0f;
  }
}

// x - x is +0 for finite x and NaN for NaN and ±Inf; NaN survives any sum, so four lanes of sums
// answer exactly what the reference's sequential sum answers.
bool all_finite_f32__wasmsimd(const float* x, size_t n) noexcept {
  v128_t acc = wasm_f32x4_splat(0.0f);
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const v128_t v = wasm_v128_load(x + i);
    acc = wasm_f32x4_add(acc, wasm_f32x4_sub(v, v));
  }
  float probe = wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1) +
                wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3);
  for (; i < n; ++i) probe += x[i] - x[i];
  return probe == 0.0f;
}

}  // namespace qp::kernels
#endif
