// Trellis-coded quantization (quant/tcq.h): the Viterbi search against an exhaustive search over
// every code sequence on tiny blocks; decode(encode(x)) reproduces the encoder's reconstruction;
// the trellis is well formed; at R bits TCQ has a lower MSE than the uniform symmetric R-bit
// grid with the same blocks on Gaussian data; the encoder equals its plain reference bit for bit.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "quant/scheme.h"
#include "quant/tcq.h"

namespace {

std::vector<float> gaussian(size_t n, uint32_t seed) {
  std::vector<float> x(n);
  for (size_t i = 0; i < n; i += 2) {
    seed = seed * 1664525u + 1013904223u;
    const double u1 = (static_cast<double>(seed >> 8) + 1.0) / 16777217.0;
    seed = seed * 1664525u + 1013904223u;
    const double u2 = static_cast<double>(seed >> 8) / 16777216.0;
    const double r = std::sqrt(-2.0 * std::log(u1));
    x[i] = static_cast<float>(r * std::cos(6.283185307179586 * u2));
    if (i + 1 < n) x[i + 1] = static_cast<float>(r * std::sin(6.283185307179586 * u2));
  }
  return x;
}

}  // namespace

TEST_CASE("tcq: the trellis has two branches out of and into every state, one union coset per state") {
  for (int s = 0; s < qp::kTcqStates; ++s) {
    CHECK(qp::tcq_subset(s, 0) % 2 == qp::tcq_subset(s, 1) % 2);  // D0/D2 or D1/D3
    CHECK(qp::tcq_subset(s, 0) != qp::tcq_subset(s, 1));
    int into = 0;
    for (int from = 0; from < qp::kTcqStates; ++from)
      for (int u = 0; u < 2; ++u) into += qp::tcq_next_state(from, u) == s;
    CHECK(into == 2);
  }
  // Outermost levels are ±absmax.
  CHECK(qp::tcq_level(3, 15, qp::tcq_step(3, 2.0f)) == doctest::Approx(2.0f));
  CHECK(qp::tcq_level(3, 0, qp::tcq_step(3, 2.0f)) == doctest::Approx(-2.0f));
}

TEST_CASE("tcq: Viterbi finds the least-cost path of an exhaustive search over all code sequences") {
  for (int bits = 2; bits <= 4; ++bits) {
    const size_t max_n = bits == 2 ? 6 : bits == 3 ? 5 : 4;
    for (size_t n = 1; n <= max_n; ++n) {
      for (uint32_t seed = 1; seed <= 3; ++seed) {
        CAPTURE(bits);
        CAPTURE(n);
        const std::vector<float> x = gaussian(n, seed * 31 + static_cast<uint32_t>(n));
        std::vector<float> y(n);
        const qp::TcqBlock b = qp::tcq_encode_block(x.data(), n, bits, y.data());
        const uint32_t codes_per_sample = 1u << bits;
        size_t total = 1;
        for (size_t t = 0; t < n; ++t) total *= codes_per_sample;
        double best = std::numeric_limits<double>::infinity();
        std::vector<uint8_t> seq(n);
        for (size_t p = 0; p < total; ++p) {
          size_t r = p;
          for (size_t t = 0; t < n; ++t) seq[t] = static_cast<uint8_t>(r % codes_per_sample), r /= codes_per_sample;
          best = std::min(best, qp::tcq_path_cost(x.data(), n, bits, b.delta, seq.data()));
        }
        CHECK(b.cost == doctest::Approx(best).epsilon(1e-12));
        CHECK(qp::tcq_path_cost(x.data(), n, bits, b.delta, b.codes.data()) == doctest::Approx(b.cost).epsilon(1e-12));
      }
    }
  }
}

TEST_CASE("tcq: decode(encode(x)) is the encoder's reconstruction, bit for bit, on edge sizes") {
  for (int bits = 2; bits <= 4; ++bits) {
    for (size_t n : {1, 15, 16, 17, 255, 256}) {
      const std::vector<float> x = gaussian(n, static_cast<uint32_t>(n + bits));
      std::vector<float> y(n), z(n);
      const qp::TcqBlock b = qp::tcq_encode_block(x.data(), n, bits, y.data());
      qp::tcq_decode_block(b.codes.data(), n, bits, b.delta, z.data());
      CHECK(y == z);
      for (uint8_t c : b.codes) CHECK(c < (1u << bits));
    }
  }
  std::vector<float> zeros(40, 0.0f), y(40, 1.0f);
  const qp::TcqBlock b = qp::tcq_encode_block(zeros.data(), 40, 3, y.data());
  CHECK(b.delta == 0.0f);
  for (float v : y) CHECK(v == 0.0f);
}

TEST_CASE("tcq: lower MSE than the uniform symmetric grid of the same bits and blocks on Gaussian data") {
  const std::vector<float> x = gaussian(64 * 1024, 7);
  for (int bits = 2; bits <= 4; ++bits) {
    qp::SchemeSpec tcq;
    tcq.format = "tcq";
    tcq.integer.bits = bits;
    const qp::SchemeResult t = qp::run_scheme(x.data(), x.size(), {64, 1024}, tcq);
    qp::SchemeSpec uni;
    uni.integer.bits = bits;
    uni.integer.scheme = qp::Scheme::Symmetric;
    uni.integer.channel_axis = 1;
    uni.integer.group_size = 256;
    const qp::SchemeResult u = qp::run_scheme(x.data(), x.size(), {64, 1024}, uni);
    CAPTURE(bits);
    CAPTURE(t.metrics.sqnr_db);
    CAPTURE(u.metrics.sqnr_db);
    CHECK(t.metrics.mse < u.metrics.mse);
    CHECK(t.bits_per_weight == doctest::Approx(bits + 32.0 / 256));
  }
}

TEST_CASE("tcq: the encoder equals the plain reference bit for bit (codes, cost, step, output)") {
  // One encoder for all cases, so reused buffers of a longer block cannot leak into a shorter one.
  qp::TcqEncoder encoder;
  for (int bits = 2; bits <= 4; ++bits) {
    for (size_t n : {1, 2, 15, 16, 17, 255, 256, 17, 1}) {
      for (uint32_t seed = 1; seed <= 4; ++seed) {
        CAPTURE(bits);
        CAPTURE(n);
        CAPTURE(seed);
        std::vector<float> x = gaussian(n, seed * 977 + static_cast<uint32_t>(n * 7 + bits));
        if (seed == 4)  // a heavy outlier: the absmax step is large, the rms step usually wins
          x[n / 2] *= 40.0f;
        float absmax = 0.0f;
        double sum_sq = 0.0;
        for (float v : x) absmax = std::max(absmax, std::fabs(v)), sum_sq += static_cast<double>(v) * v;
        const float steps[2] = {qp::tcq_step(bits, absmax),
                                qp::tcq_gaussian_step(bits, static_cast<float>(std::sqrt(sum_sq / n)))};
        for (float step : steps) {
          std::vector<float> want(n), got(n, -1.0f);
          const qp::TcqBlock a = qp::tcq_encode_with_step_reference(x.data(), n, bits, step, want.data());
          const qp::TcqBlock& b = encoder.encode_with_step(x.data(), n, bits, step, got.data());
          CHECK(a.delta == b.delta);
          CHECK(a.cost == b.cost);
          CHECK(a.codes == b.codes);
          CHECK(want == got);
        }
        std::vector<float> want(n), got(n, -1.0f);
        const qp::TcqBlock a = qp::tcq_encode_block_reference(x.data(), n, bits, want.data());
        const qp::TcqBlock& b = encoder.encode_block(x.data(), n, bits, got.data());
        CHECK(a.delta == b.delta);
        CHECK(a.cost == b.cost);
        CHECK(a.codes == b.codes);
        CHECK(want == got);
      }
    }
  }
  // A zero block: step 0, every code from position 0, all outputs 0, as in the reference.
  std::vector<float> zeros(40, 0.0f), want(40), got(40, 1.0f);
  const qp::TcqBlock a = qp::tcq_encode_block_reference(zeros.data(), 40, 3, want.data());
  const qp::TcqBlock& b = encoder.encode_block(zeros.data(), 40, 3, got.data());
  CHECK(a.codes == b.codes);
  CHECK(want == got);
}

TEST_CASE("tcq: run_scheme's blocks equal the reference encoder block by block") {
  const std::vector<float> x = gaussian(3 * 600, 11);  // rows of 600: blocks of 256, 256, 88
  for (int bits = 2; bits <= 4; ++bits) {
    qp::SchemeSpec tcq;
    tcq.format = "tcq";
    tcq.integer.bits = bits;
    const qp::SchemeResult r = qp::run_scheme(x.data(), x.size(), {3, 600}, tcq);
    std::vector<float> want(x.size());
    for (size_t row = 0; row < 3; ++row)
      for (size_t first = 0; first < 600; first += qp::kTcqBlock) {
        const size_t o = row * 600 + first;
        qp::tcq_encode_block_reference(x.data() + o, std::min(qp::kTcqBlock, 600 - first), bits, want.data() + o);
      }
    CAPTURE(bits);
    CHECK(r.dequantized == want);
  }
}
