// quantize_tensor without kept outputs (scratch pieces) and analyze_tensor: the model view's
// memory-lean path must report exactly the bits of the full path.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "core/error.h"
#include "quant/quantize.h"
#include "quant/tensor_analysis.h"

namespace {

// A small written-out LCG so the data is the same natively and in wasm.
std::vector<float> lcg_tensor(size_t n, uint32_t seed) {
  std::vector<float> x(n);
  for (auto& v : x) {
    seed = seed * 1664525u + 1013904223u;
    v = (static_cast<float>(seed >> 8) / 16777216.0f - 0.4f) * 3.0f;
  }
  return x;
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

void check_same_metrics(const qp::ErrorMetrics& a, const qp::ErrorMetrics& b) {
  CHECK(same_bits(a.mse, b.mse));
  CHECK(same_bits(a.sqnr_db, b.sqnr_db));
  CHECK(same_bits(a.max_abs_error, b.max_abs_error));
  CHECK(same_bits(a.cosine, b.cosine));
}

}  // namespace

TEST_CASE("quantize_tensor without kept outputs reports the same parameters and metrics bit for bit") {
  // 70000 values per run exceed the 65536-value scratch piece, so runs are split; the odd shapes
  // cover per tensor, a middle axis, the last axis (row path) and a single element.
  struct Case { qp::Shape shape; std::optional<int> axis; };
  const std::vector<Case> cases = {
      {{2, 70001}, std::nullopt}, {{2, 70001}, 0}, {{3, 5, 17}, 1}, {{17, 15}, -1}, {{1}, std::nullopt},
      {{16, 1}, 1}, {{140003}, 0}};
  uint32_t seed = 1;
  for (const Case& c : cases) {
    size_t n = 1;
    for (int64_t d : c.shape) n *= static_cast<size_t>(d);
    const std::vector<float> x = lcg_tensor(n, seed++);
    for (auto mode : {qp::NumericsMode::PyTorch, qp::NumericsMode::Onnx}) {
      qp::QuantSpec spec;
      spec.bits = 5;
      spec.mode = mode;
      spec.channel_axis = c.axis;
      CAPTURE(qp::shape_to_string(c.shape));
      const qp::QuantizedTensor full = qp::quantize_tensor(x.data(), n, c.shape, spec);
      REQUIRE(full.codes.size() == n);
      REQUIRE(full.dequantized.size() == n);
      // The kept outputs' metrics equal the whole-array formula.
      check_same_metrics(full.metrics, qp::compute_error_metrics(x.data(), full.dequantized.data(), n));
      for (qp::KeepOutputs keep : {qp::KeepOutputs{false, false}, qp::KeepOutputs{true, false}, qp::KeepOutputs{false, true}}) {
        const qp::QuantizedTensor lean = qp::quantize_tensor(x.data(), n, c.shape, spec, keep);
        CHECK(lean.codes.size() == (keep.codes ? n : 0));
        CHECK(lean.dequantized.size() == (keep.dequantized ? n : 0));
        if (keep.codes) CHECK(lean.codes == full.codes);
        if (keep.dequantized) CHECK(std::memcmp(lean.dequantized.data(), full.dequantized.data(), n * sizeof(float)) == 0);
        CHECK(lean.scales == full.scales);
        CHECK(lean.zero_points == full.zero_points);
        check_same_metrics(lean.metrics, full.metrics);
      }
    }
  }
}

TEST_CASE("analyze_tensor: statistics always, the scheme's metrics when given, refusals as messages") {
  const std::vector<float> x = lcg_tensor(300, 9);
  qp::QuantSpec spec;
  spec.channel_axis = 0;

  const qp::TensorAnalysis stats_only = qp::analyze_tensor(x.data(), x.size(), {3, 100}, nullptr);
  CHECK(stats_only.stats.count == 300);
  CHECK_FALSE(stats_only.quantized.has_value());

  const qp::TensorAnalysis a = qp::analyze_tensor(x.data(), x.size(), {3, 100}, &spec);
  const qp::QuantizedTensor ref = qp::quantize_tensor(x.data(), x.size(), {3, 100}, spec);
  REQUIRE(a.quantized.has_value());
  CHECK(a.quantized->codes.empty());
  CHECK(a.quantized->dequantized.empty());
  CHECK(a.quantized->scales == ref.scales);
  check_same_metrics(a.quantized->metrics, ref.metrics);
  CHECK(a.quantize_error.empty());

  // NaN: statistics count it, the scheme refuses with quantize_tensor's own message.
  std::vector<float> bad = x;
  bad[42] = std::numeric_limits<float>::quiet_NaN();
  const qp::TensorAnalysis b = qp::analyze_tensor(bad.data(), bad.size(), {3, 100}, &spec);
  CHECK(b.stats.nan_count == 1);
  CHECK_FALSE(b.quantized.has_value());
  std::string expected;
  try {
    qp::quantize_tensor(bad.data(), bad.size(), {3, 100}, spec);
  } catch (const qp::Error& e) {
    expected = e.what();
  }
  CHECK_FALSE(expected.empty());
  CHECK(b.quantize_error == expected);

  // A bad option is the caller's error, not the tensor's: it throws.
  qp::QuantSpec bad_bits = spec;
  bad_bits.bits = 11;
  CHECK_THROWS_AS(qp::analyze_tensor(x.data(), x.size(), {3, 100}, &bad_bits), qp::Error);
  CHECK_THROWS_AS(qp::analyze_tensor(x.data(), x.size(), {3, 99}, &spec), qp::Error);
}
