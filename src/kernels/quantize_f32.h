// Element-wise kernels between float32 and b-bit integer codes stored one per byte.
//
// Contract (all tiers):
//   quantize:   q = clamp(round_half_to_even(x ⊙ s) + zero_point, qmin, qmax)
//               where ⊙ s is `x * inv_scale` (PyTorch: inv_scale = fl(1/scale)) or `x / scale`
//               (ONNX), selected by `divide`. NaN gives 0 before the zero point is added
//               (wasm trunc_sat semantics); callers reject NaN before calling.
//               Codes are written as bytes: two's complement when qmin < 0.
//   dequantize: x = fl(float(q - zero_point) * scale)
//   minmax:     min and max of n > 0 floats (NaN-free input); a zero result is reported as +0.
//   all_finite: true when no value is NaN or ±Inf (any order of evaluation gives the same answer).
// Tiers: *_ref is the plain loop written from the equation; *_wasmsimd uses 128-bit SIMD and must
// equal *_ref bit for bit. The unsuffixed names dispatch at compile time (see kernel_dispatch.h).
// No kernel reads or writes outside [0, n).
#pragma once
#include <cstddef>
#include <cstdint>

namespace qp::kernels {

struct QuantizeArgs {
  float scale_or_inv = 1.0f;  // inv_scale when !divide, scale when divide
  bool divide = false;
  int32_t zero_point = 0;
  int32_t qmin = -128;
  int32_t qmax = 127;
};

void quantize_f32_q8_ref(const float* x, size_t n, const QuantizeArgs& a, uint8_t* out) noexcept;
void dequantize_q8_f32_ref(const uint8_t* q, size_t n, bool is_signed, float scale,
                           int32_t zero_point, float* out) noexcept;
void minmax_f32_ref(const float* x, size_t n, float* min_out, float* max_out) noexcept;
bool all_finite_f32_ref(const float* x, size_t n) noexcept;

// Per channel along the last axis (inner size 1): `rows` rows of `channels` values, element
// (r, c) uses channel c's parameters. Same per-element contract as above; one call per tensor
// instead of one call per element.
void quantize_f32_q8_rows_ref(const float* x, size_t rows, size_t channels, const QuantizeArgs* args,
                              uint8_t* out);
void dequantize_q8_f32_rows_ref(const uint8_t* q, size_t rows, size_t channels, bool is_signed,
                                const float* scales, const int32_t* zero_points, float* out) noexcept;
// Per-channel min and max over the rows (rows > 0); zero results reported as +0.
void minmax_f32_rows_ref(const float* x, size_t rows, size_t channels, float* min_out, float* max_out) noexcept;

#if defined(__wasm_simd128__)
void quantize_f32_q8__wasmsimd(const float* x, size_t n, const QuantizeArgs& a, uint8_t* out) noexcept;
void dequantize_q8_f32__wasmsimd(const uint8_t* q, size_t n, bool is_signed, float scale,
                                 int32_t zero_point, float* out) noexcept;
void minmax_f32__wasmsimd(const float* x, size_t n, float* min_out, float* max_out) noexcept;
bool all_finite_f32__wasmsimd(const float* x, size_t n) noexcept;
void quantize_f32_q8_rows__wasmsimd(const float* x, size_t rows, size_t channels, const QuantizeArgs* args,
                                    uint8_t* out);
void dequantize_q8_f32_rows__wasmsimd(const uint8_t* q, size_t rows, size_t channels, bool is_signed,
                                      const float* scales, const int32_t* zero_points, float* out) noexcept;
void minmax_f32_rows__wasmsimd(const float* x, size_t rows, size_t channels, float* min_out, float* max_out) noexcept;
#endif

// Dispatched entry points: the best tier compiled into this build.
void quantize_f32_q8(const float* x, size_t n, const QuantizeArgs& a, uint8_t* out) noexcept;
void dequantize_q8_f32(const uint8_t* q, size_t n, bool is_signed, float scale,
                       int32_t zero_point, float* out) noexcept;
void minmax_f32(const float* x, size_t n, float* min_out, float* max_out) noexcept;
bool all_finite_f32(const float* x, size_t n) noexcept;
void quantize_f32_q8_rows(const float* x, size_t rows, size_t channels, const QuantizeArgs* args, uint8_t* out);
void dequantize_q8_f32_rows(const uint8_t* q, size_t rows, size_t channels, bool is_signed,
                            const float* scales, const int32_t* zero_points, float* out) noexcept;
void minmax_f32_rows(const float* x, size_t rows, size_t channels, float* min_out, float* max_out) noexcept;

// Name of the tier the dispatched entry points use ("wasmsimd" or "ref").
const char* active_kernel_tier();

}  // namespace qp::kernels
