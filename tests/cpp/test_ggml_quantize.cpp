// ggml block quantization (src/quant/ggml_quantize.h): byte for byte against ggml's own
// quantize_row_*_ref and bit for bit against dequantize_row_* (shared oracle ggml_blocks), Q6_K
// against the derived vectors of scripts/oracle/gen_ggml_vectors.py (tests/vectors/ggml_more),
// properties of the codes on random rows of many lengths, and the refusals.
#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/half.h"
#include "oracle.h"
#include "quant/ggml_quantize.h"

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

}  // namespace

TEST_CASE("ggml_quantize: byte-exact with ggml's quantize_row_*_ref (oracle ggml_blocks)") {
  const std::string dir = qp::test::family_dir(qp::test::oracle_root(), "ggml_blocks");
  REQUIRE_MESSAGE(!dir.empty(), "missing oracle family ggml_blocks under " << qp::test::oracle_root());
  CHECK(check_family(dir) >= 22);
}
