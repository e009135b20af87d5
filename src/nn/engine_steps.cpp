#include "nn/engine_steps.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "kernels/gemm_q8_relaxed_conv.h"
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
// Both give the exact int32 sums, so the choice changes the speed only, never a result. On the
// relaxed kernel a convolution packs its rows straight from the padded map into the kernel's layout
// (gemm_q8_relaxed_conv.h) instead of im2col + row packing.
class IntGemm {
 public:
  // (Constructors run once per engine: built for size, the page's download.)
  QP_BUILT_FOR_SIZE IntGemm(const WeightedGeometry& g, const std::vector<int8_t>& codes)
      : g_(g), column_sums_(g.channels_out, 0) {
    const kernels::Q8Matrix b{reinterpret_cast<const uint8_t*>(codes.data()), true};
    if (const kernels::RelaxedKernels* relaxed = kernels::installed_relaxed_kernels()) {
      relaxed_ = kernels::pack_q8_relaxed_weights(b, g.fan_in, g.channels_out, 1, g.fan_in, {0}, false,
                                                  relaxed->unsigned_weights);
      use_relaxed_ = true;
      kernels_ = *relaxed;
      if (g.kind == LayerKind::Conv2d && relaxed_.mode != kernels::RelaxedWeightMode::kSimd128) {
        conv_plan_ = kernels::plan_relaxed_conv_rows(g.in.h, g.in.w, g.in.c, g.kernel, g.stride, g.padding,
                                                     relaxed_.k_padded, relaxed_.dots, kernels_.rows);
        packed_conv_ = kernels::relaxed_conv_rows_have_simd(conv_plan_);  // else im2col (conv_sample)
      }
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
    const size_t n = g_.channels_out;
    acc.resize(batch * rows_per_sample() * n);
    const bool one_zero_point = zero_point_of_sample.size() == 1;
    auto zp = [&](size_t b) { return zero_point_of_sample[one_zero_point ? 0 : b]; };
    if (g_.kind == LayerKind::Conv2d) {
      for (size_t b = 0; b < batch; ++b) conv_sample(in + b * g_.in.size(), zp(b), acc.data() + b * rows_per_sample() * n);
      return;
    }
    if (!one_zero_point) {
      // Per-row zero points: run with za = 0, then subtract za_i · Σ_k w[k][j], the same fold the
      // kernel applies for one zero point.
      gemm(batch, in, g_.fan_in, 0, acc.data());
      for (size_t i = 0; i < batch; ++i)
        for (size_t j = 0; j < n; ++j)
          acc[i * n + j] = static_cast<int32_t>(static_cast<uint32_t>(acc[i * n + j]) -
                                                static_cast<uint32_t>(zp(i)) * column_sums_[j]);
      return;
    }
    gemm(batch, in, g_.fan_in, zp(0), acc.data());
  }
  // A convolution on one sample (NHWC codes, zero point za): positions × N sums to acc.
  void conv_sample(const uint8_t* x, int32_t za, int32_t* acc) {
    const size_t n = g_.channels_out, positions = g_.positions();
    if (packed_conv_) {
      kernels::pad_map_u8(x, g_.in.h, g_.in.w, g_.in.c, g_.padding, static_cast<uint8_t>(za), padded_, &padded_with_);
      a_packed_.resize(conv_plan_.packed_bytes());
      row_sums_.resize(positions);
      kernels::pack_relaxed_conv_rows(conv_plan_, padded_.data(), a_packed_.data(), row_sums_.data());
      if (column_add_.empty() || za != column_add_za_) {
        column_add_ = kernels::relaxed_column_add(relaxed_, za, nullptr);
        column_add_za_ = za;
      }
      kernels::gemm_q8_relaxed_prepacked(positions, a_packed_.data(), row_sums_.data(), relaxed_, column_add_.data(),
                                         acc, n, kernels_);
      return;
    }
    // On the relaxed kernel, im2col rows padded to whole 16-byte slices let its row packing read
    // every slice with one load (the padding is masked out, never summed).
    const size_t ld = use_relaxed_ ? relaxed_.k_padded : g_.fan_in;
    // Zero-filled once: the bytes past the patch in a row longer than fan_in are never written.
    if (cols_.size() != positions * ld) cols_.assign(positions * ld, 0);
    im2col_nhwc<uint8_t>(x, g_.in, g_.kernel, g_.stride, g_.padding, static_cast<uint8_t>(za), cols_.data(), ld);
    gemm(positions, cols_.data(), ld, za, acc);
  }
  size_t rows_per_sample() const { return g_.kind == LayerKind::Linear ? 1 : g_.positions(); }

 private:
  void gemm(size_t m, const uint8_t* rows, size_t lda, int32_t za, int32_t* out) const {
    const kernels::Q8Matrix a{rows, false};
    if (use_relaxed_) kernels::gemm_q8_relaxed(m, a, lda, za, relaxed_, out, g_.channels_out, kernels_);
    else kernels::gemm_q8(m, a, lda, za, packed_, out, g_.channels_out);
  }

  WeightedGeometry g_;
  bool use_relaxed_ = false, packed_conv_ = false;
  kernels::RelaxedKernels kernels_;
  kernels::PackedQ8Weights packed_;
  kernels::PackedQ8RelaxedWeights relaxed_;
  std::vector<uint32_t> column_sums_;
  std::vector<uint8_t> cols_;
  // The packed-convolution path: plan, padded map (border = padded_with_), packed rows, fold terms.
  kernels::RelaxedConvRowsPlan conv_plan_;
  std::vector<uint8_t> padded_;
  int padded_with_ = -1;
  std::vector<int8_t> a_packed_;  // (sized once: the zero fill happens once)
  std::vector<uint32_t> row_sums_;
  std::vector<int32_t> column_add_;
  int32_t column_add_za_ = 0;
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

class ShapeStep;

class StaticStep final : public Step {
 public:
  QP_BUILT_FOR_SIZE StaticStep(const WeightedGeometry& g, const std::vector<int8_t>& codes,
                                      const std::vector<float>& scales, const std::vector<float>& bias,
                                      std::pair<float, float> in_range, const std::pair<float, float>* out_range,
                                      bool float_requantization)
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
      pool_before_requantization_ = requantization_is_monotone(codes);
    }
  }
  int weighted_index() const override { return g_.weighted_index; }
  bool absorb(const Step& next) override;
  // The requantization to the next layer's uint8 grid, either method: per-column multipliers, the
  // int32 bias, the output zero point, clamp to [0, 255], or to [Z_y, 255] when a ReLU was absorbed
  // (ReLU on codes is max(q, Z_y), and max(clamp(v, 0, 255), Z_y) = clamp(v, Z_y, 255)).
  template <class Params, class Multiplier>
  Params output_params(const Multiplier* multipliers) const {
    Params p;
    p.multipliers = multipliers;
    p.per_column = true;
    p.bias = qbias_.data();
    p.zero_point = out_qp_.zero_point;
    p.qmin = relu_ ? std::clamp(out_qp_.zero_point, 0, 255) : 0;
    p.qmax = 255;
    return p;
  }
  void requantize(const int32_t* acc, size_t m, uint8_t* out) const {
    const size_t n = g_.channels_out;
    if (float_requant_)
      kernels::requantize_float(acc, m, n, n, output_params<kernels::RequantizeFloat>(float_multipliers_.data()), out, n);
    else
      kernels::requantize_fixed_point(acc, m, n, n,
                                      output_params<kernels::RequantizeFixedPoint>(multipliers_.data()), out, n);
  }
  void run(Activations& a) override {
    if (a.is_codes && (a.qparams.scale != in_qp_.scale || a.qparams.zero_point != in_qp_.zero_point)) to_float(a);
    if (!a.is_codes) to_codes(a, in_qp_);
    if (codes_out_ && g_.kind == LayerKind::Conv2d) {
      run_conv_to_codes(a);
      return;
    }
    gemm_.run(a.codes.data(), a.batch, {in_qp_.zero_point}, acc_);
    const size_t n = g_.channels_out, m = acc_.size() / n;
    if (codes_out_) {
      a.codes.resize(acc_.size());
      requantize(acc_.data(), m, a.codes.data());
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
  // A convolution with codes out, one sample at a time (its accumulators stay in cache): GEMM, then
  // the absorbed max-pool and the requantization (ReLU in its clamp). The pool runs on the int32
  // accumulators before requantizing when that is exact (requantization_is_monotone): a quarter of
  // the values to requantize for a 2×2 pool; else on the codes after it.
  void run_conv_to_codes(Activations& a) {
    const size_t n = g_.channels_out, positions = g_.positions(), in_size = g_.in.size();
    const ActShape out_shape = pool_kernel_ ? pooled_ : g_.out;
    const size_t out_size = out_shape.size(), out_rows = out_size / n;
    out_codes_.resize(a.batch * out_size);
    acc_.resize(positions * n);
    for (size_t b = 0; b < a.batch; ++b) {
      gemm_.conv_sample(a.codes.data() + b * in_size, in_qp_.zero_point, acc_.data());
      uint8_t* out = out_codes_.data() + b * out_size;
      if (!pool_kernel_) {
        requantize(acc_.data(), positions, out);
      } else if (pool_before_requantization_) {
        pooled_acc_.resize(out_size);
        max_pool_nhwc<int32_t>(acc_.data(), g_.out, pool_kernel_, pool_stride_, pooled_acc_.data());
        requantize(pooled_acc_.data(), out_rows, out);
      } else {
        sample_codes_.resize(positions * n);
        requantize(acc_.data(), positions, sample_codes_.data());
        max_pool_nhwc<uint8_t>(sample_codes_.data(), g_.out, pool_kernel_, pool_stride_, out);
      }
    }
    a.codes.swap(out_codes_);
    a.qparams = out_qp_;
    a.shape = out_shape;
  }

  // max(requantize(x_i)) = requantize(max(x_i)) when requantization is non-decreasing in the
  // accumulator: true for both methods (non-negative multipliers, rounding, clamp) as long as
  // nothing wraps modulo 2^32. Checked from the weights: |acc + q_b| ≤ max(Z_x, 255 − Z_x)·Σ_k|w_kj|
  // + |q_b[j]| must stay below 2^31, and for the fixed-point method also after its left shift.
  QP_BUILT_FOR_SIZE bool requantization_is_monotone(const std::vector<int8_t>& codes) const {
    const double a_max = std::max(in_qp_.zero_point, 255 - in_qp_.zero_point);
    for (size_t j = 0; j < g_.channels_out; ++j) {
      double w_abs = 0;
      for (size_t p = 0; p < g_.fan_in; ++p) w_abs += std::abs(static_cast<double>(codes[j * g_.fan_in + p]));
      double bound = a_max * w_abs + std::abs(static_cast<double>(qbias_[j]));
      if (!float_requant_ && multipliers_[j].shift > 0) bound *= std::ldexp(1.0, multipliers_[j].shift);
      if (!(bound < 2147483648.0)) return false;
      if (!(float_multipliers_[j] >= 0.0f) || !std::isfinite(float_multipliers_[j])) return false;
    }
    return true;
  }

  WeightedGeometry g_;
  IntGemm gemm_;
  QParams in_qp_, out_qp_;
  bool codes_out_ = false, float_requant_ = false;
  // Absorbed steps (fuse_steps): a ReLU (the clamp) and a max-pool of the conv's output map.
  bool relu_ = false, pool_before_requantization_ = false;
  size_t pool_kernel_ = 0, pool_stride_ = 0;
  ActShape pooled_;
  std::vector<float> bias_scale_, float_multipliers_;
  std::vector<int32_t> qbias_, acc_;
  Buffer<int32_t> pooled_acc_;
  Buffer<uint8_t> out_codes_, sample_codes_;
  std::vector<kernels::FixedPointMultiplier> multipliers_;
};

class ShapeStep final : public Step {
 public:
  ShapeStep(const Layer& l, const ActShape& in) : kind_(l.kind), kernel_(l.kernel), stride_(l.stride), in_(in) {}
  LayerKind kind() const { return kind_; }
  size_t kernel() const { return kernel_; }
  size_t stride() const { return stride_; }
  const ActShape& in() const { return in_; }
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

// A static step with codes out takes over the ReLUs after it (a Linear or a convolution) and one
// max-pool of a convolution's map, in either order (both are non-decreasing maps of the codes, so
// they commute). The result is bit for bit the one of the separate steps.
QP_BUILT_FOR_SIZE bool StaticStep::absorb(const Step& next) {
  const auto* shape = dynamic_cast<const ShapeStep*>(&next);
  if (!shape || !codes_out_) return false;
  if (shape->kind() == LayerKind::Relu) {
    relu_ = true;
    return true;
  }
  if (shape->kind() != LayerKind::MaxPool2d || g_.kind != LayerKind::Conv2d || pool_kernel_ != 0) return false;
  const ActShape& in = shape->in();
  if (in.c != g_.out.c || in.h != g_.out.h || in.w != g_.out.w || shape->kernel() == 0 || shape->kernel() > in.h ||
      shape->kernel() > in.w)
    return false;
  pool_kernel_ = shape->kernel();
  pool_stride_ = shape->stride();
  pooled_ = {in.c, (in.h - pool_kernel_) / pool_stride_ + 1, (in.w - pool_kernel_) / pool_stride_ + 1};
  return true;
}

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

QP_BUILT_FOR_SIZE std::vector<std::unique_ptr<Step>> fuse_steps(
    std::vector<std::unique_ptr<Step>> steps) {
  std::vector<std::unique_ptr<Step>> fused;
  for (auto& s : steps) {
    if (!fused.empty() && fused.back()->absorb(*s)) continue;
    fused.push_back(std::move(s));
  }
  return fused;
}

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
