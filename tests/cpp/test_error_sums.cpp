// The error-sum kernel: the dispatched tier (f64x2 SIMD in the wasm SIMD build) equals the plain
// reference bit for bit, and ErrorAccumulator fed in arbitrary pieces equals the metrics'
// definition (element with global index g in lane g mod 4, lanes combined as (0 + 1) + (2 + 3)).
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/error_sums.h"
#include "quant/metrics.h"

namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

// x and a reconstruction y near it, with exact zeros, equal pairs, huge and tiny magnitudes, and
// (when `specials`) +-inf in y, so that differences are +-inf or NaN.
void make_pair(size_t n, std::mt19937& rng, bool specials, std::vector<float>& x, std::vector<float>& y) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_int_distribution<int> pick(0, 9);
  x.resize(n);
  y.resize(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = normal(rng);
    y[i] = x[i] + 0.01f * normal(rng);
    switch (pick(rng)) {
      case 0: x[i] = 0.0f; break;
      case 1: y[i] = x[i]; break;
      case 2: x[i] *= 1e30f; break;
      case 3: y[i] *= 1e-30f; break;
      case 4: if (specials) y[i] = (i & 1) ? std::numeric_limits<float>::infinity() : -std::numeric_limits<float>::infinity(); break;
      default: break;
    }
  }
  if (specials && n >= 2) x[n - 1] = y[n - 1] = std::numeric_limits<float>::infinity();  // inf - inf = NaN
}

// The definition, one element at a time.
qp::ErrorMetrics by_definition(const std::vector<float>& x, const std::vector<float>& y) {
  double e[4] = {}, p[4] = {}, q[4] = {}, r[4] = {}, m[4] = {};
  for (size_t i = 0; i < x.size(); ++i) {
    const int l = static_cast<int>(i % 4);
    const double a = x[i], b = y[i], d = a - b;
    e[l] += d * d;
    p[l] += a * a;
    q[l] += b * b;
    r[l] += a * b;
    if (std::fabs(d) > m[l]) m[l] = std::fabs(d);
  }
  auto combine = [](const double* s) { return (s[0] + s[1]) + (s[2] + s[3]); };
  qp::ErrorMetrics out;
  const double se = combine(e), sx = combine(p), sy = combine(q), sxy = combine(r);
  out.mse = se / static_cast<double>(x.size());
  out.max_abs_error = std::fmax(std::fmax(m[0], m[1]), std::fmax(m[2], m[3]));
  out.sqnr_db = se == 0 ? std::numeric_limits<double>::infinity()
                : sx == 0 ? -std::numeric_limits<double>::infinity() : 10.0 * std::log10(sx / se);
  out.cosine = (sx == 0 && sy == 0) ? 1.0 : (sx == 0 || sy == 0) ? 0.0 : sxy / (std::sqrt(sx) * std::sqrt(sy));
  return out;
}

}  // namespace

TEST_CASE("error_sums_add: dispatched tier equals the reference bit for bit (sizes, specials, running sums)") {
  std::mt19937 rng(2024);
  for (size_t n : {0, 4, 8, 12, 16, 20, 60, 64, 68, 1000, 4096}) {
    for (bool specials : {false, true}) {
      std::vector<float> x, y;
      make_pair(n, rng, specials, x, y);
      qp::kernels::ErrorSums a, b;
      // Start from non-zero running sums, as a second piece of a tensor does.
      for (int l = 0; l < 4; ++l) a.err2[l] = b.err2[l] = 0.5 * l, a.max_abs[l] = b.max_abs[l] = 0.25 * l;
      qp::kernels::error_sums_add_ref(a, x.data(), y.data(), n);
      qp::kernels::error_sums_add(b, x.data(), y.data(), n);
      CAPTURE(n);
      CAPTURE(specials);
      for (int l = 0; l < 4; ++l) {
        CHECK(same_bits(a.err2[l], b.err2[l]));
        CHECK(same_bits(a.x2[l], b.x2[l]));
        CHECK(same_bits(a.y2[l], b.y2[l]));
        CHECK(same_bits(a.xy[l], b.xy[l]));
        CHECK(same_bits(a.max_abs[l], b.max_abs[l]));
      }
    }
  }
}

TEST_CASE("ErrorAccumulator: any split into pieces gives the definition's bits") {
  std::mt19937 rng(77);
  for (size_t n : {1, 3, 4, 5, 15, 16, 17, 33, 255, 1000, 5001}) {
    std::vector<float> x, y;
    make_pair(n, rng, false, x, y);
    const qp::ErrorMetrics want = by_definition(x, y);
    std::uniform_int_distribution<size_t> piece(1, 37);
    for (int split = 0; split < 4; ++split) {
      qp::ErrorAccumulator acc;
      for (size_t at = 0; at < n;) {
        const size_t m = split == 0 ? n : std::min(n - at, piece(rng));
        acc.add(x.data() + at, y.data() + at, m);
        at += m;
      }
      const qp::ErrorMetrics got = acc.result();
      CAPTURE(n);
      CAPTURE(split);
      CHECK(same_bits(got.mse, want.mse));
      CHECK(same_bits(got.max_abs_error, want.max_abs_error));
      CHECK(same_bits(got.sqnr_db, want.sqnr_db));
      CHECK(same_bits(got.cosine, want.cosine));
    }
  }
}
