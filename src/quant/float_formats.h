// Float-format "quantization": every element is rounded to a narrower floating-point format
// (fp16, bf16, FP8 E4M3FN / E5M2, FP4 E2M1) after division by a scale the caller chose, then
// widened back and multiplied by the scale. Bit-level conversions: core/half.h, core/minifloat.h.
// Formulas, thresholds and references: docs/numerics.md §8.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qp {

enum class FloatFormat { F16, BF16, FP8_E4M3, FP8_E5M2, FP4_E2M1 };

// Names: "fp16", "bf16", "fp8-e4m3" (the OCP E4M3FN encoding), "fp8-e5m2", "fp4" (OCP MX E2M1).
// The parser throws qp::Error listing the valid names when the name is unknown.
FloatFormat parse_float_format(const std::string& name);
const char* float_format_name(FloatFormat f);
const std::vector<FloatFormat>& all_float_formats();

// Largest finite value: 65504, 3.3895314e38, 448, 57344, 6.
float float_format_max(FloatFormat f);
// Bits of one element: 16, 16, 8, 8, 4 (a scale the caller stores comes on top of this).
int float_format_bits(FloatFormat f);

// The element codes in the low float_format_bits(f) bits. `saturate` as in core/half.h and
// core/minifloat.h: true clamps overflow and ±inf to ±max, false gives inf (fp16, bf16, E5M2) or
// NaN (E4M3FN). FP4 always saturates: the flag is ignored because the format has neither.
uint32_t encode_float_format(FloatFormat f, bool saturate, float x);
float decode_float_format(FloatFormat f, uint32_t code);

// Every distinct finite value of an 8- or 4-bit format in increasing order (-0 left out, +0 kept):
// the grid to draw over a histogram. Throws qp::Error for fp16 and bf16 (use their formulas).
std::vector<float> float_format_grid(FloatFormat f);

// out[i] = decode(encode(x[i] / scale)) * scale, in float32, elementwise (out may equal x).
// - x[i] / scale is a true IEEE division, not a multiplication by fl(1/scale): it is rounded
//   once, so an exact tie of the format stays a tie and the overflow threshold is where the
//   format puts it; a reciprocal rounds twice and can move values across both. It is also what
//   ONNX QuantizeLinear with a float8 output computes (checked against onnxruntime in
//   tests/vectors/float_formats). With a power-of-two scale (MX block scales) both are exact and
//   agree.
// - decode(...) * scale is one float32 multiplication, as DequantizeLinear computes it.
// - scale = 1 gives the plain cast. A per-tensor / per-channel / per-group scale (e.g. amax/448
//   for FP8 E4M3, or an MX power-of-two block scale for FP4) is applied by calling this once per
//   tensor, channel or group.
// Non-finite x[i] follow the format's rules (NaN -> NaN except FP4 -> +6·scale; ±inf -> ±inf or
// NaN, or ±max·scale when saturating): the scheme layer rejects non-finite tensors before.
// n == 0 does nothing. Throws qp::Error unless scale is finite and > 0.
// Runs the fused kernel kernels/float_round_trip.h, which equals fake_quantize_float_ref (the
// plain encode -> decode loop over the functions of core/half.h and core/minifloat.h) bit for bit.
void fake_quantize_float(FloatFormat f, bool saturate, const float* x, size_t n, float scale,
                         float* out);
void fake_quantize_float_ref(FloatFormat f, bool saturate, const float* x, size_t n, float scale,
                             float* out);

}  // namespace qp
