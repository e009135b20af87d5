#include "quant/quantize.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "kernels/quantize_f32.h"
#include "kernels/quantize_f32_round_trip.h"
#include "quant/stats.h"

namespace qp {

namespace {

std::string short_float(float v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", static_cast<double>(v));
  return buf;
}

kernels::QuantizeArgs quantize_args(QParams p, IntRange range, NumericsMode mode) {
  kernels::QuantizeArgs a;
  a.divide = mode == NumericsMode::Onnx;
  // PyTorch's quantize_val: float inv_scale = 1.0f / static_cast<float>(scale).
  a.scale_or_inv = a.divide ? p.scale : 1.0f / p.scale;
  a.zero_point = p.zero_point;
  a.qmin = range.qmin;
  a.qmax = range.qmax;
  return a;
}

[[noreturn]] void throw_too_wide(float mn, float mx, size_t unit, size_t units) {
  throw Error("the range [" + short_float(mn) + ", " + short_float(mx) + "]" +
              (units > 1 ? " of group " + std::to_string(unit) : std::string()) +
              " is too wide for float32: max - min overflows, so no finite scale exists");
}

// Inline, so that loops over many groups call only the noexcept choose_qparams on their hot path:
// in the wasm build (JS-based C++ exceptions) a call that may throw from a function holding
// objects to destroy goes through a JS trampoline.
inline QParams checked_qparams(float mn, float mx, const QuantizedTensor& t, size_t unit, size_t units) {
  const QParams p = choose_qparams(mn, mx, t.range, t.spec.scheme, t.spec.mode, t.spec.bits);
  if (!std::isfinite(p.scale)) throw_too_wide(mn, mx, unit, units);
  return p;
}

// Quantize, dequantize and measure x[0..n) with one unit's parameters. The fused kernel files
// element i of its call into lane i mod 4, so the few elements that bring the global index to a
// multiple of 4 take the separate kernels first.
void round_trip_run(const float* x, size_t n, const kernels::QuantizeArgs& a, float scale, int32_t zero_point,
                    bool is_signed, uint8_t* codes, float* values, ErrorAccumulator& error) {
  const size_t head = std::min(n, (4 - error.count() % 4) % 4);
  if (head > 0) {
    kernels::quantize_f32_q8(x, head, a, codes);
    kernels::dequantize_q8_f32(codes, head, is_signed, scale, zero_point, values);
    error.add(x, values, head);
    if (head == n) return;  // too short to reach the lane boundary
  }
  error.add_fused(n - head, [&](kernels::ErrorSums& sums) {
    kernels::quantize_round_trip_f32_q8(x + head, n - head, a, scale, zero_point, codes + head, values + head, sums);
  });
}

// The same for `rows` rows of `channels` units (per channel along the last axis, or the inner
// columns of a group). Widths that are not a multiple of 4 (whose rows start off the lanes, and
// which the fused SIMD tier leaves to its reference) take the separate row kernels, which
// vectorise the first channels / 4 * 4 columns.
void round_trip_rows(const float* x, size_t rows, size_t channels, const kernels::QuantizeArgs* args,
                     const float* scales, const int32_t* zero_points, bool is_signed, uint8_t* codes,
                     float* values, ErrorAccumulator& error) {
  if (channels % 4 == 0 && error.count() % 4 == 0) {
    error.add_fused(rows * channels, [&](kernels::ErrorSums& sums) {
      kernels::quantize_round_trip_f32_q8_rows(x, rows, channels, args, scales, zero_points, codes, values, sums);
    });
    return;
  }
  kernels::quantize_f32_q8_rows(x, rows, channels, args, codes);
  kernels::dequantize_q8_f32_rows(codes, rows, channels, is_signed, scales, zero_points, values);
  error.add(x, values, rows * channels);
}

// Groups along the last axis (inner 1: each group a contiguous run), with both outputs in place
// and groups a multiple of 4 long: per row, every group's range and qparams in unit order, then
// the row's whole groups in one runs-kernel call (its error lanes stay in registers from group to
// group), then a last, shorter group alone. Each row's values are fed to the metrics in index
// order, as quantize_groups' general loop does, so the bits are the same.
void quantize_groups_along_rows(const float* data, const AxisView& view, OutputBuffers out, QuantizedTensor& t,
                                ErrorAccumulator& error) {
  const size_t size = static_cast<size_t>(t.spec.group_size);
  const size_t groups = (view.channels + size - 1) / size, whole = view.channels / size;
  const size_t units = view.outer * groups;
  const bool is_signed = t.range.qmin < 0;
  std::vector<kernels::QuantizeArgs> args(groups);
  for (size_t o = 0; o < view.outer; ++o) {
    const size_t row = o * view.channels, unit0 = o * groups;
    for (size_t g = 0; g < groups; ++g) {
      const size_t u = unit0 + g;
      kernels::minmax_f32(data + row + g * size, std::min(size, view.channels - g * size), &t.observed_min[u],
                          &t.observed_max[u]);
      const QParams p = checked_qparams(t.observed_min[u], t.observed_max[u], t, u, units);
      t.scales[u] = p.scale;
      t.zero_points[u] = p.zero_point;
      args[g] = quantize_args(p, t.range, t.spec.mode);
    }
    if (error.count() % 4 == 0) {
      error.add_fused(whole * size, [&](kernels::ErrorSums& sums) {
        kernels::quantize_round_trip_f32_q8_runs(data + row, whole, size, args.data(), t.scales.data() + unit0,
                                                 t.zero_points.data() + unit0, out.codes + row,
                                                 out.dequantized + row, sums);
      });
    } else {  // rows of a width that is not a multiple of 4 start off the lanes
      for (size_t g = 0; g < whole; ++g) {
        const size_t begin = row + g * size;
        round_trip_run(data + begin, size, args[g], t.scales[unit0 + g], t.zero_points[unit0 + g], is_signed,
                       out.codes + begin, out.dequantized + begin, error);
      }
    }
    if (whole < groups) {
      const size_t begin = row + whole * size;
      round_trip_run(data + begin, view.channels - whole * size, args[whole], t.scales[unit0 + whole],
                     t.zero_points[unit0 + whole], is_signed, out.codes + begin, out.dequantized + begin, error);
    }
  }
}

// Per group along view's axis. Group (o, g) is the contiguous block of rows c in
// [g * size, min((g + 1) * size, channels)) of the [channels, inner] matrix at outer index o; its
// inner columns are separate units. Units are numbered (o, g, i) in C order, so blocks, and the
// units inside them, come in index order and the metrics accumulate as over the whole tensor.
void quantize_groups(const float* data, const AxisView& view, OutputBuffers out, QuantizedTensor& t) {
  const size_t size = static_cast<size_t>(t.spec.group_size);
  const size_t groups = (view.channels + size - 1) / size;
  const size_t units = view.outer * groups * view.inner;
  t.group_size = t.spec.group_size;
  t.observed_min.resize(units);
  t.observed_max.resize(units);
  t.scales.resize(units);
  t.zero_points.resize(units);
  const bool is_signed = t.range.qmin < 0;
  ErrorAccumulator error;
  if (view.inner == 1 && size % 4 == 0 && out.codes && out.dequantized) {
    quantize_groups_along_rows(data, view, out, t, error);
    t.metrics = error.result();
    return;
  }
  std::vector<uint8_t> code_scratch(out.codes ? 0 : size * view.inner);
  std::vector<float> value_scratch(out.dequantized ? 0 : size * view.inner);
  std::vector<kernels::QuantizeArgs> args(view.inner);
  for (size_t o = 0; o < view.outer; ++o) {
    for (size_t g = 0; g < groups; ++g) {
      const size_t rows = std::min(size, view.channels - g * size);
      const size_t begin = (o * view.channels + g * size) * view.inner, len = rows * view.inner;
      const size_t unit0 = (o * groups + g) * view.inner;
      float* mins = t.observed_min.data() + unit0;
      float* maxs = t.observed_max.data() + unit0;
      if (view.inner == 1) kernels::minmax_f32(data + begin, len, mins, maxs);
      else kernels::minmax_f32_rows(data + begin, rows, view.inner, mins, maxs);
      for (size_t i = 0; i < view.inner; ++i) {
        const QParams p = checked_qparams(mins[i], maxs[i], t, unit0 + i, units);
        t.scales[unit0 + i] = p.scale;
        t.zero_points[unit0 + i] = p.zero_point;
        args[i] = quantize_args(p, t.range, t.spec.mode);
      }
      uint8_t* codes = out.codes ? out.codes + begin : code_scratch.data();
      float* values = out.dequantized ? out.dequantized + begin : value_scratch.data();
      if (view.inner == 1)
        round_trip_run(data + begin, len, args[0], t.scales[unit0], t.zero_points[unit0], is_signed, codes, values, error);
      else
        round_trip_rows(data + begin, rows, view.inner, args.data(), t.scales.data() + unit0,
                        t.zero_points.data() + unit0, is_signed, codes, values, error);
    }
  }
  t.metrics = error.result();
}

}  // namespace

void quantize_values(const float* x, size_t n, QParams p, IntRange range, NumericsMode mode,
                     uint8_t* out) {
  kernels::quantize_f32_q8(x, n, quantize_args(p, range, mode), out);
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

namespace {

// `keep` asks for outputs held in the returned tensor (allocated once the request is valid);
// `out` for outputs written to the caller's buffers.
QuantizedTensor quantize_tensor_impl(const float* data, size_t n, const Shape& shape, const QuantSpec& spec,
                                     OutputBuffers out, KeepOutputs keep) {
  validate_spec(spec);
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
  // Allocated only after the checks of the request itself.
  if (keep.codes) {
    t.codes.resize(n);
    out.codes = t.codes.data();
  }
  if (keep.dequantized) {
    t.dequantized.resize(n);
    out.dequantized = t.dequantized.data();
  }
  if (spec.group_size > 0) {
    quantize_groups(data, view, out, t);
    return t;
  }
  const size_t channels = view.channels;

  // Observe: min/max of every channel over its outer × inner runs. Along the last axis every run
  // is a single value, so the row kernels take the whole tensor in one call instead.
  t.observed_min.resize(channels);
  t.observed_max.resize(channels);
  const bool last_axis = channels > 1 && view.inner == 1;
  if (last_axis) {
    kernels::minmax_f32_rows(data, view.outer, channels, t.observed_min.data(), t.observed_max.data());
  } else {
    for (size_t o = 0; o < view.outer; ++o) {
      for (size_t c = 0; c < channels; ++c) {
        float run_min, run_max;
        kernels::minmax_f32(data + (o * channels + c) * view.inner, view.inner, &run_min, &run_max);
        if (o == 0 || run_min < t.observed_min[c]) t.observed_min[c] = run_min;
        if (o == 0 || t.observed_max[c] < run_max) t.observed_max[c] = run_max;
      }
    }
  }

  // Choose qparams, then quantize and dequantize every run with its channel's parameters.
  t.scales.resize(channels);
  t.zero_points.resize(channels);
  for (size_t c = 0; c < channels; ++c) {
    const QParams p = choose_qparams(t.observed_min[c], t.observed_max[c], t.range, spec.scheme,
                                     spec.mode, spec.bits);
    if (!std::isfinite(p.scale))
      throw Error("the range [" + short_float(t.observed_min[c]) + ", " + short_float(t.observed_max[c]) +
                  "]" + (channels > 1 ? " of channel " + std::to_string(c) : std::string()) +
                  " is too wide for float32: max - min overflows, so no finite scale exists");
    t.scales[c] = p.scale;
    t.zero_points[c] = p.zero_point;
  }
  const bool is_signed = t.range.qmin < 0;
  std::vector<kernels::QuantizeArgs> args(channels);  // built once: 1/scale is not recomputed per run
  for (size_t c = 0; c < channels; ++c)
    args[c] = quantize_args({t.scales[c], t.zero_points[c]}, t.range, spec.mode);

  // Outputs that are not kept go through scratch buffers of at most kPiece values, pieces taken in
  // index order so the metrics accumulate exactly as over the whole tensor.
  // 16K values: a piece's input, codes and reconstruction (144 KB) stay in the L2 cache between
  // the quantize, dequantize and metric passes.
  constexpr size_t kPiece = 1u << 14;
  std::vector<uint8_t> code_scratch;
  std::vector<float> value_scratch;
  // Along the last axis a piece is a whole number of rows (one kernel call for many rows: the row
  // kernels set up their per-channel lanes once per call).
  const size_t rows_per_piece = last_axis ? std::max<size_t>(1, std::min(view.outer, kPiece / channels)) : 1;
  const size_t piece = last_axis ? rows_per_piece * channels : std::min(view.inner, kPiece);
  if (!out.codes) code_scratch.resize(piece);
  if (!out.dequantized) value_scratch.resize(piece);
  auto code_out = [&](size_t begin) { return out.codes ? out.codes + begin : code_scratch.data(); };
  auto value_out = [&](size_t begin) { return out.dequantized ? out.dequantized + begin : value_scratch.data(); };

  ErrorAccumulator error;
  if (last_axis) {
    for (size_t o = 0; o < view.outer; o += rows_per_piece) {
      const size_t begin = o * channels, rows = std::min(rows_per_piece, view.outer - o), len = rows * channels;
      uint8_t* codes = code_out(begin);
      float* values = value_out(begin);
      round_trip_rows(data + begin, rows, channels, args.data(), t.scales.data(), t.zero_points.data(), is_signed,
                      codes, values, error);
    }
  } else {
    for (size_t o = 0; o < view.outer; ++o) {
      for (size_t c = 0; c < channels; ++c) {
        const size_t run = (o * channels + c) * view.inner;
        for (size_t done = 0; done < view.inner; done += piece) {
          const size_t begin = run + done, len = std::min(piece, view.inner - done);
          uint8_t* codes = code_out(begin);
          float* values = value_out(begin);
          round_trip_run(data + begin, len, args[c], t.scales[c], t.zero_points[c], is_signed, codes, values, error);
        }
      }
    }
  }
  t.metrics = error.result();
  return t;
}

}  // namespace

QuantizedTensor quantize_tensor(const float* data, size_t n, const Shape& shape,
                                const QuantSpec& spec, KeepOutputs keep) {
  return quantize_tensor_impl(data, n, shape, spec, OutputBuffers{}, keep);
}

QuantizedTensor quantize_tensor_into(const float* data, size_t n, const Shape& shape,
                                     const QuantSpec& spec, OutputBuffers out) {
  return quantize_tensor_impl(data, n, shape, spec, out, KeepOutputs{false, false});
}

}  // namespace qp
