// GPTQ (src/nn/gptq.h) against what can be said without it: the proxy loss tr(ΔW·H·ΔWᵀ) it
// minimises compared with round-to-nearest on the same grids, round-to-nearest exactly when H
// has no correlations, an independent reference written here from the paper's update formulas
// (OBS form, explicit H⁻¹ downdates, no Cholesky, no blocks), and H itself against a direct NCHW
// computation of the layers' inputs.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"
#include "nn/engine.h"
#include "nn/gptq.h"
#include "nn/network.h"
#include "nn/weight_quant.h"
#include "quant/quantize.h"

using namespace qp;
using namespace qp::nn;

namespace {

std::vector<float> gaussian(size_t n, uint32_t seed, float sigma = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.0f, sigma);
  std::vector<float> x(n);
  for (float& v : x) v = d(rng);
  return x;
}

// H = (2/N)·XᵀX of N rows that share a random mixing, so the inputs are correlated.
std::vector<double> correlated_hessian(size_t n, size_t rows, uint32_t seed) {
  const std::vector<float> z = gaussian(rows * n, seed), mix = gaussian(n * n, seed + 1, 0.3f);
  std::vector<double> x(rows * n, 0.0);
  for (size_t r = 0; r < rows; ++r)
    for (size_t a = 0; a < n; ++a) {
      double s = z[r * n + a];
      for (size_t k = 0; k < n; ++k) s += double(z[r * n + k]) * mix[k * n + a];
      x[r * n + a] = s;
    }
  std::vector<double> h(n * n, 0.0);
  for (size_t r = 0; r < rows; ++r)
    for (size_t a = 0; a < n; ++a)
      for (size_t b = 0; b < n; ++b) h[a * n + b] += 2.0 * x[r * n + a] * x[r * n + b] / double(rows);
  return h;
}

double proxy_loss(const std::vector<float>& w, const std::vector<float>& q, const std::vector<double>& h, size_t out, size_t n) {
  double t = 0;
  for (size_t r = 0; r < out; ++r)
    for (size_t a = 0; a < n; ++a)
      for (size_t b = 0; b < n; ++b)
        t += (double(w[r * n + a]) - q[r * n + a]) * h[a * n + b] * (double(w[r * n + b]) - q[r * n + b]);
  return t;
}

Layer linear(size_t out, size_t in, uint32_t seed) {
  Layer l;
  l.kind = LayerKind::Linear;
  l.name = "fc";
  l.in = in;
  l.out = out;
  l.weight = gaussian(out * in, seed, 0.1f);
  l.bias.assign(out, 0.0f);
  return l;
}

WeightQuantSpec spec(int bits, bool affine, int group, const char* calibration, bool per_tensor = false) {
  WeightQuantSpec s;
  s.bits = bits;
  s.affine = affine;
  s.group_size = group;
  s.per_tensor = per_tensor;
  s.calibration = calibration;
  return s;
}

// Each row's scale and zero point as the established quantizer (quantize_tensor, per channel)
// chooses them: the grids of a per-channel GPTQ run.
std::vector<QParams> row_grids(const Layer& l, const WeightQuantSpec& s, IntRange& range) {
  QuantSpec q;
  q.bits = s.bits;
  q.is_signed = true;
  q.scheme = s.affine ? Scheme::Affine : Scheme::Symmetric;
  q.mode = NumericsMode::PyTorch;
  q.channel_axis = 0;
  const QuantizedTensor t = quantize_tensor(l.weight.data(), l.weight.size(), {int64_t(l.out), int64_t(l.fan_in())}, q);
  range = t.range;
  std::vector<QParams> p;
  for (size_t r = 0; r < l.out; ++r) p.push_back({t.scales[r], t.zero_points[r]});
  return p;
}

// GPTQ from the paper's equations (2)–(3) in OBS form: quantize column i, spread its error over the
// later columns with the current inverse Hessian's row i, then remove i from the inverse by one
// Gaussian elimination step. Per channel, grids fixed in advance. Codes out.
std::vector<int8_t> reference_gptq_codes(const Layer& l, const WeightQuantSpec& s, std::vector<double> h) {
  const size_t n = l.fan_in(), out = l.out;
  IntRange range;
  const std::vector<QParams> grids = row_grids(l, s, range);
  std::vector<double> w(l.weight.begin(), l.weight.end());
  double mean = 0;
  for (size_t i = 0; i < n; ++i) {
    if (h[i * n + i] == 0) {
      h[i * n + i] = 1;
      for (size_t r = 0; r < out; ++r) w[r * n + i] = 0;
    }
  }
  for (size_t i = 0; i < n; ++i) mean += h[i * n + i] / double(n);
  for (size_t i = 0; i < n; ++i) h[i * n + i] += 0.01 * mean;
  // H⁻¹ by Gauss–Jordan with partial pivoting.
  std::vector<double> a = h, inv(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) inv[i * n + i] = 1;
  for (size_t c = 0; c < n; ++c) {
    size_t p = c;
    for (size_t r = c + 1; r < n; ++r)
      if (std::abs(a[r * n + c]) > std::abs(a[p * n + c])) p = r;
    for (size_t k = 0; k < n; ++k) {
      std::swap(a[c * n + k], a[p * n + k]);
      std::swap(inv[c * n + k], inv[p * n + k]);
    }
    const double d = a[c * n + c];
    for (size_t k = 0; k < n; ++k) {
      a[c * n + k] /= d;
      inv[c * n + k] /= d;
    }
    for (size_t r = 0; r < n; ++r) {
      if (r == c) continue;
      const double f = a[r * n + c];
      for (size_t k = 0; k < n; ++k) {
        a[r * n + k] -= f * a[c * n + k];
        inv[r * n + k] -= f * inv[c * n + k];
      }
    }
  }
  std::vector<int8_t> codes(out * n);
  for (size_t i = 0; i < n; ++i) {
    for (size_t r = 0; r < out; ++r) {
      const float x = static_cast<float>(w[r * n + i]);
      uint8_t c = 0;
      float q = 0;
      quantize_values(&x, 1, grids[r], range, NumericsMode::PyTorch, &c);
      dequantize_values(&c, 1, true, grids[r], &q);
      codes[r * n + i] = static_cast<int8_t>(c);
      const double e = (w[r * n + i] - q) / inv[i * n + i];
      for (size_t j = i + 1; j < n; ++j) w[r * n + j] -= e * inv[i * n + j];
    }
    for (size_t j = i + 1; j < n; ++j)
      for (size_t k = i + 1; k < n; ++k) inv[j * n + k] -= inv[j * n + i] * inv[i * n + k] / inv[i * n + i];
  }
  return codes;
}

}  // namespace

TEST_CASE("gptq: the factor U is upper triangular with UᵀU = A⁻¹") {
  const size_t n = 23;
  const std::vector<double> a = correlated_hessian(n, 64, 3);
  const auto u = upper_cholesky_of_inverse(a, n);
  REQUIRE(u);
  for (size_t i = 0; i < n; ++i) {
    CHECK((*u)[i * n + i] > 0);
    for (size_t j = 0; j < i; ++j) CHECK((*u)[i * n + j] == 0);
  }
  // (UᵀU)·A = I
  double worst = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      double s = 0;
      for (size_t k = 0; k < n; ++k) {
        double uu = 0;
        for (size_t m = 0; m < n; ++m) uu += (*u)[m * n + i] * (*u)[m * n + k];
        s += uu * a[k * n + j];
      }
      worst = std::max(worst, std::abs(s - (i == j ? 1.0 : 0.0)));
    }
  CHECK(worst < 1e-9);
  std::vector<double> singular(4, 1.0);  // [[1, 1], [1, 1]]
  CHECK_FALSE(upper_cholesky_of_inverse(singular, 2));
}

TEST_CASE("gptq: no correlation in H gives exactly round-to-nearest") {
  const Layer l = linear(9, 70, 11);  // 70 = two groups of 32 and a partial one of 6
  const size_t n = l.fan_in();
  std::vector<double> diagonal(n * n, 0.0);
  for (size_t i = 0; i < n; ++i) diagonal[i * n + i] = 0.5 + double(i % 7);  // not the identity: scales do not matter
  struct Case { WeightQuantSpec rtn; const char* gptq; };
  const Case cases[] = {
      {spec(4, false, 0, "minmax"), "gptq"},          {spec(4, true, 32, "minmax"), "gptq"},
      {spec(3, true, 16, "mse"), "gptq-mse"},         {spec(4, false, 0, "minmax", true), "gptq"},
      {spec(8, false, 32, "minmax"), "gptq"},         {spec(2, true, 0, "percentile:99"), "gptq-percentile:99"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.gptq);
    CAPTURE(c.rtn.group_size);
    CAPTURE(c.rtn.bits);
    WeightQuantSpec g = c.rtn;
    g.calibration = c.gptq;
    const QuantizedWeights a = quantize_layer_weights(l, c.rtn), b = quantize_layer_weights(l, g, &diagonal);
    CHECK(a.codes == b.codes);
    CHECK(a.scales == b.scales);
    CHECK(a.dequantized == b.dequantized);
    CHECK(a.storage_bytes == b.storage_bytes);
  }
}

TEST_CASE("gptq: lower proxy loss tr(ΔW·H·ΔWᵀ) than round-to-nearest on correlated inputs") {
  const Layer l = linear(16, 64, 21);
  const std::vector<double> h = correlated_hessian(64, 200, 5);
  const WeightQuantSpec specs[] = {spec(4, false, 0, "minmax"), spec(4, true, 16, "minmax"), spec(3, false, 0, "minmax"),
                                   spec(4, false, 0, "minmax", true), spec(4, true, 32, "mse")};
  for (const WeightQuantSpec& rtn : specs) {
    CAPTURE(rtn.bits);
    CAPTURE(rtn.group_size);
    CAPTURE(rtn.calibration);
    WeightQuantSpec g = rtn;
    g.calibration = rtn.calibration == "mse" ? "gptq-mse" : "gptq";
    const QuantizedWeights a = quantize_layer_weights(l, rtn), b = quantize_layer_weights(l, g, &h);
    const double la = proxy_loss(l.weight, a.dequantized, h, l.out, 64), lb = proxy_loss(l.weight, b.dequantized, h, l.out, 64);
    CAPTURE(la);
    CAPTURE(lb);
    CHECK(lb < 0.8 * la);
  }
}

TEST_CASE("gptq: the Cholesky form with lazy batches equals the paper's OBS updates") {
  const Layer l = linear(12, 48, 31);
  const std::vector<double> h = correlated_hessian(48, 150, 9);
  for (const WeightQuantSpec& s : {spec(4, false, 0, "gptq"), spec(3, true, 0, "gptq")}) {
    const std::vector<int8_t> expected = reference_gptq_codes(l, s, h);
    for (size_t block : {size_t(1), size_t(5), size_t(16), size_t(128)}) {
      CAPTURE(block);
      GptqOptions o;
      o.block_size = block;
      const QuantizedWeights q = gptq_quantize(l.weight.data(), l.out, l.fan_in(), h, s, o);
      size_t same = 0;
      for (size_t i = 0; i < expected.size(); ++i) same += q.codes[i] == expected[i];
      // Different rounding of equal formulas may flip a code sitting on a rounding boundary.
      CHECK(same >= expected.size() - 2);
    }
  }
}

TEST_CASE("gptq: groups, code ranges, dead inputs and determinism") {
  const Layer l = linear(10, 70, 41);
  std::vector<double> h = correlated_hessian(70, 120, 13);
  const size_t n = 70;
  for (size_t k : {size_t(3), size_t(40)}) {  // inputs that never fire: zero row and column of H
    for (size_t j = 0; j < n; ++j) h[k * n + j] = h[j * n + k] = 0;
  }
  for (int bits = 2; bits <= 8; ++bits) {
    for (bool affine : {false, true}) {
      CAPTURE(bits);
      CAPTURE(affine);
      const WeightQuantSpec s = spec(bits, affine, 32, "gptq");
      const QuantizedWeights q = quantize_layer_weights(l, s, &h);
      REQUIRE(q.scales.size() == l.out * 3);
      const int lo = -(1 << (bits - 1)), hi = (1 << (bits - 1)) - 1;
      for (size_t r = 0; r < l.out; ++r) {
        CHECK(q.dequantized[r * n + 3] == 0.0f);
        CHECK(q.dequantized[r * n + 40] == 0.0f);
        for (size_t g = 0; g < 3; ++g) {
          // One grid per group: every value of the group is (code − z)·scale with the group's scale
          // and one integer z (0 when symmetric).
          const float scale = q.scales[r * 3 + g];
          REQUIRE(scale > 0);
          const double z0 = q.codes[r * n + g * 32] - double(q.dequantized[r * n + g * 32]) / scale;
          for (size_t k = g * 32; k < std::min(n, g * 32 + 32); ++k) {
            const int c = q.codes[r * n + k];
            CHECK(c >= lo);
            CHECK(c <= hi);
            const double z = c - double(q.dequantized[r * n + k]) / scale;
            CHECK(std::abs(z - std::round(z0)) < 1e-3);
            if (!affine) CHECK(std::abs(z) < 1e-3);
          }
        }
      }
      const QuantizedWeights again = quantize_layer_weights(l, s, &h);
      CHECK(again.codes == q.codes);
      CHECK(again.dequantized == q.dequantized);
    }
  }
}

TEST_CASE("gptq: errors name what is missing") {
  const Layer l = linear(4, 8, 51);
  CHECK_THROWS_WITH_AS(quantize_layer_weights(l, spec(4, false, 0, "gptq")), doctest::Contains("needs calibration data"),
                       qp::Error);
  const std::vector<double> wrong(7 * 7, 1.0);
  CHECK_THROWS_WITH_AS(quantize_layer_weights(l, spec(4, false, 0, "gptq"), &wrong), doctest::Contains("8² = 64"), qp::Error);
  std::vector<double> h(64, 0.0);
  for (size_t i = 0; i < 8; ++i) h[i * 8 + i] = 1;
  CHECK_THROWS_WITH_AS(quantize_layer_weights(l, spec(4, false, 0, "gptq-median"), &h), doctest::Contains("unknown calibration"),
                       qp::Error);
  CHECK(is_gptq_calibration("gptq"));
  CHECK(is_gptq_calibration("gptq-mse"));
  CHECK_FALSE(is_gptq_calibration("mse"));
  CHECK_FALSE(is_gptq_calibration("gptqx"));

  Network net = make_mlp();
  init_parameters(net, 3);
  EngineOptions o;
  o.mode = Mode::WeightOnly;
  o.weights = spec(4, true, 32, "gptq");
  CHECK_THROWS_WITH_AS(make_engine(net, o), doctest::Contains("needs calibration data"), qp::Error);
}

TEST_CASE("gptq: H of each layer from a direct NCHW computation of its inputs") {
  // conv 2→3, 3×3, stride 2, padding 1 on 2×5×5 → ReLU → Flatten (3×3×3, C,H,W order) → Linear 27→4.
  Network net;
  net.input = {2, 5, 5};
  Layer conv;
  conv.kind = LayerKind::Conv2d;
  conv.name = "conv";
  conv.in = 2;
  conv.out = 3;
  conv.kernel = 3;
  conv.stride = 2;
  conv.padding = 1;
  net.layers.push_back(conv);
  net.layers.push_back(Layer{});  // ReLU
  Layer flatten;
  flatten.kind = LayerKind::Flatten;
  net.layers.push_back(flatten);
  net.layers.push_back(linear(4, 27, 0));
  init_parameters(net, 7);
  const size_t samples = 5;
  const std::vector<float> x = gaussian(samples * 50, 61);
  const InputHessians hs = collect_input_hessians(net, x.data(), samples);
  REQUIRE(hs.size() == 2);

  const Layer& c = net.layers[0];
  std::vector<double> hc(18 * 18, 0.0), hl(27 * 27, 0.0);
  for (size_t s = 0; s < samples; ++s) {
    const float* img = x.data() + s * 50;
    std::vector<double> flat(27);
    for (size_t oy = 0; oy < 3; ++oy)
      for (size_t ox = 0; ox < 3; ++ox) {
        std::vector<double> row(18, 0.0);  // PyTorch order: (channel, ky, kx)
        for (size_t ch = 0; ch < 2; ++ch)
          for (size_t ky = 0; ky < 3; ++ky)
            for (size_t kx = 0; kx < 3; ++kx) {
              const long iy = long(oy * 2 + ky) - 1, ix = long(ox * 2 + kx) - 1;
              if (iy >= 0 && iy < 5 && ix >= 0 && ix < 5) row[(ch * 3 + ky) * 3 + kx] = img[(ch * 5 + iy) * 5 + ix];
            }
        for (size_t a = 0; a < 18; ++a)
          for (size_t b = 0; b < 18; ++b) hc[a * 18 + b] += 2.0 * row[a] * row[b] / samples;
        for (size_t o = 0; o < 3; ++o) {
          double y = c.bias[o];
          for (size_t k = 0; k < 18; ++k) y += double(c.weight[o * 18 + k]) * row[k];
          flat[(o * 3 + oy) * 3 + ox] = std::max(0.0, y);
        }
      }
    for (size_t a = 0; a < 27; ++a)
      for (size_t b = 0; b < 27; ++b) hl[a * 27 + b] += 2.0 * flat[a] * flat[b] / samples;
  }
  auto close = [](const std::vector<double>& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    double scale = 0, worst = 0;
    for (double v : want) scale = std::max(scale, std::abs(v));
    for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
    CAPTURE(worst);
    CHECK(worst <= 1e-5 * scale);
  };
  close(hs[0], hc);
  close(hs[1], hl);
}
