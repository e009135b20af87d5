#include "quant/quantize.h"

#include <string>

#include "core/error.h"
#include "kernels/quantize_f32.h"
#include "quant/stats.h"

namespace qp {

void quantize_values(const float* x, size_t n, QParams p, IntRange range, NumericsMode mode,
                     uint8_t* out) {
  kernels::QuantizeArgs a;
  a.divide = mode == NumericsMode::Onnx;
  // PyTorch's quantize_val: float inv_scale = 1.0f / static_cast<float>(scale).
  a.scale_or_inv = a.divide ? p.scale : 1.0f / p.scale;
  a.zero_point = p.zero_point;
  a.qmin = range.qmin;
  a.qmax = range.qmax;
  kernels::quantize_f32_q8(x, n, a, out);
}

void dequantize_values(const uint8_t* q, size_t n, bool is_signed, QParams p, float* out) {
  kernels::dequantize_q8_f32(q, n, is_signed, p.scale, p.zero_point, out);
}

std::vector<float> grid_levels(QParams p, IntRange range) {
  std::vector<float> levels;
  levels.reserve(static_cast<size_t>(range.qmax - range.qmin + 1));
  for (int32_t q = range.qmin; q <= range.qmax; ++q)
    levels.push_back(static_cast<float>(q - p.zero_point) * p.scale);
  return levels;
}

QuantizedTensor quantize_tensor(const float* data, size_t n, const Shape& shape,
                                const QuantSpec& spec) {
  validate_bits(spec.bits);
  if (element_count(shape) != n)
    throw Error("shape " + shape_to_string(shape) + " holds " +
                std::to_string(element_count(shape)) + " values but " + std::to_string(n) +
                " were given");
  require_finite(data, n);

  QuantizedTensor t;
  t.spec = spec;
  t.shape = shape;
  t.range = spec_int_range(spec);
  AxisView view;  // per tensor: one channel holding everything
  view.inner = n;
  if (spec.channel_axis) {
    if (shape.empty()) throw Error("per-channel quantization needs a tensor of rank >= 1");
    t.channel_axis = normalize_axis(*spec.channel_axis, shape.size());
    view = axis_view(shape, t.channel_axis);
  }
  const size_t channels = view.channels;

  // Observe: min/max of every channel over its outer × inner runs.
  t.observed_min.resize(channels);
  t.observed_max.resize(channels);
  for (size_t c = 0; c < channels; ++c) {
    float mn = 0, mx = 0;
    for (size_t o = 0; o < view.outer; ++o) {
      float run_min, run_max;
      kernels::minmax_f32(data + (o * channels + c) * view.inner, view.inner, &run_min, &run_max);
      if (o == 0 || run_min < mn) mn = run_min;
      if (o == 0 || mx < run_max) mx = run_max;
    }
    t.observed_min[c] = mn;
    t.observed_max[c] = mx;
  }

  // Choose qparams, then quantize and dequantize every run with its channel's parameters.
  t.scales.resize(channels);
  t.zero_points.resize(channels);
  for (size_t c = 0; c < channels; ++c) {
    const QParams p = choose_qparams(t.observed_min[c], t.observed_max[c], t.range, spec.scheme,
                                     spec.mode, spec.bits);
    t.scales[c] = p.scale;
    t.zero_points[c] = p.zero_point;
  }
  t.codes.resize(n);
  t.dequantized.resize(n);
  const bool is_signed = t.range.qmin < 0;
  for (size_t o = 0; o < view.outer; ++o) {
    for (size_t c = 0; c < channels; ++c) {
      const size_t begin = (o * channels + c) * view.inner;
      const QParams p{t.scales[c], t.zero_points[c]};
      quantize_values(data + begin, view.inner, p, t.range, spec.mode, t.codes.data() + begin);
      dequantize_values(t.codes.data() + begin, view.inner, is_signed, p,
                        t.dequantized.data() + begin);
    }
  }
  t.metrics = compute_error_metrics(data, t.dequantized.data(), n);
  return t;
}

}  // namespace qp
