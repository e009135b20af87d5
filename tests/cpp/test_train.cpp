// The trainer (src/nn/train*.h): every layer's backward pass against finite differences, the
// loss gradient, fake-quantization numerics, determinism from a seed, and short runs on real
// Fashion-MNIST images (float training and QAT).
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/error.h"
#include "nn/dataset_idx.h"
#include "nn/engine.h"
#include "nn/network.h"
#include "nn/train.h"
#include "nn/train_fake_quant.h"
#include "nn/train_layers.h"
#include "nn/train_math.h"
#include "nn/weight_quant.h"
#include "oracle.h"
#include "test_inflater.h"

using namespace qp::nn;

namespace {

// Test-local values from a seeded generator, uniform in [lo, hi).
std::vector<float> uniform(size_t n, uint64_t seed, float lo, float hi) {
  TrainRng rng(seed);
  std::vector<float> v(n);
  for (float& x : v) x = lo + (hi - lo) * static_cast<float>((rng.next() >> 40) * (1.0 / 16777216.0));
  return v;
}

// Values that keep every ReLU and max-pool decision away from its kink by more than the
// finite-difference step: distinct multiples of 0.05 (shuffled), none of them 0.
std::vector<float> separated(size_t n, uint64_t seed) {
  std::vector<uint32_t> idx(n);
  for (size_t i = 0; i < n; ++i) idx[i] = static_cast<uint32_t>(i);
  TrainRng rng(seed);
  rng.shuffle(idx.data(), n);
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = 0.05f * (static_cast<float>(idx[i]) - static_cast<float>(n) / 2.0f + 0.5f);
  return v;
}

struct LayerCase {
  Layer layer;
  ActShape in, out;
};

// L = Σ r·y in double. Every layer here is piecewise linear in x and in its parameters, and no
// kink lies within h of the test point, so the central difference is exact up to float rounding
// of y (about 1e-7·|y| per element, divided by 2h = 2e-2): a tolerance of 2e-3 absolute plus 1e-3
// relative leaves ample room, while any wrong index or factor gives errors of order 1.
double projected(const LayerCase& c, const std::vector<float>& w, size_t batch, const std::vector<float>& x,
                 const std::vector<float>& r) {
  std::vector<float> y(batch * c.out.size());
  LayerScratch s;
  forward_layer(c.layer, w.data(), c.in, c.out, batch, x.data(), y.data(), s);
  double sum = 0;
  for (size_t i = 0; i < y.size(); ++i) sum += static_cast<double>(r[i]) * y[i];
  return sum;
}

void check_close(double analytic, double numeric, const std::string& what) {
  INFO(what << ": analytic " << analytic << ", finite difference " << numeric);
  CHECK(std::fabs(analytic - numeric) <= 2e-3 + 1e-3 * std::fabs(numeric));
}

void gradient_check(LayerCase c, size_t batch, std::vector<float> x) {
  const float h = 1e-2f;
  if (c.layer.has_weights()) {
    c.layer.weight = uniform(c.layer.out * c.layer.fan_in(), 11, -0.5f, 0.5f);
    c.layer.bias = uniform(c.layer.out, 12, -0.5f, 0.5f);
  }
  const std::vector<float> r = uniform(batch * c.out.size(), 13, -1.0f, 1.0f);
  std::vector<float> y(r.size()), dx(x.size()), dw(c.layer.weight.size()), db(c.layer.bias.size());
  LayerScratch s;
  forward_layer(c.layer, c.layer.weight.data(), c.in, c.out, batch, x.data(), y.data(), s);
  backward_layer(c.layer, c.layer.weight.data(), c.in, c.out, batch, x.data(), y.data(), r.data(), dx.data(),
                 dw.data(), db.data(), s);
  const std::string name = layer_kind_name(c.layer.kind);
  for (size_t i = 0; i < x.size(); ++i) {
    std::vector<float> xp = x, xm = x;
    xp[i] += h;
    xm[i] -= h;
    const double num = (projected(c, c.layer.weight, batch, xp, r) - projected(c, c.layer.weight, batch, xm, r)) / (2 * h);
    check_close(dx[i], num, name + " dx[" + std::to_string(i) + "]");
  }
  for (size_t i = 0; i < dw.size(); ++i) {
    std::vector<float> wp = c.layer.weight, wm = c.layer.weight;
    wp[i] += h;
    wm[i] -= h;
    const double num = (projected(c, wp, batch, x, r) - projected(c, wm, batch, x, r)) / (2 * h);
    check_close(dw[i], num, name + " dw[" + std::to_string(i) + "]");
  }
  for (size_t i = 0; i < db.size(); ++i) {
    LayerCase cp = c, cm = c;
    cp.layer.bias[i] += h;
    cm.layer.bias[i] -= h;
    const double num = (projected(cp, c.layer.weight, batch, x, r) - projected(cm, c.layer.weight, batch, x, r)) / (2 * h);
    check_close(db[i], num, name + " db[" + std::to_string(i) + "]");
  }
}

Layer make_layer(LayerKind kind, size_t in, size_t out, size_t kernel = 0, size_t stride = 1, size_t padding = 0) {
  Layer l;
  l.kind = kind;
  l.name = "t";
  l.in = in;
  l.out = out;
  l.kernel = kernel;
  l.stride = stride;
  l.padding = padding;
  return l;
}

const std::string kData = "/usr/share/datasets/fashion-mnist/";

// The 10 000-image test file only (4 MB compressed; the 60 000-image training file would take
// 190 MB as floats in the WebAssembly test build): disjoint slices of it serve as training and
// held-out sets here.
const Dataset& fashion_t10k() {
  static const Dataset d = dataset_from_idx(qp::test::read_file(kData + "t10k-images-idx3-ubyte.gz"),
                                            qp::test::read_file(kData + "t10k-labels-idx1-ubyte.gz"),
                                            qp::test::inflater());
  return d;
}
Dataset fashion_train() { return fashion_t10k().slice(0, 5000); }
Dataset fashion_test() { return fashion_t10k().slice(5000, 5000); }

bool same_bits(const Network& a, const Network& b) {
  for (size_t i = 0; i < a.layers.size(); ++i) {
    const Layer &la = a.layers[i], &lb = b.layers[i];
    if (la.weight.size() != lb.weight.size() || la.bias.size() != lb.bias.size()) return false;
    if (std::memcmp(la.weight.data(), lb.weight.data(), la.weight.size() * 4) != 0) return false;
    if (std::memcmp(la.bias.data(), lb.bias.data(), la.bias.size() * 4) != 0) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("train: every layer's backward pass matches finite differences") {
  SUBCASE("Linear") { gradient_check({make_layer(LayerKind::Linear, 7, 5), {7, 1, 1}, {5, 1, 1}}, 3, uniform(21, 1, -1, 1)); }
  SUBCASE("Conv2d 3×3 pad 1") {
    gradient_check({make_layer(LayerKind::Conv2d, 2, 3, 3, 1, 1), {2, 5, 4}, {3, 5, 4}}, 2, uniform(80, 2, -1, 1));
  }
  SUBCASE("Conv2d 3×3 stride 2, no padding") {
    gradient_check({make_layer(LayerKind::Conv2d, 2, 2, 3, 2, 0), {2, 7, 5}, {2, 3, 2}}, 2, uniform(140, 3, -1, 1));
  }
  SUBCASE("ReLU") { gradient_check({make_layer(LayerKind::Relu, 0, 0), {3, 2, 2}, {3, 2, 2}}, 2, separated(24, 4)); }
  SUBCASE("MaxPool2d 2/2") {
    gradient_check({make_layer(LayerKind::MaxPool2d, 0, 0, 2, 2), {2, 4, 5}, {2, 2, 2}}, 2, separated(80, 5));
  }
  SUBCASE("MaxPool2d 3/2 (overlapping windows)") {
    gradient_check({make_layer(LayerKind::MaxPool2d, 0, 0, 3, 2), {1, 5, 5}, {1, 2, 2}}, 2, separated(50, 6));
  }
  SUBCASE("AvgPool2d 3/2") {
    gradient_check({make_layer(LayerKind::AvgPool2d, 0, 0, 3, 2), {2, 5, 6}, {2, 2, 2}}, 2, uniform(120, 7, -1, 1));
  }
  SUBCASE("GlobalAvgPool") {
    gradient_check({make_layer(LayerKind::GlobalAvgPool, 0, 0), {3, 3, 2}, {3, 1, 1}}, 2, uniform(36, 8, -1, 1));
  }
  SUBCASE("Flatten") { gradient_check({make_layer(LayerKind::Flatten, 0, 0), {2, 2, 3}, {12, 1, 1}}, 2, uniform(24, 9, -1, 1)); }
}

TEST_CASE("train: the output shapes the layer code assumes are the network's") {
  // The gradient checks above give shapes by hand; make sure they are the ones Network computes.
  Network net;
  net.input = {2, 7, 5};
  net.layers = {make_layer(LayerKind::Conv2d, 2, 2, 3, 2, 0)};
  net.layers[0].weight.resize(2 * 18);
  net.layers[0].bias.resize(2);
  CHECK(net.shapes()[0] == ActShape{2, 3, 2});
  net.input = {1, 5, 5};
  net.layers = {make_layer(LayerKind::MaxPool2d, 0, 0, 3, 2)};
  CHECK(net.shapes()[0] == ActShape{1, 2, 2});
  net.input = {2, 5, 6};
  net.layers = {make_layer(LayerKind::AvgPool2d, 0, 0, 3, 2)};
  CHECK(net.shapes()[0] == ActShape{2, 2, 2});
}

TEST_CASE("train: softmax cross-entropy and its gradient") {
  const std::vector<float> z = {1.0f, -2.0f, 0.5f, 3.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  const std::vector<int32_t> labels = {3, 1};
  std::vector<float> g(8);
  const double loss = softmax_cross_entropy(z.data(), labels.data(), 2, 4, g.data());
  // Written out: row 0 = log(e^1 + e^-2 + e^0.5 + e^3) − 3, row 1 = log 4.
  const double row0 = std::log(std::exp(1.0) + std::exp(-2.0) + std::exp(0.5) + std::exp(3.0)) - 3.0;
  CHECK(loss == doctest::Approx((row0 + std::log(4.0)) / 2).epsilon(1e-12));
  CHECK(g[5] == doctest::Approx(-0.375).epsilon(1e-6));  // row 1, its label: (1/4 − 1) / 2
  CHECK(g[4] == doctest::Approx(0.125).epsilon(1e-6));   // row 1, another class: (1/4) / 2
  for (size_t i = 0; i < 8; ++i) {  // finite differences of the loss itself
    std::vector<float> zp = z, zm = z;
    zp[i] += 1e-2f;
    zm[i] -= 1e-2f;
    const double num = (softmax_cross_entropy(zp.data(), labels.data(), 2, 4, nullptr) -
                        softmax_cross_entropy(zm.data(), labels.data(), 2, 4, nullptr)) / 2e-2;
    CHECK(g[i] == doctest::Approx(num).epsilon(1e-3).scale(1e-3));
  }
}

TEST_CASE("train: distilled cross-entropy (soft targets from a teacher's logits)") {
  const std::vector<float> z = {1.0f, -2.0f, 0.5f, 3.0f, 0.0f, 0.0f, 0.0f, 0.0f};
  const std::vector<float> teacher = {0.0f, 0.0f, 2.0f, 2.0f, -1.0f, 1.0f, 0.0f, 0.5f};
  const std::vector<int32_t> labels = {3, 1};
  std::vector<float> g(8), g_plain(8);
  // alpha = 0: the plain loss and gradient.
  const double plain = softmax_cross_entropy(z.data(), labels.data(), 2, 4, g_plain.data());
  CHECK(softmax_cross_entropy_distilled(z.data(), labels.data(), teacher.data(), 0.0f, 2, 4, g.data()) ==
        doctest::Approx(plain).epsilon(1e-12));
  for (size_t i = 0; i < 8; ++i) CHECK(g[i] == doctest::Approx(g_plain[i]).epsilon(1e-6));
  // alpha = 1 and the teacher equal to the student: the targets are the student's own
  // probabilities, so the gradient vanishes and the loss is the entropy.
  CHECK(softmax_cross_entropy_distilled(z.data(), labels.data(), z.data(), 1.0f, 2, 4, g.data()) > 0);
  for (float v : g) CHECK(v == doctest::Approx(0.0).scale(1e-7));
  // alpha = 0.5: row 1 written out (student uniform: softmax = 1/4 each).
  const double ts = std::exp(-1.0) + std::exp(1.0) + 1.0 + std::exp(0.5);
  softmax_cross_entropy_distilled(z.data(), labels.data(), teacher.data(), 0.5f, 2, 4, g.data());
  CHECK(g[5] == doctest::Approx((0.25 - (0.5 + 0.5 * std::exp(1.0) / ts)) / 2).epsilon(1e-6));
  CHECK(g[4] == doctest::Approx((0.25 - 0.5 * std::exp(-1.0) / ts) / 2).epsilon(1e-6));
  for (size_t i = 0; i < 8; ++i) {  // finite differences of the loss itself
    std::vector<float> zp = z, zm = z;
    zp[i] += 1e-2f;
    zm[i] -= 1e-2f;
    const double num = (softmax_cross_entropy_distilled(zp.data(), labels.data(), teacher.data(), 0.5f, 2, 4, nullptr) -
                        softmax_cross_entropy_distilled(zm.data(), labels.data(), teacher.data(), 0.5f, 2, 4, nullptr)) /
                       2e-2;
    CHECK(g[i] == doctest::Approx(num).epsilon(1e-3).scale(1e-3));
  }
}

TEST_CASE("train: portable exp, log and cos agree with libm") {
  for (double x : {-700.0, -50.5, -3.25, -1.0, -0.3, -1e-9, 0.0})
    CHECK(det_exp(x) == doctest::Approx(std::exp(x)).epsilon(1e-14));
  for (double x : {1e-300, 0.001, 0.7, 1.0, 1.5, 10.0, 12345.678})
    CHECK(det_log(x) == doctest::Approx(std::log(x)).epsilon(1e-14).scale(1e-15));
  for (double x : {0.0, 0.1, 1.0, 1.5707963, 2.0, 3.0, kPi}) CHECK(det_cos(x) == doctest::Approx(std::cos(x)).scale(1e-15));
}

TEST_CASE("train: the RNG's shuffle is a permutation and depends on the seed") {
  std::vector<uint32_t> a(1000), b(1000);
  for (uint32_t i = 0; i < 1000; ++i) a[i] = b[i] = i;
  TrainRng(5).shuffle(a.data(), a.size());
  TrainRng(6).shuffle(b.data(), b.size());
  CHECK(a != b);
  std::vector<uint32_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (uint32_t i = 0; i < 1000; ++i) REQUIRE(sorted[i] == i);
  // splitmix64's published first output for seed 0 (Vigna's reference implementation).
  CHECK(TrainRng(0).next() == 0xE220A8397B1DCDAFull);
}

TEST_CASE("train: activation fake quantization (torch FakeQuantize numerics)") {
  ActivationFakeQuant fq(0.01f);
  const std::vector<float> b1 = {0.0f, 2.55f, 1.0f};
  fq.observe(b1.data(), b1.size());
  CHECK(fq.range() == std::make_pair(0.0f, 2.55f));
  // scale = 2.55 / 255 in float, zero point 0.
  const qp::QParams p = fq.qparams();
  CHECK(p.scale == 2.55f / 255.0f);
  CHECK(p.zero_point == 0);
  const std::vector<float> x = {1.234f, 3.0f, -0.1f, 0.004f, 0.006f};
  std::vector<float> y(x.size());
  std::vector<uint8_t> mask(x.size());
  fq.apply(x.data(), x.size(), y.data(), mask.data());
  const float inv = 1.0f / p.scale;
  CHECK(y[0] == std::nearbyint(1.234f * inv) * p.scale);
  CHECK(y[1] == 255.0f * p.scale);  // clipped at the top of the grid: no gradient
  CHECK(y[2] == 0.0f);              // clipped at 0
  CHECK(y[3] == 0.0f);
  CHECK(y[4] == p.scale);
  CHECK(mask == std::vector<uint8_t>{1, 0, 0, 1, 1});
  // The moving average: hi moves by 1% of the gap to the new batch's max.
  const std::vector<float> b2 = {-1.0f, 4.55f};
  fq.observe(b2.data(), b2.size());
  CHECK(fq.range().first == 0.0f + 0.01f * (-1.0f - 0.0f));
  CHECK(fq.range().second == 2.55f + 0.01f * (4.55f - 2.55f));
}

TEST_CASE("train: weight fake quantization per channel, per tensor, per group") {
  const std::vector<float> w = {1.0f, -0.5f, 0.25f, 0.1f, 0.02f, -0.03f, 0.0f, 0.04f};  // 2 × 4
  FakeQuantOptions o;
  o.weight_bits = 4;  // symmetric signed: codes −8..7, scale = max|w| / 7.5
  auto expect_row = [](const float* row, size_t n, float amax, const std::vector<float>& got, size_t off) {
    const float s = amax / 7.5f, inv = 1.0f / s;
    for (size_t i = 0; i < n; ++i) {
      const float q = std::min(7.0f, std::max(-8.0f, std::nearbyint(row[i] * inv)));
      CHECK(got[off + i] == q * s);
    }
  };
  o.granularity = WeightGranularity::PerChannel;
  std::vector<float> got = fake_quantize_weights(w.data(), 2, 4, o);
  expect_row(w.data(), 4, 1.0f, got, 0);
  expect_row(w.data() + 4, 4, 0.04f, got, 4);
  o.granularity = WeightGranularity::PerTensor;
  got = fake_quantize_weights(w.data(), 2, 4, o);
  expect_row(w.data(), 8, 1.0f, got, 0);
  o.granularity = WeightGranularity::PerGroup;
  o.group_size = 2;
  got = fake_quantize_weights(w.data(), 2, 4, o);
  expect_row(w.data(), 2, 1.0f, got, 0);
  expect_row(w.data() + 2, 2, 0.25f, got, 2);
  expect_row(w.data() + 4, 2, 0.03f, got, 4);
  expect_row(w.data() + 6, 2, 0.04f, got, 6);
  o.weight_bits = 9;
  CHECK_THROWS_AS(validate_fake_quant(o), qp::Error);
}

TEST_CASE("train: weight fake quantization with the MSE calibrator is the grid the converted engine uses") {
  // Two channels of 64 weights, each with one outlier: min/max spends the grid on the outlier, the
  // MSE clip search does not. QAT must train on exactly the values the static engine will run.
  std::vector<float> w(2 * 64);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.01f * static_cast<float>(static_cast<int>(i * 37 % 23) - 11);
  w[5] = 1.5f;
  w[64 + 40] = -2.0f;
  FakeQuantOptions o;
  o.weight_bits = 4;
  o.weight_calibration = "mse";
  validate_fake_quant(o);
  const std::vector<float> mse = fake_quantize_weights(w.data(), 2, 64, o);
  qp::nn::Layer layer;
  layer.kind = qp::nn::LayerKind::Linear;
  layer.name = "fc";
  layer.in = 64;
  layer.out = 2;
  layer.weight = w;
  layer.bias.assign(2, 0.0f);
  qp::nn::WeightQuantSpec spec;
  spec.bits = 4;
  spec.calibration = "mse";
  CHECK(mse == qp::nn::quantize_layer_weights(layer, spec).dequantized);
  o.weight_calibration = "minmax";
  const std::vector<float> minmax = fake_quantize_weights(w.data(), 2, 64, o);
  double err_mse = 0, err_minmax = 0;
  for (size_t i = 0; i < w.size(); ++i) {
    err_mse += (mse[i] - w[i]) * (mse[i] - w[i]);
    err_minmax += (minmax[i] - w[i]) * (minmax[i] - w[i]);
  }
  CHECK(err_mse < err_minmax);
  o.weight_calibration = "no-such-calibrator";
  CHECK_THROWS_AS(validate_fake_quant(o), qp::Error);
}

TEST_CASE("train: two runs from one seed give bit-identical weights; another seed does not") {
  const Dataset data = fashion_train().slice(0, 300);
  TrainOptions o;
  o.batch_size = 32;
  o.epochs = 2;
  o.schedule = LrSchedule::Cosine;
  o.hflip = true;
  o.shift = 2;
  o.weight_decay = 1e-4f;
  auto run = [&](uint64_t seed) {
    Network net = make_cnn();
    init_parameters(net, 3);
    TrainOptions oo = o;
    oo.seed = seed;
    Trainer t(net, data, oo);
    for (int i = 0; i < 12; ++i) t.step();
    return net;
  };
  const Network a = run(7), b = run(7), c = run(8);
  CHECK(same_bits(a, b));
  CHECK(!same_bits(a, c));
  Network init = make_cnn();
  init_parameters(init, 3);
  CHECK(!same_bits(a, init));  // the steps did change the weights
}

TEST_CASE("train: options and data are checked") {
  Network net = make_mlp();
  init_parameters(net, 1);
  Dataset d = fashion_test().slice(0, 10);
  TrainOptions o;
  o.batch_size = 0;
  CHECK_THROWS_WITH_AS(Trainer(net, d, o), "the batch size must be > 0", qp::Error);
  o = TrainOptions{};
  o.schedule = LrSchedule::Step;
  CHECK_THROWS_AS(Trainer(net, d, o), qp::Error);
  o = TrainOptions{};
  o.distill = 1.5f;
  CHECK_THROWS_WITH_AS(Trainer(net, d, o), "the distillation weight must be in [0, 1]", qp::Error);
  o.distill = 0.5f;  // with a teacher: a step runs and the network moves
  {
    Network student = net;
    Trainer t(student, d, o);
    CHECK(std::isfinite(t.step()));
    const size_t first = net.weighted_layers().front();
    CHECK(student.layers[first].weight != net.layers[first].weight);
  }
  d.labels[3] = 10;
  CHECK_THROWS_WITH_AS(Trainer(net, d, TrainOptions{}), "label 10 of sample 3 is outside the network's 10 classes",
                       qp::Error);
  Dataset small = d;
  small.sample = {1, 14, 56};
  CHECK_THROWS_AS(Trainer(net, small, TrainOptions{}), qp::Error);
  CHECK(parse_lr_schedule("cosine") == LrSchedule::Cosine);
  CHECK_THROWS_AS(parse_lr_schedule("linear"), qp::Error);
}

TEST_CASE("train: the schedules") {
  Network net = make_mlp();
  init_parameters(net, 1);
  const Dataset d = fashion_test().slice(0, 40);
  TrainOptions o;
  o.batch_size = 10;  // 4 steps per epoch
  o.epochs = 4;
  o.lr = 0.01f;
  o.schedule = LrSchedule::Cosine;
  o.lr_min = 0.001f;
  Trainer t(net, d, o);
  CHECK(t.current_lr() == 0.01f);
  for (int i = 0; i < 8; ++i) t.step();  // half way: the mean of lr and lr_min
  CHECK(t.current_lr() == doctest::Approx(0.0055).epsilon(1e-6));
  o.schedule = LrSchedule::Step;
  o.step_epochs = 1;
  o.gamma = 0.5f;
  Network net2 = make_mlp();
  init_parameters(net2, 1);
  Trainer t2(net2, d, o);
  for (int i = 0; i < 9; ++i) t2.step();  // epoch 2
  CHECK(t2.current_lr() == doctest::Approx(0.0025).epsilon(1e-6));
}

TEST_CASE("train: a short run on real Fashion-MNIST images learns, then QAT recovers 2-bit weights") {
  const Dataset train = fashion_train().slice(0, 4000);
  const Dataset test = fashion_test().slice(0, 1000);
  Network net = make_mlp();
  init_parameters(net, 1);
  TrainOptions o;
  o.epochs = 2;
  o.seed = 1;
  {
    Trainer t(net, train, o);
    for (size_t i = 0; i < t.total_steps(); ++i) t.step();
  }
  const Evaluation fl = evaluate(net, test);
  MESSAGE("float MLP after 2 epochs on 4000 images: " << 100 * fl.accuracy << "% on 1000 test images");
  CHECK(fl.accuracy > 0.70);  // chance is 10%

  // Low-bit per-tensor weights: the plain fake-quantized model loses accuracy; QAT steps must do
  // better than the same number of float steps (same data order, same rate) quantized afterwards,
  // so the gain is not just more training.
  TrainOptions q;
  q.lr = 1e-4f;
  q.epochs = 1;
  q.seed = 2;
  q.fake_quant.enabled = true;
  q.fake_quant.weight_bits = 2;
  q.fake_quant.granularity = WeightGranularity::PerTensor;
  const int kSteps = 200;
  Network control = net;
  {
    TrainOptions f = q;
    f.fake_quant.enabled = false;
    Trainer t(control, train, f);
    for (int i = 0; i < kSteps; ++i) t.step();
  }
  Trainer c(control, train, q);
  c.observe_activations(train.slice(0, 512));
  const Evaluation ctl = c.evaluate(test);
  Trainer t(net, train, q);
  t.observe_activations(train.slice(0, 512));
  const Evaluation before = t.evaluate(test);
  for (int i = 0; i < kSteps; ++i) t.step();
  const Evaluation after = t.evaluate(test);
  MESSAGE(2 << "-bit per-tensor fake-quantized MLP: " << 100 * before.accuracy << "% before QAT, "
               << 100 * after.accuracy << "% after " << kSteps << " QAT steps, " << 100 * ctl.accuracy
               << "% after as many float steps (float " << 100 * fl.accuracy << "%)");
  CHECK(after.accuracy > before.accuracy + 0.01);
  CHECK(after.accuracy > ctl.accuracy + 0.02);
  const auto ranges = t.activation_ranges();
  REQUIRE(ranges.size() == 3);
  // The images are pixels/255 and every batch holds a 0 and a 255 pixel: the first range is [0, 1].
  CHECK(ranges[0] == std::make_pair(0.0f, 1.0f));
  CHECK(ranges[1].first == 0.0f);  // after a ReLU
  CHECK(ranges[1].second > 0.0f);
}

TEST_CASE("train: QAT mixed precision (per-layer weight bits, 0 = float)") {
  Network net = make_mlp();
  init_parameters(net, 4);
  const Dataset d = fashion_test().slice(0, 20);
  TrainOptions o;
  o.fake_quant.enabled = true;
  o.fake_quant.layer_bits = {0, 2, 8};
  Trainer t(net, d, o);
  const std::vector<std::vector<float>> w = t.effective_weights();
  REQUIRE(w.size() == 3);
  CHECK(w[0] == net.layers[net.weighted_layers()[0]].weight);  // kept float
  const Layer& fc2 = net.layers[net.weighted_layers()[1]];
  for (size_t r = 0; r < fc2.out; ++r) {  // 2 bits per channel: at most 4 distinct values a row
    std::vector<float> row(w[1].begin() + r * fc2.in, w[1].begin() + (r + 1) * fc2.in);
    std::sort(row.begin(), row.end());
    REQUIRE(std::unique(row.begin(), row.end()) - row.begin() <= 4);
  }
  CHECK(w[2] != net.layers[net.weighted_layers()[2]].weight);  // 8 bits: quantized, not identical
  o.fake_quant.layer_bits = {4, 4};
  CHECK_THROWS_WITH_AS(Trainer(net, d, o), "QAT: 2 layer bit widths for 3 weighted layers", qp::Error);
  o.fake_quant.layer_bits = {4, 1, 4};
  CHECK_THROWS_AS(Trainer(net, d, o), qp::Error);
}

TEST_CASE("train: QAT from GPTQ's weights (gptq_init) starts on GPTQ's grid, which is also the teacher") {
  Network fl = make_mlp();
  init_parameters(fl, 5);
  const Dataset d = fashion_test().slice(0, 300);
  TrainOptions o;
  o.batch_size = 50;
  o.seed = 3;
  o.fake_quant.enabled = true;
  o.fake_quant.weight_bits = 4;
  o.fake_quant.layer_bits = {4, 0, 3};
  o.fake_quant.weight_calibration = "mse";
  o.fake_quant.gptq_init = true;
  o.fake_quant.gptq_samples = 200;
  CHECK(gptq_calibration_for(o.fake_quant) == "gptq-mse");

  // What the weight-only engine's GPTQ computes for each quantized layer, H from the first 200 samples.
  Network expected = fl;
  const InputHessians h = collect_input_hessians(fl, d.inputs.data(), 200);
  const std::vector<size_t> wl = fl.weighted_layers();
  for (size_t w : {0, 2}) {
    WeightQuantSpec spec;
    spec.bits = o.fake_quant.layer_bits[w];
    spec.calibration = "gptq-mse";
    expected.layers[wl[w]].weight = quantize_layer_weights(fl.layers[wl[w]], spec, &h[w]).dequantized;
  }
  Network started = fl;
  Trainer t(started, d, o);
  CHECK(same_bits(started, expected));
  CHECK(started.layers[wl[1]].weight == fl.layers[wl[1]].weight);  // 0 bits: stays float
  CHECK(started.layers[wl[0]].weight != fl.layers[wl[0]].weight);
  const Layer& fc3 = started.layers[wl[2]];
  for (size_t r = 0; r < fc3.out; ++r) {  // 3 bits per channel: at most 8 levels a row
    std::vector<float> row(fc3.weight.begin() + r * fc3.in, fc3.weight.begin() + (r + 1) * fc3.in);
    std::sort(row.begin(), row.end());
    CHECK(std::unique(row.begin(), row.end()) - row.begin() <= 8);
  }

  // Training from there equals training a copy that was given GPTQ's weights beforehand, bit for bit.
  for (int i = 0; i < 3; ++i) t.step();
  Network given = expected;
  TrainOptions plain = o;
  plain.fake_quant.gptq_init = false;
  {
    Trainer u(given, d, plain);
    for (int i = 0; i < 3; ++i) u.step();
  }
  CHECK(same_bits(started, given));

  // With distillation the teacher is the GPTQ start too: the same run as from a copy given GPTQ's
  // weights (a float teacher would give other targets, so other losses and weights).
  o.distill = 1.0f;
  plain.distill = 1.0f;
  Network a = fl, b = expected;
  {
    Trainer ta(a, d, o), tb(b, d, plain);
    for (int i = 0; i < 2; ++i) CHECK(ta.step() == tb.step());
  }
  CHECK(same_bits(a, b));

  o.fake_quant.gptq_samples = 0;
  CHECK_THROWS_WITH_AS(Trainer(a, d, o), "QAT: the GPTQ start needs at least one calibration sample", qp::Error);
}
