#include "quant/qparams.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "core/rounding.h"

namespace qp {

IntRange full_int_range(int bits, bool is_signed) {
  validate_bits(bits);
  if (is_signed) return {-(1 << (bits - 1)), (1 << (bits - 1)) - 1};
  return {0, (1 << bits) - 1};
}

IntRange spec_int_range(const QuantSpec& spec) {
  IntRange r = full_int_range(spec.reduce_range ? spec.bits - 1 : spec.bits, spec.is_signed);
  const bool onnx_narrow = spec.mode == NumericsMode::Onnx && spec.scheme == Scheme::Symmetric && spec.is_signed;
  if (spec.narrow_range || onnx_narrow) r.qmin += 1;
  return r;
}

namespace {

int32_t clamp_zero_point(float zp, IntRange range) {
  const float lo = static_cast<float>(range.qmin), hi = static_cast<float>(range.qmax);
  return static_cast<int32_t>(std::min(std::max(zp, lo), hi));
}

// torch.ao.quantization.observer._ObserverBase._calculate_qparams (torch 1.13), float32 math.
QParams choose_qparams_pytorch(float mn, float mx, IntRange range, Scheme scheme, int bits) {
  const float qspan = static_cast<float>(range.qmax - range.qmin);
  QParams p;
  if (scheme == Scheme::Symmetric) {
    const float amax = std::max(-mn, mx);
    p.scale = std::max(amax / (qspan / 2.0f), kPyTorchScaleEps);
    // Unsigned symmetric: torch uses 128 for its default quint8 range and
    // (quant_min + quant_max) // 2 for a customized (sub-8-bit) range.
    // (With reduce_range torch 1.13 still writes 128 for quint8, outside its 0..127 grid, which
    // saturates every code; we take the grid's midpoint instead, see docs/numerics.md.)
    if (range.qmin >= 0) p.zero_point = bits == 8 && range.qmin == 0 && range.qmax == 255 ? 128 : (range.qmin + range.qmax) / 2;
    else p.zero_point = 0;
    return p;
  }
  p.scale = std::max((mx - mn) / qspan, kPyTorchScaleEps);
  p.zero_point = clamp_zero_point(
      static_cast<float>(range.qmin) - round_half_to_even(mn / p.scale), range);
  return p;
}

// Affine: ONNX DynamicQuantizeLinear, generalised from uint8 to any b-bit grid.
// Symmetric: onnxruntime.quantization.quant_utils.compute_scale_zp (symmetric=True).
// A zero range gives scale 1, never a division by zero: ORT's quantizer then returns zero
// point 0 (symmetric); DynamicQuantizeLinear's formula gives qmin (affine).
QParams choose_qparams_onnx(float mn, float mx, IntRange range, Scheme scheme) {
  const float qspan = static_cast<float>(range.qmax - range.qmin);
  QParams p;
  if (scheme == Scheme::Symmetric) {
    // The ORT quantizer divides in float64 and then rounds the scale to float32.
    const double amax = std::max(-mn, mx);
    const double scale = (2.0 * amax) / static_cast<double>(qspan);
    if (!(scale >= FLT_MIN)) return {1.0f, 0};
    p.scale = static_cast<float>(scale);
    // numpy.round((qmin + qmax) / 2), ties to even: 127.5 -> 128 for uint8, 0 when signed.
    p.zero_point = static_cast<int32_t>(
        round_half_to_even(static_cast<float>(range.qmin + range.qmax) / 2.0f));
    return p;
  }
  p.scale = (mx - mn) / qspan;
  if (!(p.scale >= FLT_MIN)) p.scale = 1.0f;  // DynamicQuantizeLinear: max == min gives scale 1
  p.zero_point = clamp_zero_point(
      round_half_to_even(static_cast<float>(range.qmin) - mn / p.scale), range);
  return p;
}

}  // namespace

QParams choose_qparams(float min_val, float max_val, IntRange range, Scheme scheme,
                       NumericsMode mode, int bits) noexcept {
  const float mn = std::min(min_val, 0.0f);
  const float mx = std::max(max_val, 0.0f);
  return mode == NumericsMode::PyTorch ? choose_qparams_pytorch(mn, mx, range, scheme, bits)
                                       : choose_qparams_onnx(mn, mx, range, scheme);
}

}  // namespace qp
