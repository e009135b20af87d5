// Reference tier of quantize_f32_round_trip.h: the reference kernels one after the other, then the
// error sums element by element.
#include "kernels/quantize_f32_round_trip.h"

namespace qp::kernels {

void quantize_round_trip_f32_q8_ref(const float* x, size_t n, const QuantizeArgs& a, float scale,
                                    int32_t zero_point, uint8_t* codes, float* values, ErrorSums& sums) noexcept {
  quantize_f32_q8_ref(x, n, a, codes);
  dequantize_q8_f32_ref(codes, n, a.qmin < 0, scale, zero_point, values);
  for (size_t i = 0; i < n; ++i) error_sums_add_one(sums, static_cast<int>(i % 4), x[i], values[i]);
}

void quantize_round_trip_f32_q8_rows_ref(const float* x, size_t rows, size_t channels, const QuantizeArgs* args,
                                         const float* scales, const int32_t* zero_points, uint8_t* codes,
                                         float* values, ErrorSums& sums) {
  if (channels == 0) return;
  quantize_f32_q8_rows_ref(x, rows, channels, args, codes);
  dequantize_q8_f32_rows_ref(codes, rows, channels, args[0].qmin < 0, scales, zero_points, values);
  const size_t n = rows * channels;
  for (size_t i = 0; i < n; ++i) error_sums_add_one(sums, static_cast<int>(i % 4), x[i], values[i]);
}

void quantize_round_trip_f32_q8_runs_ref(const float* x, size_t runs, size_t run_len, const QuantizeArgs* args,
                                         const float* scales, const int32_t* zero_points, uint8_t* codes,
                                         float* values, ErrorSums& sums) noexcept {
  for (size_t k = 0; k < runs; ++k) {
    const size_t begin = k * run_len;
    quantize_f32_q8_ref(x + begin, run_len, args[k], codes + begin);
    dequantize_q8_f32_ref(codes + begin, run_len, args[k].qmin < 0, scales[k], zero_points[k], values + begin);
  }
  const size_t n = runs * run_len;
  for (size_t i = 0; i < n; ++i) error_sums_add_one(sums, static_cast<int>(i % 4), x[i], values[i]);
}

}  // namespace qp::kernels
