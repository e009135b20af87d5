// Quantize, dequantize and measure in one pass: the three per-element steps of quantize_tensor
// (quant/quantize.cpp) fused, so a value is read once and its reconstruction never goes back to
// memory before the error sums see it.
//
// Contract (all tiers): the same bits as running, on the same arguments,
//   quantize_f32_q8(x, n, a, codes)
//   dequantize_q8_f32(codes, n, a.qmin < 0, scale, zero_point, values)
//   error sums of (x[i], values[i]) added to `sums`, element i into lane i mod 4 (error_sums.h),
//   for every n, a tail of fewer than 4 elements included.
// The rows variant is the same with channel c's parameters for element (r, c) (quantize_f32.h's
// *_rows kernels), element (r, c) into lane (r * channels + c) mod 4. The runs variant takes
// `runs` consecutive runs of `run_len` values, run k with args[k], scales[k], zero_points[k]
// (groups along the last axis), element i of the call into lane i mod 4.
// Tiers: *_ref is that composition of the reference kernels, literally; *__wasmsimd does the
// three steps on registers and must equal it bit for bit (tests/cpp/test_round_trip_kernels.cpp).
// The unsuffixed names dispatch (kernel_dispatch.cpp). No kernel touches memory outside [0, n).
#pragma once
#include <cstddef>
#include <cstdint>

#include "kernels/error_sums.h"
#include "kernels/quantize_f32.h"

namespace qp::kernels {

void quantize_round_trip_f32_q8_ref(const float* x, size_t n, const QuantizeArgs& a, float scale,
                                    int32_t zero_point, uint8_t* codes, float* values, ErrorSums& sums) noexcept;
void quantize_round_trip_f32_q8_rows_ref(const float* x, size_t rows, size_t channels, const QuantizeArgs* args,
                                         const float* scales, const int32_t* zero_points, uint8_t* codes,
                                         float* values, ErrorSums& sums);
void quantize_round_trip_f32_q8_runs_ref(const float* x, size_t runs, size_t run_len, const QuantizeArgs* args,
                                         const float* scales, const int32_t* zero_points, uint8_t* codes,
                                         float* values, ErrorSums& sums) noexcept;
#if defined(__wasm_simd128__)
void quantize_round_trip_f32_q8_runs__wasmsimd(const float* x, size_t runs, size_t run_len, const QuantizeArgs* args,
                                               const float* scales, const int32_t* zero_points, uint8_t* codes,
                                               float* values, ErrorSums& sums) noexcept;
void quantize_round_trip_f32_q8__wasmsimd(const float* x, size_t n, const QuantizeArgs& a, float scale,
                                          int32_t zero_point, uint8_t* codes, float* values, ErrorSums& sums) noexcept;
void quantize_round_trip_f32_q8_rows__wasmsimd(const float* x, size_t rows, size_t channels,
                                               const QuantizeArgs* args, const float* scales,
                                               const int32_t* zero_points, uint8_t* codes, float* values,
                                               ErrorSums& sums);
#endif
void quantize_round_trip_f32_q8(const float* x, size_t n, const QuantizeArgs& a, float scale, int32_t zero_point,
                                uint8_t* codes, float* values, ErrorSums& sums) noexcept;
void quantize_round_trip_f32_q8_rows(const float* x, size_t rows, size_t channels, const QuantizeArgs* args,
                                     const float* scales, const int32_t* zero_points, uint8_t* codes,
                                     float* values, ErrorSums& sums);
void quantize_round_trip_f32_q8_runs(const float* x, size_t runs, size_t run_len, const QuantizeArgs* args,
                                     const float* scales, const int32_t* zero_points, uint8_t* codes,
                                     float* values, ErrorSums& sums) noexcept;

}  // namespace qp::kernels
