// Reference tier: one element at a time, straight from the equations in quantize_f32.h.
#include <algorithm>
#include <cmath>

#include "core/rounding.h"
#include "kernels/quantize_f32.h"

namespace qp::kernels {

namespace {

inline uint8_t quantize_one(float x, const QuantizeArgs& a) {
  const float scaled = a.divide ? x / a.scale_or_inv : x * a.scale_or_inv;
  float v = round_half_to_even(scaled) + static_cast<float>(a.zero_point);
  // Written as the ternaries that wasm's f32x4.pmax / pmin compute.
  const float lo = static_cast<float>(a.qmin), hi = static_cast<float>(a.qmax);
  v = v < lo ? lo : v;
  v = hi < v ? hi : v;
  return static_cast<uint8_t>(trunc_sat_f32_to_i32(v));
}

inline float dequantize_one(uint8_t q, bool is_signed, float scale, int32_t zero_point) {
  const int32_t code = is_signed ? static_cast<int8_t>(q) : q;
  return static_cast<float>(code - zero_point) * scale;
}

}  // namespace

void quantize_f32_q8_ref(const float* x, size_t n, const QuantizeArgs& a, uint8_t* out) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = quantize_one(x[i], a);
}

void quantize_f32_q8_rows_ref(const float* x, size_t rows, size_t channels, const QuantizeArgs* args,
                              uint8_t* out) {
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < channels; ++c) out[r * channels + c] = quantize_one(x[r * channels + c], args[c]);
}

void dequantize_q8_f32_rows_ref(const uint8_t* q, size_t rows, size_t channels, bool is_signed,
                                const float* scales, const int32_t* zero_points, float* out) noexcept {
  for (size_t r = 0; r < rows; ++r)
    for (size_t c = 0; c < channels; ++c)
      out[r * channels + c] = dequantize_one(q[r * channels + c], is_signed, scales[c], zero_points[c]);
}

void minmax_f32_rows_ref(const float* x, size_t rows, size_t channels, float* min_out, float* max_out) noexcept {
  for (size_t c = 0; c < channels; ++c) min_out[c] = max_out[c] = x[c];
  for (size_t r = 1; r < rows; ++r)
    for (size_t c = 0; c < channels; ++c) {
      const float v = x[r * channels + c];
      min_out[c] = std::min(min_out[c], v);
      max_out[c] = std::max(max_out[c], v);
    }
  for (size_t c = 0; c < channels; ++c) {  // see minmax_f32_ref: report +0 for a zero result
    if (min_out[c] == 0.0f) min_out[c] = 0.0f;
    if (max_out[c] == 0.0f) max_out[c] = 0.0f;
  }
}

void dequantize_q8_f32_ref(const uint8_t* q, size_t n, bool is_signed, float scale,
                           int32_t zero_point, float* out) noexcept {
  for (size_t i = 0; i < n; ++i) out[i] = dequantize_one(q[i], is_signed, scale, zero_point);
}

void minmax_f32_ref(const float* x, size_t n, float* min_out, float* max_out) noexcept {
  float mn = x[0], mx = x[0];
  for (size_t i = 1; i < n; ++i) {
    mn = std::min(mn, x[i]);
    mx = std::max(mx, x[i]);
  }
  // -0.0 and +0.0 compare equal, so which one survives depends on the visiting order; report +0
  // so that every tier gives the same bits.
  *min_out = mn == 0.0f ? 0.0f : mn;
  *max_out = mx == 0.0f ? 0.0f : mx;
}

bool all_finite_f32_ref(const float* x, size_t n) noexcept {
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) return false;
  }
  return true;
}

}  // namespace qp::kernels
