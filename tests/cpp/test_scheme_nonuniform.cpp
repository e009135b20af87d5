// The non-uniform registry entries (quant/scheme_nonuniform.cpp): nf4, log2, kmeans and tcq on
// shapes with edge sizes, each against its core function unit by unit, with the stored bits
// counted by hand from the layout; and the errors for bits and options they do not take.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.h"
#include "quant/kmeans_quant.h"
#include "quant/log2_quant.h"
#include "quant/nf4.h"
#include "quant/scheme.h"
#include "quant/scheme_units.h"
#include "quant/tcq.h"

namespace {

std::vector<float> values(size_t n, uint32_t seed) {
  std::vector<float> x(n);
  for (auto& v : x) {
    seed = seed * 1664525u + 1013904223u;
    const float u = static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
    v = u * u * u * 8.0f + u;  // heavier tails than uniform
  }
  return x;
}

size_t count(const qp::Shape& s) {
  size_t n = 1;
  for (int64_t d : s) n *= static_cast<size_t>(d);
  return n;
}

size_t ceil_div(size_t a, size_t b) { return (a + b - 1) / b; }

const std::vector<qp::Shape> kShapes = {{1}, {15}, {16}, {17}, {3, 65}, {2, 3, 17}, {4, 256}, {5, 300}, {2, 2, 129}};

qp::SchemeSpec spec_of(const std::string& format, int bits) {
  qp::SchemeSpec s;
  s.format = format;
  s.integer.bits = bits;
  return s;
}

}  // namespace

TEST_CASE("nf4 and tcq in the registry: blocks along the last axis, each block as the core function does it") {
  for (const qp::Shape& shape : kShapes) {
    const size_t n = count(shape), last = static_cast<size_t>(shape.back()), rows = n / last;
    const std::vector<float> x = values(n, static_cast<uint32_t>(n));
    CAPTURE(qp::shape_to_string(shape));
    for (bool dq : {false, true}) {
      qp::SchemeSpec s = spec_of("nf4", 8);
      s.double_quant = dq;
      const qp::SchemeResult r = qp::run_scheme(x.data(), n, shape, s);
      const size_t per_row = ceil_div(last, 64), blocks = rows * per_row;
      CHECK(r.units == blocks);
      CHECK(r.unit_mse.size() == blocks);
      CHECK(r.unit_axis == static_cast<int>(shape.size()) - 1);
      CHECK(r.unit_group == 64);
      CHECK(count(r.unit_shape) == blocks);
      const uint64_t scales = dq ? 8 * blocks + 32 * ceil_div(blocks, 256) + 32 : 32 * blocks;
      CHECK(r.stored_bits == 4 * n + scales);
      // Row by row with the flat core function (rows are contiguous), then the same dequantization.
      std::vector<uint8_t> codes(n);
      std::vector<float> absmax(blocks), y(n);
      for (size_t row = 0; row < rows; ++row)
        qp::nf4_quantize(x.data() + row * last, last, 64, codes.data() + row * last, absmax.data() + row * per_row);
      std::vector<float> scale = absmax;
      if (dq) {
        const qp::DoubleQuantAbsmax q = qp::double_quantize_absmax(absmax.data(), blocks);
        scale = qp::double_dequantize_absmax(q);
      }
      for (size_t row = 0; row < rows; ++row)
        qp::nf4_dequantize(codes.data() + row * last, last, 64, scale.data() + row * per_row, y.data() + row * last);
      CHECK(r.dequantized == y);
      REQUIRE(r.levels.size() == 16);
      CHECK(r.levels.back() == scale[0]);
    }
    for (int bits = 2; bits <= 4; ++bits) {
      CAPTURE(bits);
      const qp::SchemeResult r = qp::run_scheme(x.data(), n, shape, spec_of("tcq", bits));
      const size_t blocks = rows * ceil_div(last, 256);
      CHECK(r.units == blocks);
      CHECK(r.stored_bits == static_cast<uint64_t>(bits) * n + 32 * blocks);
      std::vector<float> y(n);
      for (size_t row = 0; row < rows; ++row)
        for (size_t first = 0; first < last; first += 256)
          qp::tcq_encode_block(x.data() + row * last + first, std::min<size_t>(256, last - first), bits,
                               y.data() + row * last + first);
      CHECK(r.dequantized == y);
      CHECK(r.levels.size() == (1u << (bits + 1)));
    }
  }
}

TEST_CASE("log2 and kmeans in the registry: per tensor, channel and group, each unit as the core function does it") {
  for (const qp::Shape& shape : kShapes) {
    const size_t n = count(shape);
    const std::vector<float> x = values(n, static_cast<uint32_t>(3 * n + 1));
    for (int axis = -1; axis < static_cast<int>(shape.size()); ++axis) {
      for (int group : {0, 4}) {
        if (axis < 0 && group > 0) continue;
        const std::optional<int> ax = axis < 0 ? std::nullopt : std::optional<int>(axis);
        const qp::UnitLayout layout(shape, ax, group);
        for (const char* format : {"log2", "kmeans"}) {
          for (int bits : {2, 5, 8}) {
            CAPTURE(qp::shape_to_string(shape));
            CAPTURE(axis);
            CAPTURE(group);
            CAPTURE(format);
            CAPTURE(bits);
            qp::SchemeSpec s = spec_of(format, bits);
            s.integer.channel_axis = ax;
            s.integer.group_size = group;
            const qp::SchemeResult r = qp::run_scheme(x.data(), n, shape, s);
            const bool kmeans = std::string(format) == "kmeans";
            const uint64_t per_unit = kmeans ? 32ull << bits : 32;
            CHECK(r.units == layout.units());
            CHECK(r.stored_bits == static_cast<uint64_t>(bits) * n + per_unit * layout.units());
            CHECK(r.bits_per_weight == doctest::Approx(static_cast<double>(r.stored_bits) / n));
            std::vector<float> unit(layout.largest_unit()), want(layout.largest_unit()), got(layout.largest_unit());
            for (size_t u = 0; u < layout.units(); ++u) {
              const size_t m = layout.unit_size(u);
              layout.gather(u, x.data(), unit.data());
              layout.gather(u, r.dequantized.data(), got.data());
              if (kmeans) qp::kmeans_quantize(unit.data(), m, size_t{1} << bits, nullptr, want.data());
              else qp::log2_quantize(unit.data(), m, bits, nullptr, want.data());
              CHECK(std::equal(got.begin(), got.begin() + m, want.begin()));
            }
            // Unit 0's values are all among the reported levels.
            layout.gather(0, r.dequantized.data(), got.data());
            for (size_t k = 0; k < layout.unit_size(0); ++k)
              CHECK(std::find(r.levels.begin(), r.levels.end(), got[k]) != r.levels.end());
            CHECK(std::is_sorted(r.levels.begin(), r.levels.end()));
          }
        }
      }
    }
  }
}

TEST_CASE("kmeans 1 bit, and the bits per weight of a 64 x 4096 weight") {
  const std::vector<float> x = values(64 * 4096, 5);
  const qp::SchemeResult k1 = qp::run_scheme(x.data(), 100, {100}, spec_of("kmeans", 1));
  CHECK(k1.levels.size() == 2);
  CHECK(k1.stored_bits == 100 + 64);
  CHECK(qp::run_scheme(x.data(), x.size(), {64, 4096}, spec_of("nf4", 8)).bits_per_weight == 4.5);
  qp::SchemeSpec dq = spec_of("nf4", 8);
  dq.double_quant = true;
  // 4096 blocks: 8-bit codes, 16 float32 second-level scales and the float32 offset.
  CHECK(qp::run_scheme(x.data(), x.size(), {64, 4096}, dq).bits_per_weight ==
        doctest::Approx(4.0 + 8.0 / 64 + (16 * 32 + 32) / 262144.0).epsilon(1e-12));
  CHECK(qp::run_scheme(x.data(), x.size(), {64, 4096}, spec_of("tcq", 3)).bits_per_weight == 3.125);
  // The seed does not change k-means (quantile initialisation).
  qp::SchemeSpec a = spec_of("kmeans", 3), b = a;
  b.seed = 77;
  CHECK(qp::run_scheme(x.data(), 5000, {5000}, a).dequantized == qp::run_scheme(x.data(), 5000, {5000}, b).dequantized);
}

TEST_CASE("the non-uniform entries refuse bits and options they do not take") {
  const std::vector<float> x = values(256, 9);
  const qp::Shape shape = {4, 64};
  auto fails = [&](qp::SchemeSpec s, const std::string& message) {
    CHECK_THROWS_WITH_AS(qp::run_scheme(x.data(), x.size(), shape, s), message.c_str(), qp::Error);
  };
  fails(spec_of("log2", 1), "format 'log2' takes 2 to 8 bits, got 1");
  fails(spec_of("log2", 9), "format 'log2' takes 2 to 8 bits, got 9");
  fails(spec_of("kmeans", 0), "format 'kmeans' takes 1 to 8 bits, got 0");
  fails(spec_of("kmeans", 9), "format 'kmeans' takes 1 to 8 bits, got 9");
  fails(spec_of("tcq", 1), "format 'tcq' takes 2 to 4 bits, got 1");
  fails(spec_of("tcq", 5), "format 'tcq' takes 2 to 4 bits, got 5");
  for (const char* fixed : {"nf4", "tcq"}) {
    qp::SchemeSpec s = spec_of(fixed, 3);
    s.integer.channel_axis = 1;
    fails(s, std::string("format '") + fixed + "' has a fixed block layout: axis and group size do not apply");
  }
  for (const char* other : {"log2", "kmeans", "tcq"}) {
    qp::SchemeSpec s = spec_of(other, 3);
    s.double_quant = true;
    fails(s, std::string("format '") + other + "': double quantization applies to nf4 only");
  }
  qp::SchemeSpec cal = spec_of("kmeans", 3);
  cal.calibration = "percentile";
  fails(cal, "format 'kmeans' chooses its own scale: calibration does not apply");
  qp::SchemeSpec clip = spec_of("log2", 3);
  clip.clip = std::make_pair(-1.0f, 1.0f);
  fails(clip, "format 'log2' chooses its own scale: a clip range does not apply");
  // A scalar (rank 0): one unit, per tensor.
  for (const char* format : {"nf4", "log2", "kmeans", "tcq"}) {
    CAPTURE(format);
    const qp::SchemeResult r = qp::run_scheme(x.data(), 1, {}, spec_of(format, 3));
    CHECK(r.dequantized.size() == 1);
    CHECK(r.units == 1);
    CHECK_FALSE(r.unit_axis.has_value());
  }
  // An empty tensor.
  CHECK_THROWS_AS(qp::run_scheme(x.data(), 0, {0}, spec_of("nf4", 8)), qp::Error);
}
