// Compile-time choice of the kernel tier: the SIMD build (-msimd128 defines __wasm_simd128__)
// uses *_wasmsimd, every other build the reference tier. One table, easy to grep.
#include "kernels/error_sums.h"
#include "kernels/float_round_trip.h"
#include "kernels/quantize_f32.h"
#include "kernels/quantize_f32_round_trip.h"
#include "kernels/requantize.h"

namespace qp::kernels {

#if defined(__wasm_simd128__)
#define QP_TIER(fn) fn##__wasmsimd
static const char* const kTier = "wasmsimd";
#else
#define QP_TIER(fn) fn##_ref
static const char* const kTier = "ref";
#endif

void quantize_f32_q8(const float* x, size_t n, const QuantizeArgs& a, uint8_t* out) noexcept {
  QP_TIER(quantize_f32_q8)(x, n, a, out);
}
void dequantize_q8_f32(const uint8_t* q, size_t n, bool is_signed, float scale,
                       int32_t zero_point, float* out) noexcept {
  QP_TIER(dequantize_q8_f32)(q, n, is_signed, scale, zero_point, out);
}
void minmax_f32(const float* x, size_t n, float* min_out, float* max_out) noexcept {
  QP_TIER(minmax_f32)(x, n, min_out, max_out);
}
bool all_finite_f32(const float* x, size_t n) noexcept { return QP_TIER(all_finite_f32)(x, n); }
void quantize_f32_q8_rows(const float* x, size_t rows, size_t channels, const QuantizeArgs* args, uint8_t* out) {
  QP_TIER(quantize_f32_q8_rows)(x, rows, channels, args, out);
}
void dequantize_q8_f32_rows(const uint8_t* q, size_t rows, size_t channels, bool is_signed,
                            const float* scales, const int32_t* zero_points, float* out) noexcept {
  QP_TIER(dequantize_q8_f32_rows)(q, rows, channels, is_signed, scales, zero_points, out);
}
void minmax_f32_rows(const float* x, size_t rows, size_t channels, float* min_out, float* max_out) noexcept {
  QP_TIER(minmax_f32_rows)(x, rows, channels, min_out, max_out);
}
void float_round_trip(const FloatRoundTrip& p, const float* x, size_t n, float scale, float* out) {
  QP_TIER(float_round_trip)(p, x, n, scale, out);
}
void requantize_float(const int32_t* acc, size_t m, size_t n, size_t ld_acc, const RequantizeFloat& p,
                      uint8_t* out, size_t ld_out) {
  QP_TIER(requantize_float)(acc, m, n, ld_acc, p, out, ld_out);
}
void error_sums_add(ErrorSums& s, const float* x, const float* y, size_t n) noexcept {
  QP_TIER(error_sums_add)(s, x, y, n);
}
void quantize_round_trip_f32_q8(const float* x, size_t n, const QuantizeArgs& a, float scale, int32_t zero_point,
                                uint8_t* codes, float* values, ErrorSums& sums) noexcept {
  QP_TIER(quantize_round_trip_f32_q8)(x, n, a, scale, zero_point, codes, values, sums);
}
void quantize_round_trip_f32_q8_rows(const float* x, size_t rows, size_t channels, const QuantizeArgs* args,
                                     const float* scales, const int32_t* zero_points, uint8_t* codes,
                                     float* values, ErrorSums& sums) {
  QP_TIER(quantize_round_trip_f32_q8_rows)(x, rows, channels, args, scales, zero_points, codes, values, sums);
}
void quantize_round_trip_f32_q8_runs(const float* x, size_t runs, size_t run_len, const QuantizeArgs* args,
                                     const float* scales, const int32_t* zero_points, uint8_t* codes,
                                     float* values, ErrorSums& sums) noexcept {
  QP_TIER(quantize_round_trip_f32_q8_runs)(x, runs, run_len, args, scales, zero_points, codes, values, sums);
}
const char* active_kernel_tier() { return kTier; }

}  // namespace qp::kernels
