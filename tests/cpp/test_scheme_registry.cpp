// The scheme registry: units, run_scheme's checks, the integer family's accounting, binary and
// ternary, and properties every registered scheme must have.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"
#include "quant/float_formats.h"
#include "quant/qparams.h"
#include "quant/scheme.h"
#include "quant/scheme_family.h"
#include "quant/scheme_units.h"
#include "quant/sign_quant.h"

namespace {

std::vector<float> lcg_values(size_t n, uint32_t seed) {
  std::vector<float> x(n);
  for (auto& v : x) {
    seed = seed * 1664525u + 1013904223u;
    v = (static_cast<float>(seed >> 8) / 16777216.0f - 0.45f) * 4.0f;
  }
  return x;
}

size_t count(const qp::Shape& s) {
  size_t n = 1;
  for (int64_t d : s) n *= static_cast<size_t>(d);
  return n;
}

}  // namespace

TEST_CASE("UnitLayout: gather/scatter cover every element once, and units match quantize_tensor's") {
  const std::vector<qp::Shape> shapes = {{1}, {16}, {17}, {3, 15}, {2, 3, 17}, {2, 1, 4, 5}};
  for (const qp::Shape& shape : shapes) {
    const size_t n = count(shape);
    const std::vector<float> x = lcg_values(n, 5);
    for (int axis = -1; axis < static_cast<int>(shape.size()); ++axis) {
      for (int group : {0, 1, 4, 16}) {
        if (axis < 0 && group > 0) continue;
        CAPTURE(qp::shape_to_string(shape));
        CAPTURE(axis);
        CAPTURE(group);
        const std::optional<int> ax = axis < 0 ? std::nullopt : std::optional<int>(axis);
        const qp::UnitLayout layout(shape, ax, group);
        // Scatter of (unit id) marks every element exactly once.
        std::vector<float> owner(n, -1.0f);
        size_t total = 0;
        for (size_t u = 0; u < layout.units(); ++u) {
          const size_t m = layout.unit_size(u);
          CHECK(m <= layout.largest_unit());
          total += m;
          std::vector<float> ids(m, static_cast<float>(u)), values(m);
          layout.gather(u, owner.data(), values.data());
          for (float v : values) CHECK(v == -1.0f);  // not claimed by an earlier unit
          layout.scatter(u, ids.data(), owner.data());
        }
        CHECK(total == n);
        CHECK(count(layout.unit_shape()) == layout.units());
        // The same units as the integer fast path: per-tensor quantization of each gathered unit
        // reproduces quantize_tensor's reconstruction bit for bit.
        qp::QuantSpec spec;
        spec.bits = 3;
        spec.channel_axis = ax;
        spec.group_size = group;
        const qp::QuantizedTensor fast = qp::quantize_tensor(x.data(), n, shape, spec);
        qp::QuantSpec whole;
        whole.bits = 3;
        qp::SchemeResult r;
        qp::run_per_unit(x.data(), layout, [&](const float* v, size_t m, float* out) -> uint64_t {
          const qp::QuantizedTensor t = qp::quantize_tensor(v, m, {static_cast<int64_t>(m)}, whole);
          std::memcpy(out, t.dequantized.data(), m * sizeof(float));
          return 0;
        }, r);
        CHECK(std::memcmp(r.dequantized.data(), fast.dequantized.data(), n * sizeof(float)) == 0);
        CHECK(layout.units() == fast.scales.size());
      }
    }
  }
}

TEST_CASE("the int format is quantize_tensor with the stated bit accounting") {
  const std::vector<float> x = lcg_values(64 * 96, 8);
  qp::SchemeSpec spec;
  spec.integer.bits = 4;
  spec.integer.scheme = qp::Scheme::Symmetric;
  spec.integer.channel_axis = 1;
  spec.integer.group_size = 32;
  const qp::SchemeResult r = qp::run_scheme(x.data(), x.size(), {64, 96}, spec);
  const qp::QuantizedTensor t = qp::quantize_tensor(x.data(), x.size(), {64, 96}, spec.integer);
  CHECK(r.dequantized == t.dequantized);
  CHECK(r.units == 64 * 3);
  CHECK(r.unit_shape == qp::Shape{64, 3});
  CHECK(r.bits_per_weight == doctest::Approx(4.0 + 32.0 / 32.0));  // symmetric: scale only
  CHECK(r.levels.size() == 16);
  CHECK(r.label == "int4 sym g32 (axis 1) (pytorch)");
  spec.integer.scheme = qp::Scheme::Affine;
  CHECK(qp::run_scheme(x.data(), x.size(), {64, 96}, spec).bits_per_weight == doctest::Approx(4.0 + 36.0 / 32.0));
}

TEST_CASE("binary: alpha = mean |x| minimises the error for the signs; ternary follows TWN") {
  const std::vector<float> x = lcg_values(101, 21);
  std::vector<float> out(x.size());
  std::vector<int8_t> codes(x.size());
  const float alpha = qp::binary_quantize(x.data(), x.size(), codes.data(), out.data());
  double mean_abs = 0;
  for (float v : x) mean_abs += std::fabs(v);
  mean_abs /= x.size();
  CHECK(alpha == static_cast<float>(mean_abs));
  auto sse = [&](double a) {
    double e = 0;
    for (size_t i = 0; i < x.size(); ++i) e += (x[i] - a * codes[i]) * (x[i] - a * codes[i]);
    return e;
  };
  CHECK(sse(alpha) <= sse(alpha * 1.01));
  CHECK(sse(alpha) <= sse(alpha * 0.99));
  for (size_t i = 0; i < x.size(); ++i) CHECK(codes[i] == (x[i] >= 0 ? 1 : -1));

  const float beta = qp::ternary_quantize(x.data(), x.size(), codes.data(), out.data());
  const double delta = 0.7 * mean_abs;
  double kept = 0;
  int k = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    const int expected = x[i] > delta ? 1 : x[i] < -delta ? -1 : 0;
    CHECK(codes[i] == expected);
    if (expected) kept += std::fabs(x[i]), ++k;
  }
  REQUIRE(k > 0);
  // Exactly the plain branchy sum's value (ternary_quantize sums branch-free, adding +0 for the rest).
  CHECK(beta == static_cast<float>(kept / k));
  std::vector<float> zeros(8, 0.0f);
  CHECK(qp::ternary_quantize(zeros.data(), 8, nullptr, out.data()) == 0.0f);
}

TEST_CASE("every registered scheme runs, measures itself and refuses bad input") {
  const std::vector<float> x = lcg_values(256 * 4, 3);
  std::set<std::string> names;
  for (const qp::SchemeInfo& info : qp::scheme_registry()) {
    CAPTURE(info.name);
    CHECK(names.insert(info.name).second);
    CHECK(std::string(info.reference).size() > 0);
    qp::SchemeSpec spec;
    spec.format = info.name;
    if (info.min_bits > 0) spec.integer.bits = std::min(8, info.max_bits);  // tcq stops at 4
    const qp::SchemeResult r = qp::run_scheme(x.data(), x.size(), {4, 256}, spec);
    CHECK(r.dequantized.size() == x.size());
    CHECK(std::isfinite(r.metrics.mse));
    CHECK(r.metrics.sqnr_db > 0);
    CHECK(r.bits_per_weight > 0);
    CHECK(r.bits_per_weight <= 33);
    CHECK_FALSE(r.label.empty());
    std::vector<float> bad = x;
    bad[5] = NAN;
    CHECK_THROWS_AS(qp::run_scheme(bad.data(), bad.size(), {4, 256}, spec), qp::Error);
    CHECK_THROWS_AS(qp::run_scheme(x.data(), x.size(), {4, 255}, spec), qp::Error);
    CHECK_THROWS_AS(qp::run_scheme(x.data(), 0, {0}, spec), qp::Error);
    // Options that belong to another family are refused, not silently ignored.
    qp::SchemeSpec dq = spec;
    dq.double_quant = true;
    if (std::string(info.name) == "nf4")
      CHECK_NOTHROW(qp::run_scheme(x.data(), x.size(), {4, 256}, dq));
    else
      CHECK_THROWS_WITH_AS(qp::run_scheme(x.data(), x.size(), {4, 256}, dq),
                           (std::string("format '") + info.name + "': double quantization applies to nf4 only").c_str(),
                           qp::Error);
    qp::SchemeSpec wrap = spec;
    wrap.saturate = false;
    if (std::string(info.family) == "float")
      CHECK_NOTHROW(qp::run_scheme(x.data(), x.size(), {4, 256}, wrap));
    else
      CHECK_THROWS_AS(qp::run_scheme(x.data(), x.size(), {4, 256}, wrap), qp::Error);
  }
  qp::SchemeSpec unknown;
  unknown.format = "int3000";
  CHECK_THROWS_WITH_AS(qp::run_scheme(x.data(), x.size(), {4, 256}, unknown),
                       doctest::Contains("unknown format 'int3000' (expected one of: int, binary"), qp::Error);
  qp::SchemeSpec wide;
  wide.integer.bits = 9;
  CHECK_THROWS_WITH_AS(qp::run_scheme(x.data(), x.size(), {4, 256}, wide), "format 'int' takes 2 to 8 bits, got 9", qp::Error);
}

TEST_CASE("per-unit MSE: each unit's own error, and their size-weighted mean is the tensor's MSE") {
  const std::vector<float> x = lcg_values(6 * 40, 17);
  qp::SchemeSpec spec;
  spec.integer.bits = 3;
  spec.integer.channel_axis = 1;
  spec.integer.group_size = 16;  // groups of 16, 16, 8 along axis 1
  const qp::SchemeResult r = qp::run_scheme(x.data(), x.size(), {6, 40}, spec);
  REQUIRE(r.unit_mse.size() == 18);
  double weighted = 0;
  for (size_t row = 0; row < 6; ++row) {
    for (size_t g = 0; g < 3; ++g) {
      double sum = 0;
      const size_t first = g * 16, last = std::min<size_t>(first + 16, 40);
      for (size_t c = first; c < last; ++c) {
        const double d = static_cast<double>(x[row * 40 + c]) - r.dequantized[row * 40 + c];
        sum += d * d;
      }
      CHECK(r.unit_mse[row * 3 + g] == doctest::Approx(sum / (last - first)).epsilon(1e-12));
      weighted += sum;
    }
  }
  CHECK(weighted / x.size() == doctest::Approx(r.metrics.mse).epsilon(1e-12));
}

TEST_CASE("the unit-by-unit int path with min/max ranges reproduces quantize_tensor bit for bit") {
  const std::vector<qp::Shape> shapes = {{1}, {17}, {5, 33}, {2, 3, 17}};
  for (const qp::Shape& shape : shapes) {
    const size_t n = count(shape);
    const std::vector<float> x = lcg_values(n, 31);
    for (int axis = -1; axis < static_cast<int>(shape.size()); ++axis) {
      for (int group : {0, 4, 16}) {
        if (axis < 0 && group > 0) continue;
        for (auto scheme : {qp::Scheme::Affine, qp::Scheme::Symmetric}) {
          for (auto mode : {qp::NumericsMode::PyTorch, qp::NumericsMode::Onnx}) {
            qp::QuantSpec q;
            q.bits = 5;
            q.scheme = scheme;
            q.mode = mode;
            q.is_signed = group != 4;  // both grids across the loop
            q.channel_axis = axis < 0 ? std::nullopt : std::optional<int>(axis);
            q.group_size = group;
            CAPTURE(qp::shape_to_string(shape));
            CAPTURE(axis);
            CAPTURE(group);
            const qp::QuantizedTensor fast = qp::quantize_tensor(x.data(), n, shape, q);
            qp::SchemeResult r;
            const qp::QuantizedTensor slow = qp::quantize_int_units(x.data(), n, shape, q, qp::unit_minmax, r);
            CHECK(slow.codes == fast.codes);
            CHECK(slow.scales == fast.scales);
            CHECK(slow.zero_points == fast.zero_points);
            CHECK(slow.observed_min == fast.observed_min);
            CHECK(std::memcmp(r.dequantized.data(), fast.dequantized.data(), n * sizeof(float)) == 0);
          }
        }
      }
    }
  }
}

TEST_CASE("a fixed clip range: qparams from the clip, values outside saturate") {
  const std::vector<float> x = lcg_values(500, 41);
  qp::SchemeSpec spec;
  spec.integer.bits = 4;
  spec.clip = std::make_pair(-0.5f, 0.75f);
  const qp::SchemeResult r = qp::run_scheme(x.data(), x.size(), {500}, spec);
  const qp::QParams p = qp::choose_qparams(-0.5f, 0.75f, qp::full_int_range(4, true), qp::Scheme::Affine,
                                           qp::NumericsMode::PyTorch, 4);
  REQUIRE(r.integer.has_value());
  CHECK(r.integer->scales[0] == p.scale);
  CHECK(r.integer->zero_points[0] == p.zero_point);
  std::vector<uint8_t> codes(x.size());
  std::vector<float> expected(x.size());
  qp::quantize_values(x.data(), x.size(), p, qp::full_int_range(4, true), qp::NumericsMode::PyTorch, codes.data());
  qp::dequantize_values(codes.data(), x.size(), true, p, expected.data());
  CHECK(r.dequantized == expected);
  CHECK(r.integer->codes == codes);
  const float top = *std::max_element(r.dequantized.begin(), r.dequantized.end());
  CHECK(top <= 0.75f + p.scale);  // saturated near the clip, far below max(x) ~ 2.2
  CHECK(r.label.find("clip") != std::string::npos);
  // Per-unit clip ranges and clips for other formats are refused with a message.
  spec.clip = std::make_pair(1.0f, -1.0f);
  CHECK_THROWS_WITH_AS(qp::run_scheme(x.data(), x.size(), {500}, spec), "clip range must be finite with min <= max", qp::Error);
  spec.clip = std::make_pair(-1.0f, 1.0f);
  spec.format = "binary";
  CHECK_THROWS_AS(qp::run_scheme(x.data(), x.size(), {500}, spec), qp::Error);
}

TEST_CASE("float formats in the registry: casts for fp16/bf16, an absmax scale per unit for FP8/FP4") {
  const std::vector<float> x = lcg_values(4 * 64, 77);
  qp::SchemeSpec cast;
  cast.format = "bf16";
  const qp::SchemeResult b = qp::run_scheme(x.data(), x.size(), {4, 64}, cast);
  std::vector<float> expected(x.size());
  qp::fake_quantize_float(qp::FloatFormat::BF16, true, x.data(), x.size(), 1.0f, expected.data());
  CHECK(b.dequantized == expected);
  CHECK(b.bits_per_weight == 16.0);
  cast.integer.channel_axis = 0;
  CHECK_THROWS_WITH_AS(qp::run_scheme(x.data(), x.size(), {4, 64}, cast),
                       "format 'bf16' has a fixed block layout: axis and group size do not apply", qp::Error);

  qp::SchemeSpec fp8;
  fp8.format = "fp8-e4m3";
  fp8.integer.channel_axis = 0;
  const qp::SchemeResult r = qp::run_scheme(x.data(), x.size(), {4, 64}, fp8);
  for (size_t row = 0; row < 4; ++row) {
    float amax = 0;
    for (size_t c = 0; c < 64; ++c) amax = std::max(amax, std::fabs(x[row * 64 + c]));
    const float scale = amax / 448.0f;
    std::vector<float> want(64);
    qp::fake_quantize_float(qp::FloatFormat::FP8_E4M3, true, x.data() + row * 64, 64, scale, want.data());
    CHECK(std::vector<float>(r.dequantized.begin() + row * 64, r.dequantized.begin() + (row + 1) * 64) == want);
  }
  CHECK(r.bits_per_weight == doctest::Approx(8.0 + 4 * 32.0 / 256));
  CHECK(r.levels.size() > 200);
  // FP4 with groups of 32 along the last axis: 4 + 32/32 bits.
  qp::SchemeSpec fp4;
  fp4.format = "fp4";
  fp4.integer.channel_axis = 1;
  fp4.integer.group_size = 32;
  const qp::SchemeResult f4 = qp::run_scheme(x.data(), x.size(), {4, 64}, fp4);
  CHECK(f4.bits_per_weight == doctest::Approx(5.0));
  CHECK(f4.levels.size() == 15);
  // An all-zero tensor keeps scale 1 and reconstructs exactly.
  std::vector<float> zeros(64, 0.0f);
  qp::SchemeSpec fp4_whole;
  fp4_whole.format = "fp4";
  CHECK(qp::run_scheme(zeros.data(), 64, {64}, fp4_whole).metrics.mse == 0.0);
}
