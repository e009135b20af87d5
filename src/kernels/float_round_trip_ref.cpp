#include <cmath>
#include <cstring>

#include "kernels/float_round_trip.h"

namespace qp::kernels {

void float_round_trip_ref(const FloatRoundTrip& p, const float* x, size_t n, float scale, float* out) {
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i] / scale;
    uint32_t b;
    std::memcpy(&b, &v, sizeof b);
    const uint32_t r = float_round_trip_bits(p, b, std::fabs(v));
    float d;
    std::memcpy(&d, &r, sizeof d);
    out[i] = d * scale;
  }
}

}  // namespace qp::kernels
