// The inference engines against plain references written here from the formulas: a direct NCHW
// float forward pass (no im2col, no NHWC, no packing), and for the integer modes a scalar
// pipeline spelled out step by step.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "core/error.h"
#include "io/safetensors.h"
#include "kernels/gemm_q8_relaxed.h"
#include "kernels/requantize.h"
#include "nn/engine.h"
#include "nn/evaluate.h"
#include "nn/network.h"
#include "nn/weight_quant.h"
#include "quant/qparams.h"
#include "quant/quantize.h"

using namespace qp;
using namespace qp::nn;

namespace {

std::vector<float> random_inputs(size_t n, uint32_t seed, float lo = 0.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::vector<float> x(n);
  for (float& v : x) v = lo + (hi - lo) * static_cast<float>(rng() >> 8) / 16777216.0f;
  return x;
}

// Direct NCHW forward of one sample in double.
std::vector<double> reference_forward(const Network& net, const float* x) {
  std::vector<double> a(x, x + net.input.size());
  ActShape s = net.input;
  for (const Layer& l : net.layers) {
    std::vector<double> o;
    ActShape t = s;
    switch (l.kind) {
      case LayerKind::Linear:
        t = {l.out, 1, 1};
        o.assign(l.out, 0.0);
        for (size_t j = 0; j < l.out; ++j) {
          double acc = l.bias[j];
          for (size_t i = 0; i < l.in; ++i) acc += double(l.weight[j * l.in + i]) * a[i];
          o[j] = acc;
        }
        break;
      case LayerKind::Conv2d: {
        const size_t k = l.kernel, ho = (s.h + 2 * l.padding - k) / l.stride + 1, wo = (s.w + 2 * l.padding - k) / l.stride + 1;
        t = {l.out, ho, wo};
        o.assign(t.size(), 0.0);
        for (size_t oc = 0; oc < l.out; ++oc)
          for (size_t y = 0; y < ho; ++y)
            for (size_t xx = 0; xx < wo; ++xx) {
              double acc = l.bias[oc];
              for (size_t c = 0; c < l.in; ++c)
                for (size_t ky = 0; ky < k; ++ky)
                  for (size_t kx = 0; kx < k; ++kx) {
                    const long iy = long(y * l.stride + ky) - long(l.padding), ix = long(xx * l.stride + kx) - long(l.padding);
                    if (iy < 0 || ix < 0 || iy >= long(s.h) || ix >= long(s.w)) continue;
                    acc += double(l.weight[((oc * l.in + c) * k + ky) * k + kx]) * a[(c * s.h + iy) * s.w + ix];
                  }
              o[(oc * ho + y) * wo + xx] = acc;
            }
        break;
      }
      case LayerKind::Relu:
        o = a;
        for (double& v : o) v = std::max(v, 0.0);
        break;
      case LayerKind::MaxPool2d:
      case LayerKind::AvgPool2d: {
        const size_t k = l.kernel, ho = (s.h - k) / l.stride + 1, wo = (s.w - k) / l.stride + 1;
        t = {s.c, ho, wo};
        o.assign(t.size(), 0.0);
        for (size_t c = 0; c < s.c; ++c)
          for (size_t y = 0; y < ho; ++y)
            for (size_t xx = 0; xx < wo; ++xx) {
              double m = -1e300, sum = 0;
              for (size_t ky = 0; ky < k; ++ky)
                for (size_t kx = 0; kx < k; ++kx) {
                  const double v = a[(c * s.h + y * l.stride + ky) * s.w + xx * l.stride + kx];
                  m = std::max(m, v);
                  sum += v;
                }
              o[(c * ho + y) * wo + xx] = l.kind == LayerKind::MaxPool2d ? m : sum / double(k * k);
            }
        break;
      }
      case LayerKind::GlobalAvgPool:
        t = {s.c, 1, 1};
        o.assign(s.c, 0.0);
        for (size_t c = 0; c < s.c; ++c) {
          for (size_t p = 0; p < s.h * s.w; ++p) o[c] += a[c * s.h * s.w + p];
          o[c] /= double(s.h * s.w);
        }
        break;
      case LayerKind::Flatten:
        o = a;
        t = {s.size(), 1, 1};
        break;
    }
    a.swap(o);
    s = t;
  }
  return a;
}

Network odd_cnn() {
  // Odd sizes everywhere: 3 input channels, a stride-2 conv without padding, an average pool,
  // a flatten of a 5-channel map, and a final global-average-pool-free linear.
  Network n;
  n.input = {3, 11, 9};
  Layer c1;
  c1.kind = LayerKind::Conv2d; c1.name = "c1"; c1.in = 3; c1.out = 7; c1.kernel = 3; c1.stride = 1; c1.padding = 1;
  Layer r; r.kind = LayerKind::Relu;
  Layer p; p.kind = LayerKind::AvgPool2d; p.kernel = 2; p.stride = 2;
  Layer c2;
  c2.kind = LayerKind::Conv2d; c2.name = "c2"; c2.in = 7; c2.out = 5; c2.kernel = 2; c2.stride = 1; c2.padding = 0;
  Layer m; m.kind = LayerKind::MaxPool2d; m.kernel = 2; m.stride = 1;
  Layer f; f.kind = LayerKind::Flatten;
  Layer fc; fc.kind = LayerKind::Linear; fc.name = "fc"; fc.in = 5 * 3 * 2; fc.out = 4;
  n.layers = {c1, r, p, c2, r, m, f, fc};
  init_parameters(n, 7);
  return n;
}

void check_float_engine(const Network& net, size_t batch, uint32_t seed) {
  const auto x = random_inputs(batch * net.input.size(), seed);
  auto engine = make_engine(net, {});
  std::vector<float> logits(batch * engine->num_classes());
  engine->forward(x.data(), batch, logits.data());
  for (size_t b = 0; b < batch; ++b) {
    const auto ref = reference_forward(net, x.data() + b * net.input.size());
    for (size_t j = 0; j < ref.size(); ++j) {
      INFO(net.name, " sample ", b, " logit ", j);
      CHECK(double(logits[b * ref.size() + j]) == doctest::Approx(ref[j]).epsilon(1e-4).scale(1.0));
    }
  }
}

}  // namespace

TEST_CASE("nn engine: float equals a direct NCHW forward (MLP, CNN, odd shapes and pools)") {
  Network mlp = make_mlp();
  init_parameters(mlp, 1);
  Network cnn = make_cnn();
  init_parameters(cnn, 2);
  for (size_t batch : {1, 3, 17}) {
    check_float_engine(mlp, batch, 10 + uint32_t(batch));
    check_float_engine(cnn, batch, 20 + uint32_t(batch));
    check_float_engine(odd_cnn(), batch, 30 + uint32_t(batch));
  }
  Network gap = odd_cnn();
  gap.layers.resize(5);  // c1 relu pool c2 relu → 5×4×3 map
  Layer g; g.kind = LayerKind::GlobalAvgPool;
  gap.layers.push_back(g);
  check_float_engine(gap, 4, 99);
  Network flat_end = odd_cnn();
  flat_end.layers.resize(7);  // ends in the Flatten of a 5×3×2 map: logits in C,H,W order
  check_float_engine(flat_end, 3, 98);
}

TEST_CASE("nn engine: static int8 equals the pipeline written from the formulas (both requantizations)") {
  // MLP 12-9-5 with a ReLU: quantize the input, Σ(x_q − Z_x)·w_q, + q_b, fixed-point requantize
  // to the next layer's grid, clamp, and dequantize the last accumulators.
  Network net;
  net.input = {12, 1, 1};
  Layer a; a.kind = LayerKind::Linear; a.name = "a"; a.in = 12; a.out = 9;
  Layer r; r.kind = LayerKind::Relu;
  Layer b; b.kind = LayerKind::Linear; b.name = "b"; b.in = 9; b.out = 5;
  net.layers = {a, r, b};
  init_parameters(net, 5);
  const size_t batch = 6;
  const auto x = random_inputs(batch * 12, 77, -1.0f, 2.0f);
  EngineOptions opt;
  opt.mode = Mode::Static;
  opt.activation_ranges = {{-1.0f, 2.0f}, {0.0f, 1.3f}};
  for (Requantization requant : {Requantization::FixedPoint, Requantization::Float}) {
  CAPTURE(requantization_name(requant));
  opt.requantization = requant;
  auto engine = make_engine(net, opt);
  std::vector<float> logits(batch * 5);
  engine->forward(x.data(), batch, logits.data());

  const IntRange u8{0, 255};
  const QParams in = choose_qparams(-1.0f, 2.0f, u8, Scheme::Affine, NumericsMode::PyTorch, 8);
  const QParams mid = choose_qparams(0.0f, 1.3f, u8, Scheme::Affine, NumericsMode::PyTorch, 8);
  const QuantizedWeights wa = quantize_layer_weights(net.layers[0], {});
  const QuantizedWeights wb = quantize_layer_weights(net.layers[2], {});
  for (size_t s = 0; s < batch; ++s) {
    std::vector<uint8_t> xq(12);
    quantize_values(x.data() + s * 12, 12, in, u8, NumericsMode::PyTorch, xq.data());
    std::vector<int32_t> h(9);
    for (size_t j = 0; j < 9; ++j) {
      int64_t acc = 0;
      for (size_t i = 0; i < 12; ++i) acc += int64_t(xq[i] - in.zero_point) * wa.codes[j * 12 + i];
      const float bs = in.scale * wa.scales[j];
      const int32_t qb = int32_t(std::nearbyint(double(net.layers[0].bias[j] / bs)));
      int32_t y;
      if (requant == Requantization::FixedPoint) {  // gemmlowp / TFLite
        const auto m = kernels::quantize_multiplier(double(bs) / mid.scale);
        y = kernels::multiply_by_quantized_multiplier(int32_t(acc) + qb, m) + mid.zero_point;
      } else {  // ONNX Runtime: float multiplier, half to even, zero point added in float
        const float v = std::nearbyint(float(int32_t(acc) + qb) * (bs / mid.scale)) + float(mid.zero_point);
        y = int32_t(std::clamp(v, 0.0f, 255.0f));
      }
      y = std::clamp(y, 0, 255);
      h[j] = std::max(y, mid.zero_point);  // ReLU on codes
    }
    for (size_t j = 0; j < 5; ++j) {
      int64_t acc = 0;
      for (size_t i = 0; i < 9; ++i) acc += int64_t(h[i] - mid.zero_point) * wb.codes[j * 9 + i];
      const float bs = mid.scale * wb.scales[j];
      const int32_t qb = int32_t(std::nearbyint(double(net.layers[2].bias[j] / bs)));
      INFO("sample ", s, " logit ", j);
      CHECK(logits[s * 5 + j] == float(int32_t(acc) + qb) * bs);
    }
  }
  }
}

TEST_CASE("nn engine: quantized modes stay close to float; per-row dynamic equals one row at a time") {
  Network cnn = make_cnn();
  init_parameters(cnn, 3);
  const size_t batch = 8;
  const auto x = random_inputs(batch * 784, 3);
  const auto ranges = calibrate_activations(cnn, x.data(), batch, parse_calibration("minmax"));
  REQUIRE(ranges.size() == 3);
  std::vector<float> ref(batch * 10);
  make_engine(cnn, {})->forward(x.data(), batch, ref.data());
  double ref_norm = 0;
  for (float v : ref) ref_norm = std::max(ref_norm, double(std::fabs(v)));
  for (Mode mode : {Mode::WeightOnly, Mode::Dynamic, Mode::Static}) {
    EngineOptions opt;
    opt.mode = mode;
    opt.activation_ranges = ranges;
    std::vector<float> out(batch * 10);
    make_engine(cnn, opt)->forward(x.data(), batch, out.data());
    double worst = 0;
    for (size_t i = 0; i < out.size(); ++i) worst = std::max(worst, double(std::fabs(out[i] - ref[i])));
    INFO(mode_name(mode), ": worst logit error ", worst, " of max |logit| ", ref_norm);
    CHECK(worst < 0.05 * ref_norm);
    CHECK(worst > 0);  // it did quantize
  }
  Network mlp = make_mlp();
  init_parameters(mlp, 4);
  EngineOptions per_row;
  per_row.mode = Mode::Dynamic;
  per_row.dynamic_per_row = true;
  auto engine = make_engine(mlp, per_row);
  std::vector<float> together(batch * 10), alone(10);
  engine->forward(x.data(), batch, together.data());
  EngineOptions per_batch = per_row;
  per_batch.dynamic_per_row = false;
  auto single = make_engine(mlp, per_batch);
  for (size_t s = 0; s < batch; ++s) {
    single->forward(x.data() + s * 784, 1, alone.data());
    for (size_t j = 0; j < 10; ++j) CHECK(together[s * 10 + j] == alone[j]);
  }
}

namespace {
// The u8 emulation with every group sum off by one: proof that an engine built while it is
// installed really runs the relaxed kernels.
void off_by_one_group(uint32_t blocks, const int8_t* a, const int8_t* panel, int32_t* out) {
  kernels::relaxed_kernels_emulated_u8().micro_group(blocks, a, panel, out);
  for (size_t i = 0; i < kernels::kRelaxedU8MicroRows * 8; ++i) out[i] += 1;
}
}  // namespace

TEST_CASE("nn engine: the integer modes give the same logits on the relaxed-SIMD kernels (both sets)") {
  // In a browser with relaxed SIMD the integer steps run gemm_q8_relaxed; here its portable
  // emulations stand in for the WAT kernels. Exact int32 sums either way: identical logits.
  // int8 weights (full range: the i7 set falls back to SIMD128, the u8 set takes one dot) and
  // int4 weights (span ≤ 15: one dot in both sets); per-batch and per-row dynamic; static.
  Network cnn = make_cnn();
  init_parameters(cnn, 9);
  Network mlp = make_mlp();
  init_parameters(mlp, 10);
  const size_t batch = 5;
  const auto x = random_inputs(batch * 784, 21);
  for (Network* net : {&cnn, &mlp}) {
    const auto ranges = calibrate_activations(*net, x.data(), batch, parse_calibration("minmax"));
    for (int bits : {8, 4}) {
      for (int variant = 0; variant < 3; ++variant) {
        EngineOptions opt;
        opt.mode = variant == 2 ? Mode::Static : Mode::Dynamic;
        opt.dynamic_per_row = variant == 1;
        opt.weights.bits = bits;
        opt.activation_ranges = ranges;
        CAPTURE(bits);
        CAPTURE(variant);
        kernels::uninstall_relaxed_kernels();
        std::vector<float> plain(batch * 10), on_u8(batch * 10), on_i7(batch * 10);
        make_engine(*net, opt)->forward(x.data(), batch, plain.data());
        kernels::install_relaxed_kernels(kernels::relaxed_kernels_emulated_u8());
        make_engine(*net, opt)->forward(x.data(), batch, on_u8.data());
        kernels::install_relaxed_kernels(kernels::relaxed_kernels_emulated());
        make_engine(*net, opt)->forward(x.data(), batch, on_i7.data());
        kernels::uninstall_relaxed_kernels();
        CHECK(on_u8 == plain);
        CHECK(on_i7 == plain);
      }
    }
  }
  kernels::RelaxedKernels broken = kernels::relaxed_kernels_emulated_u8();
  broken.micro_group = off_by_one_group;
  EngineOptions opt;
  opt.mode = Mode::Dynamic;
  std::vector<float> plain(batch * 10), wrong(batch * 10);
  make_engine(cnn, opt)->forward(x.data(), batch, plain.data());
  kernels::install_relaxed_kernels(broken);
  make_engine(cnn, opt)->forward(x.data(), batch, wrong.data());
  kernels::uninstall_relaxed_kernels();
  CHECK(wrong != plain);
}

TEST_CASE("nn engine: mixed precision, sizes and refusals") {
  Network mlp = make_mlp();
  init_parameters(mlp, 6);
  const size_t float_bytes = 4 * mlp.parameter_count();
  CHECK(make_engine(mlp, {})->model_bytes() == float_bytes);
  EngineOptions wo;
  wo.mode = Mode::WeightOnly;
  wo.weights.bits = 4;
  wo.weights.group_size = 32;
  const size_t w4 = make_engine(mlp, wo)->model_bytes();
  // 4-bit codes + one fp32 scale per 32 weights + fp32 biases
  const size_t weights = 784 * 256 + 256 * 128 + 128 * 10, biases = 256 + 128 + 10;
  const size_t groups = 256 * (784 / 32 + 1) + 128 * (256 / 32) + 10 * (128 / 32);
  CHECK(w4 == weights / 2 + 4 * groups + 4 * biases);
  EngineOptions affine = wo;
  affine.weights.affine = true;  // + a 4-bit zero point per group
  CHECK(make_engine(mlp, affine)->model_bytes() == weights / 2 + groups / 2 + 4 * groups + 4 * biases);
  wo.layer_bits = {4, 0, 8};
  CHECK(make_engine(mlp, wo)->model_bytes() ==
        (784 * 256 / 2 + 4 * 256 * 25) + 4 * (256 * 128) + (128 * 10 + 4 * 10 * 4) + 4 * biases);

  EngineOptions bad;
  bad.mode = Mode::Static;
  CHECK_THROWS_WITH_AS(make_engine(mlp, bad), doctest::Contains("calibrate first"), qp::Error);
  bad.mode = Mode::Dynamic;
  bad.weights.group_size = 32;
  CHECK_THROWS_WITH_AS(make_engine(mlp, bad), doctest::Contains("weight-only"), qp::Error);
  bad.weights.group_size = 0;
  bad.weights.affine = true;
  CHECK_THROWS_WITH_AS(make_engine(mlp, bad), doctest::Contains("affine weights are for weight-only"), qp::Error);
  bad.weights.affine = false;
  bad.layer_bits = {8, 8};
  CHECK_THROWS_WITH_AS(make_engine(mlp, bad), doctest::Contains("3 weighted layers"), qp::Error);
  bad.layer_bits = {};
  bad.weights.bits = 9;
  CHECK_THROWS_AS(make_engine(mlp, bad), qp::Error);
  CHECK_THROWS_WITH_AS(parse_mode("int3"), doctest::Contains("weight-only"), qp::Error);

  auto engine = make_engine(mlp, {});
  std::vector<float> x(784, 0.5f), logits(10);
  x[3] = NAN;
  CHECK_THROWS_WITH_AS(engine->forward(x.data(), 1, logits.data()), doctest::Contains("NaN"), qp::Error);
}

TEST_CASE("nn network: encode / decode round trip and a plain state dict read as an MLP") {
  Network cnn = make_cnn();
  init_parameters(cnn, 8);
  const auto bytes = encode_network(cnn, {{"recipe", "test"}});
  const Network back = decode_network(bytes, "cnn.safetensors");
  REQUIRE(back.layers.size() == cnn.layers.size());
  for (size_t i = 0; i < cnn.layers.size(); ++i) {
    CHECK(back.layers[i].kind == cnn.layers[i].kind);
    CHECK(back.layers[i].weight == cnn.layers[i].weight);
    CHECK(back.layers[i].bias == cnn.layers[i].bias);
  }
  CHECK(back.input == cnn.input);

  // Without qp.architecture: the MLP is inferred from the 2-D weights.
  Network mlp = make_mlp();
  init_parameters(mlp, 9);
  std::vector<io::SafetensorsTensor> plain;
  for (const Layer& l : mlp.layers) {
    if (!l.has_weights()) continue;
    io::SafetensorsTensor w{l.name + ".weight", io::DType::F32, {int64_t(l.out), int64_t(l.in)}, {}};
    w.bytes.resize(l.weight.size() * 4);
    std::memcpy(w.bytes.data(), l.weight.data(), w.bytes.size());
    io::SafetensorsTensor b{l.name + ".bias", io::DType::F32, {int64_t(l.out)}, {}};
    b.bytes.resize(l.bias.size() * 4);
    std::memcpy(b.bytes.data(), l.bias.data(), b.bytes.size());
    plain.push_back(w);
    plain.push_back(b);
  }
  const Network inferred = decode_network(io::encode_safetensors(plain, {}), "plain.safetensors");
  CHECK(inferred.input == ActShape{1, 28, 28});
  CHECK(inferred.layers.size() == mlp.layers.size());
  const auto x = random_inputs(784 * 2, 5);
  std::vector<float> a(20), b(20);
  make_engine(mlp, {})->forward(x.data(), 2, a.data());
  make_engine(inferred, {})->forward(x.data(), 2, b.data());
  CHECK(a == b);

  std::vector<io::SafetensorsTensor> swapped = plain;
  std::swap(swapped[0], swapped[2]);  // fc2 before fc1: 128 outputs cannot feed 784 inputs
  std::swap(swapped[1], swapped[3]);
  CHECK_THROWS_WITH_AS(decode_network(io::encode_safetensors(swapped, {}), "x.safetensors"),
                       doctest::Contains("do not form an MLP chain"), qp::Error);
  plain.pop_back();  // drop the last bias
  CHECK_THROWS_WITH_AS(decode_network(io::encode_safetensors(plain, {}), "x.safetensors"),
                       doctest::Contains("fc3.bias"), qp::Error);
}

TEST_CASE("nn evaluate: accuracy, confusion matrix, argmax ties") {
  const Accuracy a = score({0, 1, 1, 2}, {0, 1, 2, 2}, 3);
  CHECK(a.correct == 3);
  CHECK(a.accuracy == 0.75);
  CHECK(a.confusion[2 * 3 + 1] == 1);
  CHECK_THROWS_WITH_AS(score({0}, {5}, 3), doctest::Contains("label 5"), qp::Error);
  CHECK_THROWS_AS(score({0}, {}, 3), qp::Error);
}

TEST_CASE("nn weights: a calibrator other than min/max chooses each unit's clip range") {
  Network mlp = make_mlp();
  init_parameters(mlp, 9);
  Layer& layer = *std::find_if(mlp.layers.begin(), mlp.layers.end(), [](const Layer& l) { return l.has_weights(); });
  // A few large weights, as trained layers have: min/max stretches their groups' grids for them.
  for (size_t i = 0; i < layer.weight.size(); i += 97) layer.weight[i] *= 8.0f;
  WeightQuantSpec minmax;
  minmax.bits = 4;
  minmax.group_size = 32;
  minmax.affine = true;
  WeightQuantSpec mse = minmax;
  mse.calibration = "mse";
  const QuantizedWeights a = quantize_layer_weights(layer, minmax), b = quantize_layer_weights(layer, mse);
  REQUIRE(a.scales.size() == b.scales.size());
  CHECK(a.storage_bytes == b.storage_bytes);  // same layout: only the ranges differ
  // Per group of 32 along fan-in: the MSE calibrator never does worse than min/max (ratio 1 is
  // one of its candidates), and somewhere it does strictly better.
  const size_t fan_in = layer.fan_in();
  double total_a = 0, total_b = 0;
  size_t better = 0;
  for (size_t o = 0; o < layer.out; ++o)
    for (size_t g0 = 0; g0 < fan_in; g0 += 32) {
      double ea = 0, eb = 0;
      for (size_t k = g0; k < std::min(fan_in, g0 + 32); ++k) {
        const size_t i = o * fan_in + k;
        ea += std::pow(double(layer.weight[i]) - a.dequantized[i], 2);
        eb += std::pow(double(layer.weight[i]) - b.dequantized[i], 2);
      }
      CHECK(eb <= ea * (1 + 1e-9));
      better += eb < ea;
      total_a += ea;
      total_b += eb;
    }
  CHECK(better > 0);
  CHECK(total_b < total_a);
  // Codes and scales reconstruct what the engine uses: dequantized = (code − zero point)·scale
  // is checked by the engine tests; here the codes must stay on the 4-bit grid.
  for (int8_t c : b.codes) CHECK((c >= -8 && c <= 7));

  WeightQuantSpec bad = minmax;
  bad.calibration = "median";
  CHECK_THROWS_WITH_AS(quantize_layer_weights(layer, bad), doctest::Contains("unknown calibration"), qp::Error);
}
