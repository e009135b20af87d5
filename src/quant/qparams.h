// Integer grids and the choice of scale / zero point from an observed range.
// Every formula is derived in docs/numerics.md ("Choosing scale and zero point").
#pragma once
#include <cstdint>

#include "quant/options.h"

namespace qp {

struct IntRange {
  int32_t qmin = 0;
  int32_t qmax = 0;
};

// real_value = scale * (q - zero_point)
struct QParams {
  float scale = 1.0f;
  int32_t zero_point = 0;
};

// The full b-bit grid: [-2^(b-1), 2^(b-1)-1] signed, [0, 2^b-1] unsigned.
IntRange full_int_range(int bits, bool is_signed);

// The grid a spec quantizes onto. Equal to full_int_range except in ONNX mode for signed
// symmetric, where ONNX Runtime's quantizer drops the lowest code (int8: -127..127) so that
// +max|x| and -max|x| are both exactly representable.
IntRange spec_int_range(const QuantSpec& spec);

// PyTorch's observers clamp the scale to float32 machine epsilon.
constexpr float kPyTorchScaleEps = 1.1920928955078125e-07f;

// Scale and zero point for the observed [min_val, max_val] (the raw min and max of the data;
// the range is widened to include 0 here, as every reference does). Inputs must be finite.
QParams choose_qparams(float min_val, float max_val, IntRange range, Scheme scheme,
                       NumericsMode mode, int bits) noexcept;

}  // namespace qp
