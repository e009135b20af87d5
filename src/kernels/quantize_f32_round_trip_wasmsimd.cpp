// 128-bit WebAssembly SIMD tier of quantize_f32_round_trip.h. Per four values: quantize4 (the
// operations of quantize_f32_wasmsimd.cpp), then the reconstruction from the int32 codes before
// they are narrowed to bytes — the same integers the reference reads back from the bytes, since
// they already lie in [qmin, qmax] ⊂ [-128, 255] — then the f64x2 error step of
// error_sums_wasmsimd.h. Fewer than 16 (or 4, per row) trailing values take the reference path,
// into the lanes their index gives.
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include <vector>

#include "kernels/error_sums_wasmsimd.h"
#include "kernels/quantize_f32_round_trip.h"
#include "kernels/quantize_f32_wasmsimd.h"

namespace qp::kernels {

namespace {

using simd::quantize4;

// (q - zero_point) * scale, as dequantize_q8_f32 computes it from the sign- or zero-extended byte.
inline v128_t dequantize4(v128_t q, v128_t zp, v128_t scale) {
  return wasm_f32x4_mul(wasm_f32x4_convert_i32x4(wasm_i32x4_sub(q, zp)), scale);
}

// The reference path for x[begin, n), element i into lane i mod 4, after the SIMD lanes are stored.
void reference_tail(const float* x, size_t begin, size_t n, const QuantizeArgs& a, float scale, int32_t zero_point,
                    uint8_t* codes, float* values, ErrorSums& sums) {
  quantize_f32_q8_ref(x + begin, n - begin, a, codes + begin);
  dequantize_q8_f32_ref(codes + begin, n - begin, a.qmin < 0, scale, zero_point, values + begin);
  for (size_t i = begin; i < n; ++i) error_sums_add_one(sums, static_cast<int>(i % 4), x[i], values[i]);
}

}  // namespace

void quantize_round_trip_f32_q8__wasmsimd(const float* x, size_t n, const QuantizeArgs& a, float scale,
                                          int32_t zero_point, uint8_t* codes, float* values, ErrorSums& sums) noexcept {
  const v128_t s = wasm_f32x4_splat(a.scale_or_inv);
  const v128_t zp = wasm_f32x4_splat(static_cast<float>(a.zero_point));
  const v128_t lo = wasm_f32x4_splat(static_cast<float>(a.qmin));
  const v128_t hi = wasm_f32x4_splat(static_cast<float>(a.qmax));
  const v128_t zpi = wasm_i32x4_splat(zero_point);
  const v128_t sc = wasm_f32x4_splat(scale);
  const bool is_signed = a.qmin < 0, divide = a.divide;
  ErrorLanesF64x2 lanes(sums);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const v128_t x0 = wasm_v128_load(x + i), x1 = wasm_v128_load(x + i + 4);
    const v128_t x2 = wasm_v128_load(x + i + 8), x3 = wasm_v128_load(x + i + 12);
    const v128_t q0 = quantize4(x0, s, divide, zp, lo, hi), q1 = quantize4(x1, s, divide, zp, lo, hi);
    const v128_t q2 = quantize4(x2, s, divide, zp, lo, hi), q3 = quantize4(x3, s, divide, zp, lo, hi);
    // Codes lie in [qmin, qmax] ⊂ [-128, 255]: the saturating narrows are exact.
    const v128_t h01 = wasm_i16x8_narrow_i32x4(q0, q1), h23 = wasm_i16x8_narrow_i32x4(q2, q3);
    wasm_v128_store(codes + i, is_signed ? wasm_i8x16_narrow_i16x8(h01, h23) : wasm_u8x16_narrow_i16x8(h01, h23));
    const v128_t y0 = dequantize4(q0, zpi, sc), y1 = dequantize4(q1, zpi, sc);
    const v128_t y2 = dequantize4(q2, zpi, sc), y3 = dequantize4(q3, zpi, sc);
    wasm_v128_store(values + i, y0);
    wasm_v128_store(values + i + 4, y1);
    wasm_v128_store(values + i + 8, y2);
    wasm_v128_store(values + i + 12, y3);
    lanes.add(x0, y0);
    lanes.add(x1, y1);
    lanes.add(x2, y2);
    lanes.add(x3, y3);
  }
  lanes.store(sums);
  reference_tail(x, i, n, a, scale, zero_point, codes, values, sums);
}

// Channels are SIMD lanes, as in quantize_f32_q8_rows__wasmsimd. Element (r, c) goes to lane
// (r * channels + c) mod 4, which is the SIMD lane c mod 4 only when channels is a multiple of 4:
// other widths (and channels that disagree on divide / qmin / qmax, never the case for one spec)
// take the reference.
void quantize_round_trip_f32_q8_rows__wasmsimd(const float* x, size_t rows, size_t channels,
                                               const QuantizeArgs* args, const float* scales,
                                               const int32_t* zero_points, uint8_t* codes, float* values,
                                               ErrorSums& sums) {
  bool uniform = channels > 0 && channels % 4 == 0;
  for (size_t c = 1; uniform && c < channels; ++c)
    uniform = args[c].divide == args[0].divide && args[c].qmin == args[0].qmin && args[c].qmax == args[0].qmax;
  if (!uniform) {
    quantize_round_trip_f32_q8_rows_ref(x, rows, channels, args, scales, zero_points, codes, values, sums);
    return;
  }
  std::vector<float> s(channels), zp(channels);
  for (size_t c = 0; c < channels; ++c) {
    s[c] = args[c].scale_or_inv;
    zp[c] = static_cast<float>(args[c].zero_point);
  }
  const bool divide = args[0].divide, is_signed = args[0].qmin < 0;
  const v128_t lo = wasm_f32x4_splat(static_cast<float>(args[0].qmin));
  const v128_t hi = wasm_f32x4_splat(static_cast<float>(args[0].qmax));
  ErrorLanesF64x2 lanes(sums);
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * channels;
    uint8_t* qr = codes + r * channels;
    float* yr = values + r * channels;
    for (size_t c = 0; c < channels; c += 4) {
      const v128_t xv = wasm_v128_load(xr + c);
      const v128_t q = quantize4(xv, wasm_v128_load(&s[c]), divide, wasm_v128_load(&zp[c]), lo, hi);
      const v128_t h = wasm_i16x8_narrow_i32x4(q, q);
      wasm_v128_store32_lane(qr + c, is_signed ? wasm_i8x16_narrow_i16x8(h, h) : wasm_u8x16_narrow_i16x8(h, h), 0);
      const v128_t y = dequantize4(q, wasm_v128_load(zero_points + c), wasm_v128_load(scales + c));
      wasm_v128_store(yr + c, y);
      lanes.add(xv, y);
    }
  }
  lanes.store(sums);
}

// One run's parameters splatted per run, the error lanes kept in registers across runs. Runs whose
// length is not a multiple of 4 would put one vector across two runs: they take the reference.
void quantize_round_trip_f32_q8_runs__wasmsimd(const float* x, size_t runs, size_t run_len, const QuantizeArgs* args,
                                               const float* scales, const int32_t* zero_points, uint8_t* codes,
                                               float* values, ErrorSums& sums) noexcept {
  if (run_len % 4 != 0) {
    quantize_round_trip_f32_q8_runs_ref(x, runs, run_len, args, scales, zero_points, codes, values, sums);
    return;
  }
  ErrorLanesF64x2 lanes(sums);
  for (size_t k = 0; k < runs; ++k) {
    const QuantizeArgs& a = args[k];
    const v128_t s = wasm_f32x4_splat(a.scale_or_inv);
    const v128_t zp = wasm_f32x4_splat(static_cast<float>(a.zero_point));
    const v128_t lo = wasm_f32x4_splat(static_cast<float>(a.qmin));
    const v128_t hi = wasm_f32x4_splat(static_cast<float>(a.qmax));
    const v128_t zpi = wasm_i32x4_splat(zero_points[k]);
    const v128_t sc = wasm_f32x4_splat(scales[k]);
    const bool is_signed = a.qmin < 0, divide = a.divide;
    const size_t begin = k * run_len, end = begin + run_len;
    for (size_t i = begin; i < end; i += 4) {
      const v128_t xv = wasm_v128_load(x + i);
      const v128_t q = quantize4(xv, s, divide, zp, lo, hi);
      const v128_t h = wasm_i16x8_narrow_i32x4(q, q);
      wasm_v128_store32_lane(codes + i, is_signed ? wasm_i8x16_narrow_i16x8(h, h) : wasm_u8x16_narrow_i16x8(h, h), 0);
      const v128_t y = dequantize4(q, zpi, sc);
      wasm_v128_store(values + i, y);
      lanes.add(xv, y);
    }
  }
  lanes.store(sums);
}

}  // namespace qp::kernels
#endif
