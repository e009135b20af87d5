#include "quant/dynamic_quantize.h"

#include <cmath>
#include <string>

#include "core/error.h"
#include "kernels/quantize_f32.h"

namespace qp {

IntRange dynamic_quant_range(const DynamicQuantSpec& spec) {
  return spec.mode == NumericsMode::Onnx ? IntRange{0, 255} : IntRange{0, 127};
}

namespace {

QParams quantize_block(const float* x, size_t n, const DynamicQuantSpec& spec, uint8_t* codes) {
  float mn = 0.0f, mx = 0.0f;
  kernels::minmax_f32(x, n, &mn, &mx);
  const IntRange range = dynamic_quant_range(spec);
  const QParams p = choose_qparams(mn, mx, range, Scheme::Affine, spec.mode, 8);
  if (!std::isfinite(p.scale)) {
    throw Error("dynamic quantization: the range of the input is too wide for float32 (max − min overflows)");
  }
  kernels::QuantizeArgs a;
  a.divide = spec.mode == NumericsMode::Onnx;
  a.scale_or_inv = a.divide ? p.scale : 1.0f / p.scale;  // PyTorch: inv_scale = fl(1 / scale)
  a.zero_point = p.zero_point;
  a.qmin = range.qmin;
  a.qmax = range.qmax;
  kernels::quantize_f32_q8(x, n, a, codes);
  return p;
}

}  // namespace

std::vector<QParams> dynamic_quantize(const float* x, size_t rows, size_t cols, const DynamicQuantSpec& spec,
                                      uint8_t* codes) {
  if (rows == 0 || cols == 0) throw Error("dynamic quantization: the input is empty");
  if (!kernels::all_finite_f32(x, rows * cols)) {
    throw Error("dynamic quantization: the input contains NaN or infinity");
  }
  std::vector<QParams> params;
  if (!spec.per_row) {
    params.push_back(quantize_block(x, rows * cols, spec, codes));
    return params;
  }
  params.reserve(rows);
  for (size_t r = 0; r < rows; ++r) params.push_back(quantize_block(x + r * cols, cols, spec, codes + r * cols));
  return params;
}

}  // namespace qp
