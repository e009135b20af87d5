// NF4 (quant/nf4.h) against the shared oracle sample (nf4, derived from bitsandbytes' code book and
// semantics) and tests/vectors/nf4 (scripts/oracle/gen_nf4_vectors.py: a torch re-implementation of
// bitsandbytes' torch backend, incl. double quantization), bit for bit; the code search against a
// brute-force argmin; the registry entry against the flat reference where the blocks coincide.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "oracle.h"
#include "quant/nf4.h"
#include "quant/scheme.h"

namespace {

using qp::test::count_bit_mismatches;

std::vector<float> as_floats(const std::vector<uint8_t>& v) { return std::vector<float>(v.begin(), v.end()); }

void check_exact(const std::string& what, const std::vector<float>& got, const std::vector<float>& want) {
  std::string first;
  const size_t bad = count_bit_mismatches(got, want, &first);
  CHECK_MESSAGE(bad == 0, what << ": " << bad << " mismatches, first " << first);
}

struct Counts {
  int quantized = 0, double_quant = 0, registry = 0, map = 0;
};

void run_family(const std::string& dir, Counts& n) {
  const nlohmann::json m = qp::test::load_manifest(dir);
  for (const auto& cj : m.at("cases")) {
    const qp::test::Case c{dir, cj};
    CAPTURE(c.id());
    if (c.id() == "codebook") continue;  // checked in its own test case
    if (c.id() == "dynamic_map") {
      const auto& map = qp::dynamic_map_8bit();
      check_exact("dynamic map", std::vector<float>(map.begin(), map.end()), c.expected("map").values);
      ++n.map;
      continue;
    }
    const qp::test::Array x = c.input("x");
    const size_t count = x.values.size(), blocks = (count + 63) / 64;
    std::vector<uint8_t> codes(count);
    std::vector<float> absmax(blocks);
    qp::nf4_quantize(x.values.data(), count, 64, codes.data(), absmax.data());
    check_exact("codes", as_floats(codes), c.expected("codes").values);
    check_exact("absmax", absmax, c.expected("absmax").values);
    const std::vector<uint8_t> packed = qp::nf4_pack(codes.data(), count);
    check_exact("packed", as_floats(packed), c.expected("packed").values);
    CHECK(qp::nf4_unpack(packed.data(), count) == codes);
    std::vector<float> scale = absmax;
    const bool dq = cj.at("params").value("double_quant", false);
    if (dq) {
      const qp::DoubleQuantAbsmax q = qp::double_quantize_absmax(absmax.data(), absmax.size());
      check_exact("absmax codes", as_floats(q.codes), c.expected("absmax_codes").values);
      check_exact("absmax2", q.absmax2, c.expected("absmax2").values);
      check_exact("offset", {q.offset}, c.expected("offset").values);
      scale = qp::double_dequantize_absmax(q);
      check_exact("absmax dequant", scale, c.expected("absmax_dequant").values);
      ++n.double_quant;
    }
    std::vector<float> y(count);
    qp::nf4_dequantize(codes.data(), count, 64, scale.data(), y.data());
    const std::vector<float> want = c.expected("dequant").values;
    check_exact("dequant", y, want);
    ++n.quantized;
    // The registry blocks rows of the last axis; bitsandbytes blocks the flattened tensor. They
    // are the same blocks when the last axis is a multiple of 64 (or the tensor is one row).
    const int64_t last = x.shape.empty() ? 1 : x.shape.back();
    if (last % 64 == 0 || static_cast<size_t>(last) == count) {
      qp::SchemeSpec spec;
      spec.format = "nf4";
      spec.double_quant = dq;
      const qp::SchemeResult r = qp::run_scheme(x.values.data(), count, x.shape, spec);
      check_exact("registry dequant", r.dequantized, want);
      ++n.registry;
    }
  }
}

}  // namespace

TEST_CASE("nf4: code book and midpoints equal the shared sample's, and the code search is argmin |s - level|") {
  const std::string dir = qp::test::family_dir(qp::test::oracle_root(), "nf4");
  REQUIRE_MESSAGE(!dir.empty(), "missing " << qp::test::oracle_root() << "/nf4");
  const auto& levels = qp::nf4_levels();
  const auto& mids = qp::nf4_midpoints();
  check_exact("code book", std::vector<float>(levels.begin(), levels.end()),
              qp::test::read_npy_file(dir + "/codebook/codebook.npy").values);
  check_exact("midpoints", std::vector<float>(mids.begin(), mids.end()),
              qp::test::read_npy_file(dir + "/codebook/midpoints_float32.npy").values);
  // Brute force: the first index of the smallest float32 |s - level| (bitsandbytes' torch backend),
  // one ulp either side of every midpoint and on a grid over [-1, 1].
  std::vector<float> probes;
  for (float m : mids) {
    probes.push_back(std::nextafter(m, -2.0f));
    probes.push_back(std::nextafter(m, 2.0f));
  }
  for (int i = 0; i <= 20000; ++i) probes.push_back(-1.0f + static_cast<float>(i) / 10000.0f);
  auto argmin = [&](float s) {
    size_t best = 0;
    for (size_t j = 1; j < 16; ++j)
      if (std::fabs(s - levels[j]) < std::fabs(s - levels[best])) best = j;
    return best;
  };
  for (float s : probes) {
    if (std::find(mids.begin(), mids.end(), s) != mids.end()) continue;  // the grid can hit one
    CAPTURE(s);
    CHECK(qp::nf4_code(s) == argmin(s));
  }
  // On a float32 midpoint itself the README (and CUDA kernel) rule takes the lower code. The
  // rounded midpoint is not an exact tie, so argmin can pick the upper one: it does on 6 of 15.
  int argmin_differs = 0;
  for (size_t i = 0; i < mids.size(); ++i) {
    CHECK(qp::nf4_code(mids[i]) == i);
    argmin_differs += argmin(mids[i]) != i;
  }
  CHECK(argmin_differs == 6);
}

TEST_CASE("nf4: shared oracle sample, bit for bit") {
  const std::string dir = qp::test::family_dir(qp::test::oracle_root(), "nf4");
  REQUIRE_MESSAGE(!dir.empty(), "missing " << qp::test::oracle_root() << "/nf4");
  Counts n;
  run_family(dir, n);
  CHECK(n.quantized >= 3);
}

TEST_CASE("nf4: generated vectors (derived torch, bitsandbytes semantics, double quant), bit for bit") {
  const std::string dir = qp::test::family_dir(qp::test::vectors_root(), "nf4");
  REQUIRE_MESSAGE(!dir.empty(), "missing " << qp::test::vectors_root() << "/nf4");
  Counts n;
  run_family(dir, n);
  CHECK(n.map == 1);
  CHECK(n.quantized == 15);
  CHECK(n.double_quant == 4);
  CHECK(n.registry >= 10);
}

TEST_CASE("nf4: the dynamic map's shape and the double-quant round trip") {
  const auto& map = qp::dynamic_map_8bit();
  CHECK(map.front() == doctest::Approx(-0.99296874f));
  CHECK(map.back() == 1.0f);
  for (size_t i = 1; i < map.size(); ++i) CHECK(map[i - 1] < map[i]);
  CHECK(std::count(map.begin(), map.end(), 0.0f) == 1);
  // Symmetric but for the extra 1.0: the 127 negative entries mirror positive ones.
  for (size_t i = 0; i < 127; ++i) CHECK(map[i] == -map[254 - i]);
  // Values offset by their mean, in 3 blocks of 256 (the last partial): every reconstruction within
  // half the map's local spacing times the block scale of its value.
  std::vector<float> a(600);
  for (size_t i = 0; i < a.size(); ++i) a[i] = 0.5f + 0.4f * std::sin(0.37f * static_cast<float>(i));
  const qp::DoubleQuantAbsmax q = qp::double_quantize_absmax(a.data(), a.size());
  REQUIRE(q.absmax2.size() == 3);
  const std::vector<float> back = qp::double_dequantize_absmax(q);
  for (size_t i = 0; i < a.size(); ++i) CHECK(std::fabs(back[i] - a[i]) <= q.absmax2[i / 256] * 0.008f);
}
