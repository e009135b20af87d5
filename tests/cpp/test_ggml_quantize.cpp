// ggml block quantization (src/quant/ggml_quantize.h): byte for byte against ggml's own
// quantize_row_*_ref and bit for bit against dequantize_row_* (shared oracle ggml_blocks), Q6_K
// against the derived vectors of scripts/oracle/gen_ggml_vectors.py (tests/vectors/ggml_more),
// properties of the codes on random rows of many lengths, and the refusals.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ggml_layout_reference.h"
#include "core/error.h"
#include "core/half.h"
#include "oracle.h"
#include "quant/ggml_block_codecs.h"
#include "quant/ggml_q4k_fit.h"
#include "quant/ggml_q6k_fit.h"
#include "quant/ggml_quantize.h"
#include "quant/scheme.h"

namespace {

using qp::GgmlBlockType;

const GgmlBlockType kQuantizable[] = {GgmlBlockType::Q8_0, GgmlBlockType::Q4_0, GgmlBlockType::Q4_1,
                                      GgmlBlockType::Q5_0, GgmlBlockType::Q5_1, GgmlBlockType::Q4_K,
                                      GgmlBlockType::Q6_K};

// Runs every case of a ggml_blocks-style family: x -> blocks (exact bytes) -> dequant (exact bits).
int check_family(const std::string& dir) {
  const nlohmann::json manifest = qp::test::load_manifest(dir);
  int checked = 0;
  for (const nlohmann::json& json : manifest.at("cases")) {
    const qp::test::Case c{dir, json};
    CAPTURE(c.id());
    const GgmlBlockType t = qp::parse_ggml_block_type(json.at("params").at("type").get<std::string>());
    const qp::GgmlBlockFormat& f = qp::ggml_block_format(t);
    const qp::test::Array x = c.input("x");
    const qp::test::Array blocks = c.expected("blocks");
    const qp::test::Array want = c.expected("dequant");
    REQUIRE(c.tolerance("blocks") == "exact");
    REQUIRE(blocks.shape.size() == 2);
    REQUIRE(blocks.shape[1] == f.block_bytes);
    const size_t n = x.values.size();
    std::vector<uint8_t> got(qp::ggml_row_bytes(t, n));
    qp::ggml_quantize_row(t, x.values.data(), n, got.data());
    REQUIRE(got.size() == blocks.values.size());
    size_t bad = 0, first_bad = 0;
    for (size_t k = 0; k < got.size(); ++k) {
      if (got[k] != static_cast<uint8_t>(blocks.values[k])) {
        if (bad++ == 0) first_bad = k;
      }
    }
    CHECK_MESSAGE(bad == 0, bad << " bytes differ, first at " << first_bad << " (block " << first_bad / f.block_bytes
                                << ", byte " << first_bad % f.block_bytes << "): got " << int(got[first_bad])
                                << ", ggml " << blocks.values[first_bad]);
    std::vector<float> y(n);
    qp::ggml_dequantize_row(t, got.data(), n, y.data());
    std::string first;
    CHECK_MESSAGE(qp::test::count_bit_mismatches(y, want.values, &first) == 0, first);
    ++checked;
  }
  return checked;
}

std::vector<float> random_row(std::mt19937& rng, size_t n, int style) {
  std::vector<float> x(n);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
  for (size_t i = 0; i < n; ++i) {
    switch (style % 4) {
      case 0: x[i] = normal(rng); break;
      case 1: x[i] = uni(rng) * 0.02f + 0.01f; break;             // skewed, mostly positive
      case 2: x[i] = (i % 7 == 0) ? normal(rng) * 30.0f : normal(rng); break;  // outliers
      default: x[i] = std::round(uni(rng) * 8.0f) / 4.0f; break;  // ties and repeats
    }
  }
  return x;
}

using qp::test::half_at;

// What element e of a block can be: its sub-block's representable values (every code), and the
// part of the error that the stored fp16 header adds for the legacy types (they pick codes with
// the float32 scale, then store it rounded: up to |code| * |d - d16| <= 128 * 2^-11 * |d16|, and
// 2^-11 * |m16| for the min).
struct ElementGrid {
  std::vector<float> levels;
  double slack = 0;
};

ElementGrid element_grid(GgmlBlockType t, const uint8_t* b, int e) {
  ElementGrid g;
  const float d = half_at(b);
  switch (t) {
    case GgmlBlockType::Q8_0:
      for (int q = -128; q < 128; ++q) g.levels.push_back(static_cast<float>(q) * d);
      g.slack = std::fabs(d) / 16;
      break;
    case GgmlBlockType::Q4_0: case GgmlBlockType::Q5_0: {
      const int half = t == GgmlBlockType::Q4_0 ? 8 : 16;
      for (int q = -half; q < half; ++q) g.levels.push_back(static_cast<float>(q) * d);
      g.slack = std::fabs(d) / 16;
      break;
    }
    case GgmlBlockType::Q4_1: case GgmlBlockType::Q5_1: {
      const float m = half_at(b + 2);
      const int top = t == GgmlBlockType::Q4_1 ? 16 : 32;
      for (int q = 0; q < top; ++q) g.levels.push_back(static_cast<float>(q) * d + m);
      g.slack = std::fabs(d) / 64 + std::fabs(m) / 2048;
      break;
    }
    case GgmlBlockType::Q4_K: {
      int sc, m;
      qp::test::k4_scale_min(b + 4, e / 32, sc, m);
      const float dj = d * static_cast<float>(sc), mj = half_at(b + 2) * static_cast<float>(m);
      for (int q = 0; q < 16; ++q) g.levels.push_back(dj * static_cast<float>(q) - mj);
      g.slack = 1e-6 * (std::fabs(dj) + std::fabs(mj));  // codes come from the stored scales
      break;
    }
    case GgmlBlockType::Q6_K: {
      const float dj = half_at(b + 208) * static_cast<float>(static_cast<int8_t>(b[192 + e / 16]));
      for (int q = -32; q < 32; ++q) g.levels.push_back(dj * static_cast<float>(q));
      g.slack = 1e-6 * std::fabs(dj);
      break;
    }
    default: break;
  }
  return g;
}

}  // namespace

TEST_CASE("ggml_quantize: byte-exact with ggml's quantize_row_*_ref (oracle ggml_blocks)") {
  const std::string dir = qp::test::family_dir(qp::test::oracle_root(), "ggml_blocks");
  REQUIRE_MESSAGE(!dir.empty(), "missing oracle family ggml_blocks under " << qp::test::oracle_root());
  CHECK(check_family(dir) >= 22);
}

TEST_CASE("ggml_quantize: Q6_K and more Q4_K byte-exact with the derived numpy model (tests/vectors/ggml_more)") {
  // No ggml producer is installable here (no python3-gguf in Debian 12): the vectors come from
  // scripts/oracle/gen_ggml_vectors.py, whose same model reproduces ggml's own Q4_K bytes.
  const std::string dir = qp::test::family_dir(qp::test::vectors_root(), "ggml_more");
  REQUIRE_MESSAGE(!dir.empty(), "missing tests/vectors/ggml_more (scripts/oracle/gen_ggml_vectors.py)");
  CHECK(check_family(dir) >= 28);
}

TEST_CASE("ggml_quantize: every value lands on (or next to) the nearest level of its block, many row lengths") {
  std::mt19937 rng(20260604);
  for (GgmlBlockType t : kQuantizable) {
    const qp::GgmlBlockFormat& f = qp::ggml_block_format(t);
    CAPTURE(f.name);
    for (size_t blocks : {1u, 2u, 3u, 5u, 8u, 9u}) {
      for (int style = 0; style < 4; ++style) {
        CAPTURE(blocks);
        CAPTURE(style);
        const size_t n = blocks * f.block_elements;
        const std::vector<float> x = random_row(rng, n, style);
        std::vector<uint8_t> raw(qp::ggml_row_bytes(t, n));
        REQUIRE(raw.size() == blocks * f.block_bytes);
        qp::ggml_quantize_row(t, x.data(), n, raw.data());
        std::vector<float> y(n);
        qp::ggml_dequantize_row(t, raw.data(), n, y.data());
        size_t bad = 0;
        double sse = 0, ssx = 0;
        for (size_t i = 0; i < n; ++i) {
          const uint8_t* b = &raw[(i / f.block_elements) * f.block_bytes];
          const ElementGrid g = element_grid(t, b, static_cast<int>(i % f.block_elements));
          double nearest = INFINITY;
          for (float v : g.levels) nearest = std::min(nearest, std::fabs(static_cast<double>(x[i]) - v));
          const double err = std::fabs(static_cast<double>(x[i]) - y[i]);
          bool on_grid = false;
          for (float v : g.levels) on_grid = on_grid || v == y[i];
          if (!on_grid || err > nearest + g.slack + 1e-30) {
            if (bad++ == 0) MESSAGE("element " << i << ": x " << x[i] << " -> " << y[i] << ", nearest level is " << nearest << " away");
          }
          sse += err * err;
          ssx += static_cast<double>(x[i]) * x[i];
        }
        CHECK(bad == 0);
        // And the whole row is a useful reconstruction: relative RMS error well below 1 (4-bit
        // types on Gaussian data are near 0.1, Q8_0 near 0.005).
        CHECK(std::sqrt(sse / ssx) < 0.2);
      }
    }
  }
}

TEST_CASE("ggml_quantize: block sizes, bits per weight, names") {
  struct Want { const char* name; uint32_t elements, bytes; double bpw; bool quantizable; };
  const Want wants[] = {
      {"q8_0", 32, 34, 8.5, true},     {"q4_0", 32, 18, 4.5, true},       {"q4_1", 32, 20, 5.0, true},
      {"q5_0", 32, 22, 5.5, true},     {"q5_1", 32, 24, 6.0, true},       {"q2_k", 256, 84, 2.625, false},
      {"q3_k", 256, 110, 3.4375, false}, {"q4_k", 256, 144, 4.5, true},   {"q5_k", 256, 176, 5.5, false},
      {"q6_k", 256, 210, 6.5625, true},
  };
  for (const Want& w : wants) {
    CAPTURE(w.name);
    const GgmlBlockType t = qp::parse_ggml_block_type(w.name);
    CHECK(std::string(qp::ggml_block_format(t).name) == w.name);
    CHECK(qp::ggml_block_format(t).block_elements == w.elements);
    CHECK(qp::ggml_block_format(t).block_bytes == w.bytes);
    CHECK(qp::ggml_block_format(t).quantizable == w.quantizable);
    CHECK(qp::ggml_bits_per_weight(t) == w.bpw);
    CHECK(qp::ggml_row_bytes(t, 3 * w.elements) == 3 * w.bytes);
  }
  CHECK(qp::parse_ggml_block_type("Q4_K") == GgmlBlockType::Q4_K);
  CHECK_THROWS_WITH_AS(qp::parse_ggml_block_type("q7_0"), doctest::Contains("unknown ggml block type 'q7_0' (known: q8_0"),
                       qp::Error);
}

TEST_CASE("ggml_quantize: refuses partial blocks, non-finite values and dequantize-only types") {
  std::vector<float> x(512, 0.25f);
  std::vector<uint8_t> out(512 * 2);
  std::vector<float> y(512);
  CHECK_THROWS_WITH_AS(qp::ggml_quantize_row(GgmlBlockType::Q8_0, x.data(), 33, out.data()),
                       "q8_0 works on blocks of 32 values, but the row has 33", qp::Error);
  CHECK_THROWS_WITH_AS(qp::ggml_quantize_row(GgmlBlockType::Q4_K, x.data(), 288, out.data()),
                       "q4_k works on blocks of 256 values, but the row has 288", qp::Error);
  CHECK_THROWS_AS(qp::ggml_dequantize_row(GgmlBlockType::Q6_K, out.data(), 100, y.data()), qp::Error);
  CHECK_THROWS_AS(qp::ggml_row_bytes(GgmlBlockType::Q5_1, 31), qp::Error);
  for (float bad : {NAN, INFINITY, -INFINITY}) {
    for (GgmlBlockType t : kQuantizable) {
      std::vector<float> v(256, 1.0f);
      v[200] = bad;
      CHECK_THROWS_WITH_AS(qp::ggml_quantize_row(t, v.data(), 256, out.data()), doctest::Contains("value 200 is"),
                           qp::Error);
    }
  }
  CHECK_THROWS_WITH_AS(qp::ggml_quantize_row(GgmlBlockType::Q5_K, x.data(), 256, out.data()),
                       "q5_k can be read (dequantized) but not quantized here", qp::Error);
  // An empty row is zero blocks: nothing written, nothing thrown.
  CHECK_NOTHROW(qp::ggml_quantize_row(GgmlBlockType::Q4_0, x.data(), 0, out.data()));
}

TEST_CASE("ggml_quantize: all-zero blocks and ggml's signed zero scale") {
  std::vector<float> x(256, 0.0f);
  for (GgmlBlockType t : kQuantizable) {
    const qp::GgmlBlockFormat& f = qp::ggml_block_format(t);
    CAPTURE(f.name);
    std::vector<uint8_t> raw(qp::ggml_row_bytes(t, 256));
    qp::ggml_quantize_row(t, x.data(), 256, raw.data());
    std::vector<float> y(256, 1.0f);
    qp::ggml_dequantize_row(t, raw.data(), 256, y.data());
    for (float v : y) CHECK(v == 0.0f);
  }
  // Q4_0 divides the signed max (0) by -8: d = -0, stored as fp16 0x8000 (bytes 00 80).
  std::vector<uint8_t> q4(18);
  qp::ggml_quantize_row(GgmlBlockType::Q4_0, x.data(), 32, q4.data());
  CHECK(q4[0] == 0x00);
  CHECK(q4[1] == 0x80);
  // Q6_K writes an all-zero super-block as 210 zero bytes.
  std::vector<uint8_t> q6(210, 0xaa);
  qp::ggml_quantize_row(GgmlBlockType::Q6_K, x.data(), 256, q6.data());
  for (uint8_t b : q6) CHECK(b == 0);
}

TEST_CASE("ggml schemes: run_scheme equals ggml_quantize_row then ggml_dequantize_row, blocks along the last axis") {
  std::mt19937 rng(99);
  for (GgmlBlockType t : kQuantizable) {
    const qp::GgmlBlockFormat& f = qp::ggml_block_format(t);
    CAPTURE(f.name);
    const int64_t last = 2 * static_cast<int64_t>(f.block_elements);
    const qp::Shape shape{3, 2, last};
    const size_t n = static_cast<size_t>(3 * 2 * last);
    const std::vector<float> x = random_row(rng, n, 2);
    qp::SchemeSpec spec;
    spec.format = f.name;
    const qp::SchemeResult r = qp::run_scheme(x.data(), n, shape, spec);
    std::vector<uint8_t> raw(qp::ggml_row_bytes(t, n));
    qp::ggml_quantize_row(t, x.data(), n, raw.data());
    std::vector<float> y(n);
    qp::ggml_dequantize_row(t, raw.data(), n, y.data());
    std::string first;
    CHECK_MESSAGE(qp::test::count_bit_mismatches(r.dequantized, y, &first) == 0, first);
    CHECK(r.units == n / f.block_elements);
    CHECK(r.stored_bits == r.units * f.block_bytes * 8);
    CHECK(r.bits_per_weight == qp::ggml_bits_per_weight(t));
    REQUIRE(r.unit_axis.has_value());
    CHECK(*r.unit_axis == 2);
    CHECK(r.unit_group == static_cast<int>(f.block_elements));
    CHECK(r.unit_shape == qp::Shape{3, 2, 2});
    CHECK(r.unit_mse.size() == r.units);
    // Levels: every value of block 0's reconstruction is one of them, ascending and distinct.
    REQUIRE_FALSE(r.levels.empty());
    for (size_t k = 1; k < r.levels.size(); ++k) CHECK(r.levels[k - 1] < r.levels[k]);
    for (size_t i = 0; i < f.block_elements; ++i) {
      CHECK(std::binary_search(r.levels.begin(), r.levels.end(), r.dequantized[i]));
    }
    // A last dimension that is not whole blocks is refused with the sizes; so is an axis option.
    const qp::Shape odd{static_cast<int64_t>(n / (f.block_elements + 16)), static_cast<int64_t>(f.block_elements + 16)};
    if (static_cast<size_t>(odd[0] * odd[1]) == n) {
      CHECK_THROWS_WITH_AS(qp::run_scheme(x.data(), n, odd, spec), doctest::Contains("blocks of"), qp::Error);
    }
    const qp::Shape flat_odd{static_cast<int64_t>(n / 2), 2};
    CHECK_THROWS_WITH_AS(qp::run_scheme(x.data(), n, flat_odd, spec),
                         doctest::Contains("along the last axis, but the last dimension is 2"), qp::Error);
    qp::SchemeSpec grouped = spec;
    grouped.integer.channel_axis = 0;
    CHECK_THROWS_AS(qp::run_scheme(x.data(), n, shape, grouped), qp::Error);
  }
}

TEST_CASE("ggml_quantize: Q4_K's lockstep search gives the plain search's bytes (random and edge blocks)") {
  // quantize_block_q4_k fits the 8 sub-blocks side by side and skips candidates that repeat the
  // previous codes; quantize_block_q4_k_ref is the plain one-sub-block-at-a-time transcription.
  std::mt19937 rng(4242);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  int blocks = 0;
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<float> x = random_row(rng, 256, trial);
    // Edge sub-blocks: constant, all zero, all negative, one outlier, tiny, positive only.
    const int j = trial % 8;
    float* s = &x[32 * j];
    switch ((trial / 8) % 7) {
      case 0: std::fill(s, s + 32, 0.375f); break;
      case 1: std::fill(s, s + 32, 0.0f); break;
      case 2: for (int i = 0; i < 32; ++i) s[i] = -std::fabs(s[i]) - 2.0f; break;
      case 3: s[trial % 32] = 1000.0f; break;
      case 4: for (int i = 0; i < 32; ++i) s[i] *= 1e-30f; break;
      case 5: for (int i = 0; i < 32; ++i) s[i] = std::fabs(s[i]) + 1.0f; break;
      default: for (int i = 0; i < 32; ++i) s[i] = normal(rng) * 1e4f; break;
    }
    uint8_t fast[144], ref[144];
    qp::ggml::quantize_block_q4_k(x.data(), fast);
    qp::ggml::quantize_block_q4_k_ref(x.data(), ref);
    CAPTURE(trial);
    CHECK(std::memcmp(fast, ref, 144) == 0);
    ++blocks;
  }
  CHECK(blocks == 400);
}

TEST_CASE("ggml_quantize: Q4_K's fit tiers give the plain fit's codes, scales and mins bit for bit") {
  // The bytes of a block hide small differences of a fit (its scales are re-quantized to 6 bits),
  // so the fits are compared directly: the lockstep tier, and in wasm SIMD builds the f32x4 tier,
  // against fit_scale_min_q4_ref sub-block by sub-block, with ggml's weights av_x + |x|.
  std::mt19937 rng(4343);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto same = [](float a, float b) { return std::memcmp(&a, &b, 4) == 0; };
  for (int trial = 0; trial < 600; ++trial) {
    std::vector<float> x = random_row(rng, 256, trial), w(256);
    float* s = &x[32 * (trial % 8)];
    switch ((trial / 8) % 8) {
      case 0: std::fill(s, s + 32, 0.375f); break;
      case 1: std::fill(s, s + 32, 0.0f); break;
      case 2: for (int i = 0; i < 32; ++i) s[i] = -std::fabs(s[i]) - 2.0f; break;
      case 3: s[trial % 32] = 1000.0f; break;
      case 4: for (int i = 0; i < 32; ++i) s[i] *= 1e-30f; break;
      case 5: for (int i = 0; i < 32; ++i) s[i] = std::fabs(s[i]) + 1.0f; break;
      case 6: for (int i = 0; i < 32; ++i) s[i] = normal(rng) * 1e4f; break;
      default: break;
    }
    for (int j = 0; j < 8; ++j) {
      float sum_x2 = 0;
      for (int l = 0; l < 32; ++l) sum_x2 += x[32 * j + l] * x[32 * j + l];
      const float av_x = std::sqrt(sum_x2 / 32);
      for (int l = 0; l < 32; ++l) w[32 * j + l] = av_x + std::fabs(x[32 * j + l]);
    }
    uint8_t want_L[256];
    float want_scale[8], want_min[8];
    for (int j = 0; j < 8; ++j)
      want_scale[j] = qp::ggml::fit_scale_min_q4_ref(&x[32 * j], &w[32 * j], want_L + 32 * j, &want_min[j]);
    std::vector<std::pair<const char*, void (*)(const float*, const float*, uint8_t*, float*, float*)>> tiers = {
        {"lockstep", qp::ggml::fit_scale_min_q4_x8}};
#if defined(__wasm_simd128__)
    tiers.push_back({"wasmsimd", qp::ggml::fit_scale_min_q4_x8__wasmsimd});
#endif
    for (const auto& tier : tiers) {
      uint8_t L[256];
      float scale[8], min[8];
      tier.second(x.data(), w.data(), L, scale, min);
      CAPTURE(trial);
      CAPTURE(tier.first);
      CHECK(std::memcmp(L, want_L, 256) == 0);
      for (int j = 0; j < 8; ++j) {
        CHECK(same(scale[j], want_scale[j]));
        CHECK(same(min[j], want_min[j]));
      }
    }
  }
}

TEST_CASE("ggml_quantize: Q8_0's inline rounding equals roundf then the int8 cast") {
  // ggml writes roundf(x * id) into an int8; low_byte_of_roundf does it without a libm call.
  std::mt19937 rng(7);
  std::vector<float> probes = {0.0f, -0.0f, 0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 126.5f, -127.5f, 127.49998f,
                               0.49999997f, -0.49999997f, 8388607.5f, 16777216.0f, 2147483520.0f, -2147483648.0f};
  std::uniform_real_distribution<float> uni(-130.0f, 130.0f);
  for (int k = 0; k < 100000; ++k) probes.push_back(uni(rng));
  for (float v : probes) {
    CAPTURE(v);
    const double r = std::round(static_cast<double>(v));  // exact for every float
    CHECK(qp::ggml::low_byte_of_roundf(v) == static_cast<uint8_t>(static_cast<int64_t>(r) & 0xff));
  }
  CHECK(qp::ggml::low_byte_of_roundf(NAN) == 0);
  CHECK(qp::ggml::low_byte_of_roundf(3e9f) == 0);
}

TEST_CASE("ggml_quantize: Q6_K's lockstep search gives the plain search's bytes (random and edge blocks)") {
  std::mt19937 rng(6262);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  for (int trial = 0; trial < 400; ++trial) {
    std::vector<float> x = random_row(rng, 256, trial);
    // Edge sub-blocks of 16: zero, constant, one value, huge, tiny, all negative.
    float* s = &x[16 * (trial % 16)];
    switch ((trial / 16) % 6) {
      case 0: std::fill(s, s + 16, 0.0f); break;
      case 1: std::fill(s, s + 16, -0.625f); break;
      case 2: std::fill(s, s + 16, 0.0f); s[trial % 16] = 2.0f; break;
      case 3: for (int i = 0; i < 16; ++i) s[i] = normal(rng) * 1e5f; break;
      case 4: for (int i = 0; i < 16; ++i) s[i] *= 1e-20f; break;
      default: for (int i = 0; i < 16; ++i) s[i] = -std::fabs(s[i]); break;
    }
    uint8_t fast[210], ref[210];
    qp::ggml::quantize_block_q6_k(x.data(), fast);
    qp::ggml::quantize_block_q6_k_ref(x.data(), ref);
    CAPTURE(trial);
    CHECK(std::memcmp(fast, ref, 210) == 0);
  }
}

TEST_CASE("ggml_quantize: Q6_K's fit tiers give the plain fit's codes and scales bit for bit") {
  // As for Q4_K: the fits directly (their scales are re-quantized to int8 in the block).
  std::mt19937 rng(6363);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  auto same = [](float a, float b) { return std::memcmp(&a, &b, 4) == 0; };
  for (int trial = 0; trial < 600; ++trial) {
    std::vector<float> x = random_row(rng, 256, trial);
    float* s = &x[16 * (trial % 16)];
    switch ((trial / 16) % 7) {
      case 0: std::fill(s, s + 16, 0.0f); break;
      case 1: std::fill(s, s + 16, -0.625f); break;
      case 2: std::fill(s, s + 16, 0.0f); s[trial % 16] = 2.0f; break;
      case 3: for (int i = 0; i < 16; ++i) s[i] = normal(rng) * 1e5f; break;
      case 4: for (int i = 0; i < 16; ++i) s[i] *= 1e-20f; break;
      case 5: for (int i = 0; i < 16; ++i) s[i] = -std::fabs(s[i]); break;
      default: break;
    }
    uint8_t want_L[256];
    float want_scale[16];
    for (int j = 0; j < 16; ++j) want_scale[j] = qp::ggml::fit_scale_q6_ref(&x[16 * j], want_L + 16 * j);
    std::vector<std::pair<const char*, void (*)(const float*, uint8_t*, float*)>> tiers = {
        {"lockstep", qp::ggml::fit_scale_q6_x16}};
#if defined(__wasm_simd128__)
    tiers.push_back({"wasmsimd", qp::ggml::fit_scale_q6_x16__wasmsimd});
#endif
    for (const auto& tier : tiers) {
      uint8_t L[256];
      float scale[16];
      tier.second(x.data(), L, scale);
      CAPTURE(trial);
      CAPTURE(tier.first);
      CHECK(std::memcmp(L, want_L, 256) == 0);
      for (int j = 0; j < 16; ++j) CHECK(same(scale[j], want_scale[j]));
    }
  }
}
