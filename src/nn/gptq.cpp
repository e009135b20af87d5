#include "nn/gptq.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "nn/layer_ops.h"
#include "quant/calibrate.h"

namespace qp::nn {

namespace {

constexpr const char* kGptq = "gptq";

// Each output row's grid for the columns being quantized: scale and zero point, the integer range
// and numerics of the ordinary quantizer (so codes and dequantized values are its bits).
struct RowGrids {
  std::vector<QParams> params;  // per output row
  IntRange range;
  NumericsMode mode = NumericsMode::PyTorch;
};

// Grids chosen by the ordinary quantizer over `cols` columns of the row-major `w` (row stride
// `stride`): one per row, or one for the whole matrix when per tensor.
RowGrids choose_grids(const float* w, size_t rows, size_t cols, size_t stride, const WeightQuantSpec& spec) {
  std::vector<float> block(rows * cols);
  for (size_t r = 0; r < rows; ++r) std::copy(w + r * stride, w + r * stride + cols, block.data() + r * cols);
  WeightQuantSpec unit_spec = spec;
  unit_spec.group_size = 0;  // a group's columns are, for this call, the whole row
  const QuantizedTensor t = quantize_weight_matrix(block.data(), rows, cols, unit_spec);
  RowGrids g;
  g.range = t.range;
  g.mode = t.spec.mode;
  for (size_t r = 0; r < rows; ++r) {
    const size_t u = spec.per_tensor ? 0 : r;
    g.params.push_back({t.scales[u], t.zero_points[u]});
  }
  return g;
}

}  // namespace

bool is_gptq_calibration(const std::string& calibration) {
  return calibration == kGptq || calibration.rfind(std::string(kGptq) + "-", 0) == 0;
}

std::string gptq_grid_calibration(const std::string& calibration) {
  if (!is_gptq_calibration(calibration)) return calibration;
  const std::string base = calibration == kGptq ? "minmax" : calibration.substr(std::string(kGptq).size() + 1);
  parse_calibration(base);  // throws naming the valid calibrators
  return base;
}

std::optional<std::vector<double>> upper_cholesky_of_inverse(const std::vector<double>& a, size_t n) {
  // A = V·Vᵀ with V upper triangular (Cholesky from the last row up, i.e. of the reversed matrix);
  // then A⁻¹ = V⁻ᵀ·V⁻¹, so U = V⁻¹ is upper with a positive diagonal and UᵀU = A⁻¹: by the
  // uniqueness of the Cholesky factor it is the reference's cholesky(A⁻¹, upper=True), obtained
  // with one factorization and one triangular inverse instead of three factorizations.
  std::vector<double> v(n * n, 0.0);
  for (size_t jj = n; jj-- > 0;) {
    const double* vj = v.data() + jj * n;
    double d = a[jj * n + jj];
    for (size_t k = jj + 1; k < n; ++k) d -= vj[k] * vj[k];
    if (!(d > 0) || !std::isfinite(d)) return std::nullopt;
    d = std::sqrt(d);
    v[jj * n + jj] = d;
    for (size_t i = 0; i < jj; ++i) {
      double* vi = v.data() + i * n;
      double s = a[i * n + jj];
      for (size_t k = jj + 1; k < n; ++k) s -= vi[k] * vj[k];
      vi[jj] = s / d;
    }
  }
  // V·U = I, rows of U from the last up: U[i,:] = (e_i − Σ_{k>i} V[i,k]·U[k,:]) / V[i,i].
  std::vector<double> u(n * n, 0.0);
  for (size_t i = n; i-- > 0;) {
    double* ui = u.data() + i * n;
    ui[i] = 1.0;
    for (size_t k = i + 1; k < n; ++k) {
      const double c = v[i * n + k];
      const double* uk = u.data() + k * n;
      for (size_t j = k; j < n; ++j) ui[j] -= c * uk[j];
    }
    const double inv = 1.0 / v[i * n + i];
    for (size_t j = i; j < n; ++j) ui[j] *= inv;
  }
  return u;
}

QuantizedWeights gptq_quantize(const float* w, size_t out, size_t n, const std::vector<double>& hessian,
                               const WeightQuantSpec& spec, const GptqOptions& options) {
  if (hessian.size() != n * n)
    throw Error("GPTQ: the input statistics H hold " + std::to_string(hessian.size()) + " values, the layer needs " +
                std::to_string(n) + "² = " + std::to_string(n * n));
  for (double h : hessian)
    if (!std::isfinite(h)) throw Error("GPTQ: the input statistics H hold NaN or Inf values");
  if (!(options.percdamp >= 0)) throw Error("GPTQ: the dampening must be >= 0");
  WeightQuantSpec grid_spec = spec;
  grid_spec.calibration = gptq_grid_calibration(spec.calibration);
  const size_t group = spec.group_size > 0 ? static_cast<size_t>(spec.group_size) : 0;

  // Per channel / per tensor: the grids of the weights as they are, before any column moves
  // (the reference calls find_params before zeroing dead columns).
  RowGrids grids;
  if (!group) grids = choose_grids(w, out, n, n, grid_spec);

  // Dead inputs (always 0 on the calibration set) carry no information: their weights are set
  // to 0 and H gets a 1 on the diagonal so it stays invertible (reference fasterquant()).
  std::vector<double> h = hessian;
  std::vector<double> work(w, w + out * n);  // the weights as updated so far, in double
  for (size_t i = 0; i < n; ++i) {
    if (h[i * n + i] != 0) continue;
    h[i * n + i] = 1;
    for (size_t r = 0; r < out; ++r) work[r * n + i] = 0;
  }
  double mean_diag = 0;
  for (size_t i = 0; i < n; ++i) mean_diag += h[i * n + i];
  mean_diag /= static_cast<double>(n);
  const double damp = options.percdamp * mean_diag;
  for (size_t i = 0; i < n; ++i) h[i * n + i] += damp;
  const auto factor = upper_cholesky_of_inverse(h, n);
  if (!factor) throw Error("GPTQ: H is not positive definite even after dampening (raise percdamp)");
  const std::vector<double>& u = *factor;

  QuantizedWeights result;
  result.codes.resize(out * n);
  result.dequantized.resize(out * n);
  const size_t groups = group ? (n + group - 1) / group : 0;
  result.scales.resize(group ? out * groups : spec.per_tensor ? 1 : out);
  if (!group)
    for (size_t s = 0; s < result.scales.size(); ++s) result.scales[s] = grids.params[s].scale;

  // Blocks of columns whose updates to later columns are applied once per block (lazy batch
  // updates); a multiple of the group size, so a group's columns are all up to date when its grid
  // is chosen at its first column.
  size_t block = std::max<size_t>(options.block_size, 1);
  if (group) block = group * std::max<size_t>(1, block / group);
  std::vector<double> err(out * block);  // (w − q)/U[i,i] of the block's columns, per row
  for (size_t b0 = 0; b0 < n; b0 += block) {
    const size_t b1 = std::min(n, b0 + block);
    for (size_t i = b0; i < b1; ++i) {
      if (group && i % group == 0) {
        const size_t cols = std::min(group, n - i);
        std::vector<float> current(out * cols);
        for (size_t r = 0; r < out; ++r)
          for (size_t c = 0; c < cols; ++c) current[r * cols + c] = static_cast<float>(work[r * n + i + c]);
        grids = choose_grids(current.data(), out, cols, cols, grid_spec);
        for (size_t r = 0; r < out; ++r) result.scales[r * groups + i / group] = grids.params[r].scale;
      }
      const double d = u[i * n + i];
      const double* ui = u.data() + i * n;
      for (size_t r = 0; r < out; ++r) {
        double* wr = work.data() + r * n;
        const float x = static_cast<float>(wr[i]);
        uint8_t code = 0;
        float q = 0;
        quantize_values(&x, 1, grids.params[r], grids.range, grids.mode, &code);
        dequantize_values(&code, 1, true, grids.params[r], &q);
        result.codes[r * n + i] = static_cast<int8_t>(code);
        result.dequantized[r * n + i] = q;
        const double e = (wr[i] - static_cast<double>(q)) / d;
        err[r * block + (i - b0)] = e;
        for (size_t j = i + 1; j < b1; ++j) wr[j] -= e * ui[j];
      }
    }
    // The block's errors onto every later column: W[:, b1:] −= E · U[b0:b1, b1:].
    for (size_t r = 0; r < out; ++r) {
      double* wr = work.data() + r * n;
      for (size_t i = b0; i < b1; ++i) {
        const double e = err[r * block + (i - b0)];
        const double* ui = u.data() + i * n;
        for (size_t j = b1; j < n; ++j) wr[j] -= e * ui[j];
      }
    }
  }
  result.storage_bytes = weight_storage_bytes(result.codes.size(), result.scales.size(), spec);
  return result;
}

InputHessian::InputHessian(const Layer& layer, const ActShape& input)
    : kind_(layer.kind), input_(input), fan_in_(layer.fan_in()), order_(engine_fan_in_order(layer, input)) {
  if (layer.kind == LayerKind::Conv2d) {
    kernel_ = layer.kernel;
    stride_ = layer.stride;
    padding_ = layer.padding;
  } else if (input.size() != fan_in_) {
    throw Error("layer '" + layer.name + "' takes " + std::to_string(fan_in_) + " inputs, its input holds " +
                std::to_string(input.size()));
  }
  sum_.assign(fan_in_ * fan_in_, 0.0);
}

void InputHessian::add(const float* x, size_t batch) {
  const size_t positions = kind_ == LayerKind::Conv2d
      ? ((input_.h + 2 * padding_ - kernel_) / stride_ + 1) * ((input_.w + 2 * padding_ - kernel_) / stride_ + 1)
      : 1;
  // Chunks of about 1024 rows: big enough to reuse each tile of the sum across many rows.
  const size_t chunk = std::max<size_t>(1, 1024 / positions) * positions;
  rows_.resize(chunk * fan_in_);
  for (size_t s = 0; s < batch; ++s) {
    const float* sample = x + s * input_.size();
    float* dst = rows_.data() + pending_ * fan_in_;
    if (kind_ == LayerKind::Conv2d) im2col_nhwc(sample, input_, kernel_, stride_, padding_, 0.0f, dst);
    else std::copy(sample, sample + fan_in_, dst);
    pending_ += positions;
    ++samples_;
    if (pending_ + positions > chunk) flush();
  }
  flush();
}

// Σ xxᵀ over the pending rows, upper triangle, tiles of rows of the sum so a tile stays in cache
// while the rows stream past; zeros (ReLU outputs, padding) skipped.
void InputHessian::flush() {
  constexpr size_t kTile = 16;
  const size_t n = fan_in_;
  for (size_t a0 = 0; a0 < n; a0 += kTile) {
    const size_t a1 = std::min(n, a0 + kTile);
    for (size_t r = 0; r < pending_; ++r) {
      const float* x = rows_.data() + r * n;
      for (size_t a = a0; a < a1; ++a) {
        const double xa = x[a];
        if (xa == 0) continue;
        double* sa = sum_.data() + a * n;
        for (size_t b = a; b < n; ++b) sa[b] += xa * static_cast<double>(x[b]);
      }
    }
  }
  pending_ = 0;
}

std::vector<double> InputHessian::hessian() const {
  const size_t n = fan_in_;
  std::vector<double> h(n * n);
  const double scale = samples_ ? 2.0 / static_cast<double>(samples_) : 0.0;
  for (size_t a = 0; a < n; ++a)
    for (size_t b = a; b < n; ++b) {
      const double v = scale * sum_[a * n + b];
      h[size_t(order_[a]) * n + order_[b]] = v;
      h[size_t(order_[b]) * n + order_[a]] = v;
    }
  return h;
}

}  // namespace qp::nn
