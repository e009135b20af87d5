// Dynamic quantization against the two references' formulas written out independently here
// (ONNX DynamicQuantizeLinear in double where the spec computes exactly, PyTorch's observer in
// float), per matrix and per row, plus its refusals.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "core/error.h"
#include "quant/dynamic_quantize.h"

namespace {

std::vector<float> activations(size_t n, uint32_t seed, float shift) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(shift, 1.7f);
  std::vector<float> x(n);
  for (auto& v : x) v = std::max(0.0f, d(rng)) - 0.25f;  // ReLU-like, a few negatives
  return x;
}

// ONNX DynamicQuantizeLinear, from the operator's definition.
void onnx_reference(const float* x, size_t n, float* scale, int* zp, std::vector<uint8_t>& q) {
  float mn = 0.0f, mx = 0.0f;
  for (size_t i = 0; i < n; ++i) { mn = std::min(mn, x[i]); mx = std::max(mx, x[i]); }
  *scale = (mx - mn) / 255.0f;
  *zp = static_cast<int>(std::clamp(std::nearbyint(0.0f - mn / *scale), 0.0f, 255.0f));
  q.resize(n);
  for (size_t i = 0; i < n; ++i) q[i] = static_cast<uint8_t>(std::clamp(std::nearbyint(x[i] / *scale) + *zp, 0.0f, 255.0f));
}

}  // namespace

TEST_CASE("dynamic_quantize onnx: equals DynamicQuantizeLinear per matrix and per row") {
  for (size_t cols : {1u, 7u, 16u, 17u, 784u}) {
    const size_t rows = 5;
    const auto x = activations(rows * cols, static_cast<uint32_t>(cols), 0.8f);
    std::vector<uint8_t> codes(rows * cols);
    const auto whole = qp::dynamic_quantize(x.data(), rows, cols, {qp::NumericsMode::Onnx, false}, codes.data());
    float scale;
    int zp;
    std::vector<uint8_t> want;
    onnx_reference(x.data(), rows * cols, &scale, &zp, want);
    REQUIRE(whole.size() == 1);
    CHECK(whole[0].scale == scale);
    CHECK(whole[0].zero_point == zp);
    CHECK(codes == want);
    const auto per_row = qp::dynamic_quantize(x.data(), rows, cols, {qp::NumericsMode::Onnx, true}, codes.data());
    REQUIRE(per_row.size() == rows);
    for (size_t r = 0; r < rows; ++r) {
      onnx_reference(x.data() + r * cols, cols, &scale, &zp, want);
      INFO("cols=" << cols << " row=" << r);
      CHECK(per_row[r].scale == scale);
      CHECK(per_row[r].zero_point == zp);
      CHECK(std::equal(want.begin(), want.end(), codes.begin() + r * cols));
    }
  }
}

TEST_CASE("dynamic_quantize pytorch: quint8 with reduce_range (0..127), observer formula") {
  const auto x = activations(300, 9, 1.1f);
  std::vector<uint8_t> codes(300);
  const auto p = qp::dynamic_quantize(x.data(), 3, 100, {qp::NumericsMode::PyTorch, false}, codes.data());
  const float mn = std::min(0.0f, *std::min_element(x.begin(), x.end()));
  const float mx = std::max(0.0f, *std::max_element(x.begin(), x.end()));
  const float scale = std::max((mx - mn) / 127.0f, 1.1920928955078125e-07f);
  const int zp = static_cast<int>(std::clamp(0.0f - std::nearbyint(mn / scale), 0.0f, 127.0f));
  CHECK(p[0].scale == scale);
  CHECK(p[0].zero_point == zp);
  const float inv = 1.0f / scale;
  for (size_t i = 0; i < x.size(); ++i) {
    INFO("i=" << i);
    CHECK(codes[i] == static_cast<uint8_t>(std::clamp(std::nearbyint(x[i] * inv) + zp, 0.0f, 127.0f)));
  }
}

TEST_CASE("dynamic_quantize refuses empty and non-finite input") {
  std::vector<uint8_t> codes(4);
  std::vector<float> x = {1.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f, 2.0f};
  CHECK_THROWS_WITH_AS(qp::dynamic_quantize(x.data(), 1, 4, {}, codes.data()), doctest::Contains("NaN or infinity"), qp::Error);
  x[1] = std::numeric_limits<float>::infinity();
  CHECK_THROWS_WITH_AS(qp::dynamic_quantize(x.data(), 1, 4, {}, codes.data()), doctest::Contains("NaN or infinity"), qp::Error);
  CHECK_THROWS_WITH_AS(qp::dynamic_quantize(x.data(), 0, 4, {}, codes.data()), doctest::Contains("empty"), qp::Error);
  const std::vector<float> zeros(4, 0.0f);  // zero range: scale 1, every code the zero point
  const auto p = qp::dynamic_quantize(zeros.data(), 1, 4, {}, codes.data());
  CHECK(p[0].scale == 1.0f);
  CHECK(codes == std::vector<uint8_t>(4, static_cast<uint8_t>(p[0].zero_point)));
}
