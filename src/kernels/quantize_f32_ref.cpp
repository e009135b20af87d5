// Reference tier: one element at a time, straight from the equations in quantize_f32.h.
#include <algorithm>

#include "core/rounding.h"
#include "kernels/quantize_f32.h"

namespace qp::kernels {

void quantize_f32_q8_ref(const float* x, size_t n, const QuantizeArgs& a, uint8_t* out) {
  const float zp = static_cast<float>(a.zero_point);
  const float lo = static_cast<float>(a.qmin), hi = static_cast<float>(a.qmax);
  for (size_t i = 0; i < n; ++i) {
    const float scaled = a.divide ? x[i] / a.scale_or_inv : x[i] * a.scale_or_inv;
    float v = round_half_to_even(scaled) + zp;
    // Written as the ternaries that wasm's f32x4.pmax / pmin compute.
    v = v < lo ? lo : v;
    v = hi < v ? hi : v;
    out[i] = static_cast<uint8_t>(trunc_sat_f32_to_i32(v));
  }
}

void dequantize_q8_f32_ref(const uint8_t* q, size_t n, bool is_signed, float scale,
                           int32_t zero_point, float* out) {
  for (size_t i = 0; i < n; ++i) {
    const int32_t code = is_signed ? static_cast<int8_t>(q[i]) : q[i];
    out[i] = static_cast<float>(code - zero_point) * scale;
  }
}

void minmax_f32_ref(const float* x, size_t n, float* min_out, float* max_out) {
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

}  // namespace qp::kernels
