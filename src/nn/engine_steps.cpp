#include "nn/engine_steps.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "nn/layer_ops.h"
#include "quant/dynamic_quantize.h"
#include "quant/quantize.h"

namespace qp::nn {

namespace {
constexpr IntRange kActRange{0, 255};

// Pack [out][fan_in] int8 codes (zero point 0 per column: symmetric weights) for gemm_q8.
kernels::PackedQ8Weights pack_codes(const WeightedGeometry& g, const std::vector<int8_t>& codes) {
  kernels::Q8Matrix b{reinterpret_cast<const uint8_t*>(codes.data()), true};
  return kernels::pack_q8_weights(b, g.fan_in, g.channels_out, 1, g.fan_in, {0});
}

// Runs `gemm(rows, input_rows, lda, out_rows)` once per sample for a convolution (on its im2col
// rows, `ld` apart: 0 = fan_in) or once for the whole batch for a Linear. T is float or uint8.
template <typename T, typename Gemm>
void for_each_gemm(const WeightedGeometry& g, const T* in, size_t batch, const std::function<T(size_t)>& pad_of,
                   std::vector<T>& cols, Gemm gemm, size_t ld = 0) {
  if (g.kind == LayerKind::Linear) {
    gemm(batch, in, g.fan_in, size_t(0));
    return;
  }
  if (ld == 0) ld = g.fan_in;
  const size_t positions = g.positions(), in_size = g.in.size();
  // Zero-filled once: the bytes past the patch in a row longer than fan_in are never written.
  if (cols.size() != positions * ld) cols.assign(positions * ld, T{});
  for (size_t b = 0; b < batch; ++b) {
    im2col_nhwc<T>(in + b * in_size, g.in, g.kernel, g.stride, g.padding, pad_of(b), cols.data(), ld);
    gemm(positions, cols.data(), ld, b * positions);
  }
}

class FloatStep final : public Step {
 public:
  FloatStep(const WeightedGeometry& g, const std::vector<float>& w, const std::vector<float>& bias)
      : g_(g), packed_(kernels::pack_f32_weights(w.data(), g.fan_in, g.channels_out, 1, g.fan_in)), bias_(bias) {}
  int weighted_index() const override { return g_.weighted_index; }
  void run(Activations& a) override {
    to_float(a);
    const size_t n = g_.channels_out, rows_per_sample = g_.kind == LayerKind::Linear ? 1 : g_.positions();
    out_.resize(a.batch * rows_per_sample * n);
    for_each_gemm<float>(g_, a.values.data(), a.batch, [](size_t) { return 0.0f; }, cols_,
                         [&](size_t m, const float* rows, size_t lda, size_t first_row) {
                           kernels::gemm_f32(m, rows, lda, packed_, out_.data() + first_row * n, n);
                         });
    for (size_t r = 0; r < out_.size() / n; ++r)
      for (size_t j = 0; j < n; ++j) out_[r * n + j] += bias_[j];
    a.values.swap(out_);
    a.shape = g_.out;
  }

 private:
  WeightedGeometry g_;
  kernels::PackedF32Weights packed_;
  std::vector<float> bias_, cols_;
  Buffer<float> out_;
};

// Shared by the dynamic and static steps: uint8 activations × packed int8 weights → int32, on the
// relaxed-SIMD kernel when the runtime installed one (a browser with relaxed SIMD), else on gemm_q8.
// Both give the exact int32 sums, so the choice changes the speed only, never a result.
class IntGemm {
 public:
  IntGemm(const WeightedGeometry& g, const std::vector<int8_t>& codes) : g_(g), column_sums_(g.channels_out, 0) {
    const kernels::Q8Matrix b{reinterpret_cast<const uint8_t*>(codes.data()), true};
    if (const kernels::RelaxedKernels* relaxed = kernels::installed_relaxed_kernels()) {
      relaxed_ = kernels::pack_q8_relaxed_weights(b, g.fan_in, g.channels_out, 1, g.fan_in, {0}, false,
                                                  relaxed->unsigned_weights);
      use_relaxed_ = true;
    } else {
      packed_ = pack_codes(g, codes);
    }
    for (size_t j = 0; j < g.channels_out; ++j) {
      uint32_t sum = 0;  // Σ_k w[k][j], modulo 2^32 like the accumulators
      for (size_t p = 0; p < g.fan_in; ++p) sum += static_cast<uint32_t>(int32_t{codes[j * g.fan_in + p]});
      column_sums_[j] = sum;
    }
  }
  // acc gets batch·rows_per_sample × N sums Σ (a − za(sample)) · w.
  void run(const uint8_t* in, size_t batch, const std::vector<int32_t>& zero_point_of_sample,
           std::vector<int32_t>& acc) {
    const size_t n = g_.channels_out, rows_per_sample = g_.kind == LayerKind::Linear ? 1 : g_.positions();
    acc.resize(batch * rows_per_sample * n);
    const bool one_zero_point = zero_point_of_sample.size() == 1;
    auto zp = [&](size_t b) { return zero_point_of_sample[one_zero_point ? 0 : b]; };
    if (g_.kind == LayerKind::Linear && !one_zero_point) {
      // Per-row zero points: run with za = 0, then subtract za_i · Σ_k w[k][j], the same fold the
      // kernel applies for one zero point.
      gemm(batch, in, g_.fan_in, 0, acc.data());
      for (size_t i = 0; i < batch; ++i)
        for (size_t j = 0; j < n; ++j)
          acc[i * n + j] = static_cast<int32_t>(static_cast<uint32_t>(acc[i * n + j]) -
                                                static_cast<uint32_t>(zp(i)) * column_sums_[j]);
      return;
    }
    // On the relaxed kernel, im2col rows padded to whole 16-byte slices let its row packing read
    // every slice with one load (the padding is masked out, never summed).
    const size_t ld = use_relaxed_ ? relaxed_.k_padded : 0;
    for_each_gemm<uint8_t>(g_, in, batch, [&](size_t b) { return static_cast<uint8_t>(zp(b)); }, cols_,
                           [&](size_t m, const uint8_t* rows, size_t lda, size_t first_row) {
                             const int32_t za = g_.kind == LayerKind::Linear ? zp(0) : zp(first_row / rows_per_sample);
                             gemm(m, rows, lda, za, acc.data() + first_row * n);
                           }, ld);
  }
  size_t rows_per_sample() const { return g_.kind == LayerKind::Linear ? 1 : g_.positions(); }

 private:
  void gemm(size_t m, const uint8_t* rows, size_t lda, int32_t za, int32_t* out) const {
    const kernels::Q8Matrix a{rows, false};
    if (use_relaxed_) kernels::gemm_q8_relaxed(m, a, lda, za, relaxed_, out, g_.channels_out);
    else kernels::gemm_q8(m, a, lda, za, packed_, out, g_.channels_out);
  }

  WeightedGeometry g_;
  bool use_relaxed_ = false;
  kernels::PackedQ8Weights packed_;
  kernels::PackedQ8RelaxedWeights relaxed_;
  std::vector<uint32_t> column_sums_;
  std::vector<uint8_t> cols_;
};

class DynamicStep final : public Step {
 public:
  DynamicStep(const WeightedGeometry& g, const std::vector<int8_t>& codes, const std::vector<float>& scales,
              const std::vector<float>& bias, bool per_row)
      : g_(g), gemm_(g, codes), scales_(scales), bias_(bias), per_row_(per_row) {}
  int weighted_index() const override { return g_.weighted_index; }
  void run(Activations& a) override {
    to_float(a);
    const size_t in_size = g_.in.size(), n = g_.channels_out;
    codes_.resize(a.batch * in_size);
    DynamicQuantSpec spec;
    spec.mode = NumericsMode::Onnx;  // DynamicQuantizeLinear: uint8, range including 0, divide
    spec.per_row = per_row_;
    const std::vector<QParams> qp = dynamic_quantize(a.values.data(), a.batch, in_size, spec, codes_.data());
    std::vector<int32_t> zps(qp.size());
    for (size_t i = 0; i < qp.size(); ++i) zps[i] = qp[i].zero_point;
    gemm_.run(codes_.data(), a.batch, zps, acc_);
    // y = float(acc) · fl(S_x · S_w[j]) + b[j]: MatMulInteger, Cast, Mul, Add as ORT's dynamic graph.
    const size_t rows = gemm_.rows_per_sample();
    a.values.resize(acc_.size());
    for (size_t b = 0; b < a.batch; ++b) {
      const float sx = qp[qp.size() == 1 ? 0 : b].scale;
      for (size_t r = 0; r < rows; ++r) {
        const size_t base = (b * rows + r) * n;
        for (size_t j = 0; j < n; ++j) {
          const float s = sx * scales_[scales_.size() == 1 ? 0 : j];
          a.values[base + j] = static_cast<float>(acc_[base + j]) * s + bias_[j];
        }
      }
    }
    a.shape = g_.out;
  }

 private:
  WeightedGeometry g_;
  IntGemm gemm_;
  std::vector<float> scales_, bias_;
  bool per_row_;
  std::vector<uint8_t> codes_;
  std::vector<int32_t> acc_;
};

class StaticStep final : public Step {
 public:
  StaticStep(const WeightedGeometry& g, const std::vector<int8_t>& codes, const std::vector<float>& scales,
             const std::vector<float>& bias, std::pair<float, float> in_range,
             const std::pair<float, float>* out_range, bool float_requantization)
      : g_(g), gemm_(g, codes), in_qp_(activation_qparams(in_range)), float_requant_(float_requantization) {
    const size_t n = g.channels_out;
    bias_scale_.resize(n);
    qbias_.resize(n);
    for (size_t j = 0; j < n; ++j) {
      // ONNX Runtime's quantizer: bias_scale = S_x · S_w (float32), q_b = round_half_even(b / bias_scale).
      const float bs = in_qp_.scale * scales[scales.size() == 1 ? 0 : j];
      bias_scale_[j] = bs;
      const double q = std::nearbyint(static_cast<double>(bias[j] / bs));
      qbias_[j] = static_cast<int32_t>(std::clamp(q, -2147483648.0, 2147483647.0));
    }
    if (out_range) {
      out_qp_ = activation_qparams(*out_range);
      codes_out_ = true;
      multipliers_.resize(n);
      float_multipliers_.resize(n);
      for (size_t j = 0; j < n; ++j) {
        multipliers_[j] = kernels::quantize_multiplier(static_cast<double>(bias_scale_[j]) / out_qp_.scale);
        float_multipliers_[j] = bias_scale_[j] / out_qp_.scale;  // ORT: (x_scale · w_scale) / y_scale in float
      }
    }
  }
  int weighted_index() const override { return g_.weighted_index; }
  // The requantization to the next layer's uint8 grid, either method: per-column multipliers, the
  // int32 bias, the output zero point, clamp 0..255 (ReLU follows on the codes).
  template <class Params, class Multiplier>
  Params output_params(const Multiplier* multipliers) const {
    Params p;
    p.multipliers = multipliers;
    p.per_column = true;
    p.bias = qbias_.data();
    p.zero_point = out_qp_.zero_point;
    p.qmin = 0;
    p.qmax = 255;
    return p;
  }
  void run(Activations& a) override {
    if (a.is_codes && (a.qparams.scale != in_qp_.scale || a.qparams.zero_point != in_qp_.zero_point)) to_float(a);
    if (!a.is_codes) to_codes(a, in_qp_);
    gemm_.run(a.codes.data(), a.batch, {in_qp_.zero_point}, acc_);
    const size_t n = g_.channels_out, m = acc_.size() / n;
    if (codes_out_) {
      a.codes.resize(acc_.size());
      if (float_requant_)
        kernels::requantize_float(acc_.data(), m, n, n, output_params<kernels::RequantizeFloat>(float_multipliers_.data()),
                                  a.codes.data(), n);
      else
        kernels::requantize_fixed_point(acc_.data(), m, n, n,
                                        output_params<kernels::RequantizeFixedPoint>(multipliers_.data()),
                                        a.codes.data(), n);
      a.qparams = out_qp_;
    } else {
      // The last quantized layer: logits = S_x·S_w[j] · (acc + q_b), in float.
      a.values.resize(acc_.size());
      for (size_t r = 0; r < m; ++r)
        for (size_t j = 0; j < n; ++j) {
          const uint32_t sum = static_cast<uint32_t>(acc_[r * n + j]) + static_cast<uint32_t>(qbias_[j]);
          a.values[r * n + j] = static_cast<float>(static_cast<int32_t>(sum)) * bias_scale_[j];
        }
      a.is_codes = false;
      a.codes.clear();
    }
    a.shape = g_.out;
  }

 private:
  WeightedGeometry g_;
  IntGemm gemm_;
  QParams in_qp_, out_qp_;
  bool codes_out_ = false, float_requant_ = false;
  std::vector<float> bias_scale_, float_multipliers_;
  std::vector<int32_t> qbias_, acc_;
  std::vector<kernels::FixedPointMultiplier> multipliers_;
};

class ShapeStep final : public Step {
 public:
  ShapeStep(const Layer& l, const ActShape& in) : kind_(l.kind), kernel_(l.kernel), stride_(l.stride), in_(in) {}
  void run(Activations& a) override {
    const size_t in_size = in_.size();
    switch (kind_) {
      case LayerKind::Relu:
        if (a.is_codes) {
          const uint8_t z = static_cast<uint8_t>(std::clamp(a.qparams.zero_point, 0, 255));
          for (uint8_t& q : a.codes) q = std::max(q, z);
        } else {
          for (float& v : a.values) v = std::max(v, 0.0f);
        }
        return;
      case LayerKind::Flatten:
        a.shape = {a.shape.size(), 1, 1};  // storage unchanged: the next Linear reads H×W×C order
        return;
      default: break;
    }
    ActShape out = kind_ == LayerKind::GlobalAvgPool
                       ? ActShape{in_.c, 1, 1}
                       : ActShape{in_.c, (in_.h - kernel_) / stride_ + 1, (in_.w - kernel_) / stride_ + 1};
    const size_t out_size = out.size();
    // The output goes into the buffer this step swapped out last time (same size from one batch
    // to the next: no allocation and no zero fill in steady state).
    if (a.is_codes) {
      Buffer<uint8_t>& o = codes_out_;
      o.resize(a.batch * out_size);
      for (size_t b = 0; b < a.batch; ++b) {
        const uint8_t* x = a.codes.data() + b * in_size;
        uint8_t* y = o.data() + b * out_size;
        if (kind_ == LayerKind::MaxPool2d) max_pool_nhwc<uint8_t>(x, in_, kernel_, stride_, y);
        else if (kind_ == LayerKind::AvgPool2d) avg_pool_nhwc(x, in_, kernel_, stride_, y);
        else global_avg_pool_nhwc(x, in_, y);
      }
      a.codes.swap(o);
    } else {
      Buffer<float>& o = values_out_;
      o.resize(a.batch * out_size);
      for (size_t b = 0; b < a.batch; ++b) {
        const float* x = a.values.data() + b * in_size;
        float* y = o.data() + b * out_size;
        if (kind_ == LayerKind::MaxPool2d) max_pool_nhwc<float>(x, in_, kernel_, stride_, y);
        else if (kind_ == LayerKind::AvgPool2d) avg_pool_nhwc(x, in_, kernel_, stride_, y);
        else global_avg_pool_nhwc(x, in_, y);
      }
      a.values.swap(o);
    }
    a.shape = out;
  }

 private:
  LayerKind kind_;
  size_t kernel_, stride_;
  ActShape in_;
  Buffer<uint8_t> codes_out_;
  Buffer<float> values_out_;
};

class NchwOutputStep final : public Step {
 public:
  explicit NchwOutputStep(const ActShape& map) : map_(map) {}
  void run(Activations& a) override {
    to_float(a);
    const size_t size = map_.size(), hw = map_.h * map_.w;
    Buffer<float> o(a.values.size());
    for (size_t b = 0; b < a.batch; ++b)
      for (size_t p = 0; p < hw; ++p)
        for (size_t c = 0; c < map_.c; ++c) o[b * size + c * hw + p] = a.values[b * size + p * map_.c + c];
    a.values.swap(o);
  }

 private:
  ActShape map_;
};

}  // namespace

std::unique_ptr<Step> make_nchw_output_step(const ActShape& map) { return std::make_unique<NchwOutputStep>(map); }

QParams activation_qparams(std::pair<float, float> range) {
  return choose_qparams(range.first, range.second, kActRange, Scheme::Affine, NumericsMode::PyTorch, 8);
}

void to_float(Activations& a) {
  if (!a.is_codes) return;
  a.values.resize(a.codes.size());
  dequantize_values(a.codes.data(), a.codes.size(), false, a.qparams, a.values.data());
  a.is_codes = false;
}

void to_codes(Activations& a, QParams p) {
  to_float(a);
  a.codes.resize(a.values.size());
  quantize_values(a.values.data(), a.values.size(), p, kActRange, NumericsMode::PyTorch, a.codes.data());
  a.qparams = p;
  a.is_codes = true;
}

std::unique_ptr<Step> make_float_step(const WeightedGeometry& g, const std::vector<float>& weight,
                                      const std::vector<float>& bias) {
  return std::make_unique<FloatStep>(g, weight, bias);
}
std::unique_ptr<Step> make_dynamic_step(const WeightedGeometry& g, const std::vector<int8_t>& codes,
                                        const std::vector<float>& scales, const std::vector<float>& bias,
                                        bool per_row) {
  return std::make_unique<DynamicStep>(g, codes, scales, bias, per_row);
}
std::unique_ptr<Step> make_static_step(const WeightedGeometry& g, const std::vector<int8_t>& codes,
                                       const std::vector<float>& scales, const std::vector<float>& bias,
                                       std::pair<float, float> input_range,
                                       const std::pair<float, float>* output_range, bool float_requantization) {
  return std::make_unique<StaticStep>(g, codes, scales, bias, input_range, output_range, float_requantization);
}
std::unique_ptr<Step> make_shape_step(const Layer& layer, const ActShape& in) {
  return std::make_unique<ShapeStep>(layer, in);
}

}  // namespace qp::nn
