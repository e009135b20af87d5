// quantize_tensor: per tensor, per channel along any axis, every bit width, and bad input.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "quant/quantize.h"

namespace {

std::vector<float> normal_tensor(size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.3f, 2.0f);
  std::vector<float> x(n);
  for (auto& v : x) v = d(rng);
  return x;
}

std::string error_of(const std::vector<float>& x, const qp::Shape& shape, const qp::QuantSpec& spec) {
  try {
    qp::quantize_tensor(x.data(), x.size(), shape, spec);
  } catch (const qp::Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("per-channel along any axis equals per-tensor quantization of each channel's slice") {
  const qp::Shape shape = {3, 4, 5, 2};
  const std::vector<float> x = normal_tensor(3 * 4 * 5 * 2, 7);
  for (int axis = -4; axis < 4; ++axis) {
    for (auto scheme : {qp::Scheme::Affine, qp::Scheme::Symmetric}) {
      for (auto mode : {qp::NumericsMode::PyTorch, qp::NumericsMode::Onnx}) {
        qp::QuantSpec spec;
        spec.bits = 5;
        spec.scheme = scheme;
        spec.mode = mode;
        spec.channel_axis = axis;
        const auto t = qp::quantize_tensor(x.data(), x.size(), shape, spec);
        const int a = axis < 0 ? axis + 4 : axis;
        REQUIRE(t.channel_axis == a);
        REQUIRE(t.scales.size() == static_cast<size_t>(shape[a]));
        // Gather each channel with explicit 4-D indexing, quantize it per tensor, compare.
        for (int64_t c = 0; c < shape[a]; ++c) {
          std::vector<float> slice;
          std::vector<size_t> where;
          for (int64_t i0 = 0; i0 < shape[0]; ++i0)
            for (int64_t i1 = 0; i1 < shape[1]; ++i1)
              for (int64_t i2 = 0; i2 < shape[2]; ++i2)
                for (int64_t i3 = 0; i3 < shape[3]; ++i3) {
                  const int64_t idx[4] = {i0, i1, i2, i3};
                  if (idx[a] != c) continue;
                  where.push_back(static_cast<size_t>(((i0 * shape[1] + i1) * shape[2] + i2) * shape[3] + i3));
                  slice.push_back(x[where.back()]);
                }
          qp::QuantSpec per_tensor = spec;
          per_tensor.channel_axis.reset();
          const auto s = qp::quantize_tensor(slice.data(), slice.size(), {static_cast<int64_t>(slice.size())}, per_tensor);
          CHECK(t.scales[c] == s.scales[0]);
          CHECK(t.zero_points[c] == s.zero_points[0]);
          for (size_t j = 0; j < where.size(); ++j) {
            REQUIRE(t.codes[where[j]] == s.codes[j]);
            REQUIRE(t.dequantized[where[j]] == s.dequantized[j]);
          }
        }
      }
    }
  }
}

TEST_CASE("every bit width 2..8 keeps codes on its grid, uses it, and fewer bits never lower the error") {
  const std::vector<float> x = normal_tensor(4096, 3);
  for (bool is_signed : {true, false}) {
    for (auto scheme : {qp::Scheme::Affine, qp::Scheme::Symmetric}) {
      double previous_mse = -1;
      for (int bits = 8; bits >= 2; --bits) {
        qp::QuantSpec spec;
        spec.bits = bits;
        spec.is_signed = is_signed;
        spec.scheme = scheme;
        const auto t = qp::quantize_tensor(x.data(), x.size(), {4096}, spec);
        const qp::IntRange r = qp::full_int_range(bits, is_signed);
        CHECK(t.range.qmin == r.qmin);
        CHECK(t.range.qmax == r.qmax);
        int lowest = r.qmax, highest = r.qmin;
        for (uint8_t c : t.codes) {
          const int q = is_signed ? static_cast<int8_t>(c) : c;
          REQUIRE(q >= r.qmin);
          REQUIRE(q <= r.qmax);
          lowest = std::min(lowest, q);
          highest = std::max(highest, q);
        }
        // Min-max calibration spreads the data over at least half of the grid.
        INFO("bits=" << bits << " signed=" << is_signed << " zp=" << t.zero_points[0]);
        CHECK(highest - lowest >= (r.qmax - r.qmin) / 2);
        CHECK(t.metrics.mse >= previous_mse);
        previous_mse = t.metrics.mse;
      }
    }
  }
}

TEST_CASE("zero-range tensors: PyTorch clamps the scale to eps, ONNX uses scale 1") {
  const std::vector<float> zeros(21, 0.0f);
  qp::QuantSpec spec;
  spec.is_signed = false;
  auto t = qp::quantize_tensor(zeros.data(), zeros.size(), {3, 7}, spec);
  CHECK(t.scales[0] == qp::kPyTorchScaleEps);
  CHECK(t.zero_points[0] == 0);
  CHECK(std::isinf(t.metrics.sqnr_db));
  CHECK(t.metrics.cosine == 1.0);
  spec.mode = qp::NumericsMode::Onnx;
  t = qp::quantize_tensor(zeros.data(), zeros.size(), {3, 7}, spec);
  CHECK(t.scales[0] == 1.0f);
  CHECK(t.zero_points[0] == 0);
  for (float v : t.dequantized) CHECK(v == 0.0f);
}

TEST_CASE("bad input gives a clear qp::Error") {
  std::vector<float> x = normal_tensor(12, 1);
  qp::QuantSpec spec;
  CHECK(error_of(x, {3, 5}, spec).find("holds 15 values but 12") != std::string::npos);
  CHECK(error_of({}, {0}, spec).find("empty") != std::string::npos);
  spec.channel_axis = 2;
  CHECK(error_of(x, {3, 4}, spec).find("axis 2 is out of range") != std::string::npos);
  spec.channel_axis.reset();
  spec.bits = 9;
  CHECK(error_of(x, {12}, spec).find("bits must be between 2 and 8") != std::string::npos);
  spec.bits = 1;
  CHECK(error_of(x, {12}, spec).find("bits must be between 2 and 8") != std::string::npos);
  spec.bits = 8;
  x[3] = std::numeric_limits<float>::quiet_NaN();
  x[5] = std::numeric_limits<float>::infinity();
  const std::string e = error_of(x, {12}, spec);
  CHECK(e.find("1 NaN, 1 +Inf and 0 -Inf") != std::string::npos);
  const std::vector<float> huge = {-3e38f, 3e38f, 1.0f, 2.0f};
  for (auto mode : {qp::NumericsMode::PyTorch, qp::NumericsMode::Onnx}) {
    spec.mode = mode;
    CHECK(error_of(huge, {4}, spec).find("too wide for float32") != std::string::npos);
  }
  CHECK_THROWS_AS(qp::parse_scheme("asymmetric"), qp::Error);
  CHECK_THROWS_AS(qp::parse_numerics_mode("tflite"), qp::Error);
}
