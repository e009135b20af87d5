// Requantization: int32 accumulators of a quantized matmul → 8-bit output codes, with an int32
// bias per column and a clamp (ReLU is the clamp qmin = output zero point). Two named methods:
//
// Float multiplier (ONNX QLinearMatMul / onnxruntime's MlasRequantizeOutput, XNNPACK "fp32"):
//   v = round_half_to_even(float(acc + bias[j]) · multiplier[j]) + zero_point, then clamp to
//   [qmin, qmax]. float(int32) rounds to nearest even (exact below 2^24); the add of the zero point
//   and the clamp happen in float, so huge values saturate instead of wrapping.
//
// Fixed-point multiplier (gemmlowp / TFLite MultiplyByQuantizedMultiplier, integer only):
//   the real multiplier M is stored as M0·2^(shift−31) with M0 in [2^30, 2^31) (quantize_multiplier:
//   frexp, then round(q·2^31) half away from zero, carrying 2^31 into the exponent);
//   x = acc + bias[j] (wrapping); x ← x·2^max(shift,0) (wrapping);
//   x ← SaturatingRoundingDoublingHighMul(x, M0) = (x·M0 + nudge) / 2^31 truncated toward zero, with
//       nudge = 2^30 for x·M0 ≥ 0 and 1 − 2^30 otherwise: x·M0/2^31 rounded half up (toward +∞;
//       a negative tie goes toward zero); the only overflow, x = M0 = −2^31, saturates to 2^31 − 1;
//   x ← RoundingDivideByPOT(x, max(−shift, 0)): shift right rounding half away from zero;
//   y = clamp(x + zero_point, qmin, qmax).
//
// Outputs are bytes: two's complement when qmin < 0. acc is M×N with row stride ld_acc, out M×N
// with row stride ld_out. bias may be null (zero bias). multipliers has N values when
// per_column, else one.
#pragma once
#include <cstddef>
#include <cstdint>

namespace qp::kernels {

struct RequantizeFloat {
  const float* multipliers = nullptr;
  bool per_column = false;
  const int32_t* bias = nullptr;
  int32_t zero_point = 0, qmin = -128, qmax = 127;
};

void requantize_float_ref(const int32_t* acc, size_t m, size_t n, size_t ld_acc, const RequantizeFloat& p,
                          uint8_t* out, size_t ld_out);
#if defined(__wasm_simd128__)
void requantize_float__wasmsimd(const int32_t* acc, size_t m, size_t n, size_t ld_acc, const RequantizeFloat& p,
                                uint8_t* out, size_t ld_out);
#endif
void requantize_float(const int32_t* acc, size_t m, size_t n, size_t ld_acc, const RequantizeFloat& p,
                      uint8_t* out, size_t ld_out);

struct FixedPointMultiplier {
  int32_t multiplier = 0;  // M0 in [2^30, 2^31), or 0 for a zero multiplier
  int shift = 0;           // M = M0 · 2^(shift − 31)
};

// TFLite QuantizeMultiplier. real must be finite and ≥ 0 (throws qp::Error otherwise); values
// below 2^-31·2^-31 round to a zero multiplier.
FixedPointMultiplier quantize_multiplier(double real);
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b);
int32_t rounding_divide_by_pot(int32_t x, int exponent);  // exponent in [0, 31]
int32_t multiply_by_quantized_multiplier(int32_t x, FixedPointMultiplier m);

struct RequantizeFixedPoint {
  const FixedPointMultiplier* multipliers = nullptr;
  bool per_column = false;
  const int32_t* bias = nullptr;
  int32_t zero_point = 0, qmin = -128, qmax = 127;
};

void requantize_fixed_point_ref(const int32_t* acc, size_t m, size_t n, size_t ld_acc,
                                const RequantizeFixedPoint& p, uint8_t* out, size_t ld_out);
#if defined(__wasm_simd128__)
void requantize_fixed_point__wasmsimd(const int32_t* acc, size_t m, size_t n, size_t ld_acc,
                                      const RequantizeFixedPoint& p, uint8_t* out, size_t ld_out);
#endif
void requantize_fixed_point(const int32_t* acc, size_t m, size_t n, size_t ld_acc,
                            const RequantizeFixedPoint& p, uint8_t* out, size_t ld_out);

}  // namespace qp::kernels
