// 1-D k-means (quant/kmeans_quant.h): the sorted, prefix-sum Lloyd iteration against the plain
// O(n·k) Lloyd step from the definition, step for step, on edge sizes; exact fits when k covers
// the distinct values; the radix sort path; the nearest-centroid rule.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "quant/kmeans_quant.h"

namespace {

std::vector<float> gaussian_like(size_t n, uint32_t seed) {
  std::vector<float> x(n);
  for (auto& v : x) {
    float s = 0;
    for (int j = 0; j < 4; ++j) {
      seed = seed * 1664525u + 1013904223u;
      s += static_cast<float>(seed >> 8) / 16777216.0f - 0.5f;
    }
    v = s;
  }
  return x;
}

}  // namespace

TEST_CASE("kmeans: the sorted prefix-sum Lloyd equals the plain Lloyd from the same start") {
  for (size_t n : {1, 2, 15, 16, 17, 100, 1000}) {
    for (size_t k : {1, 2, 4, 16, 256}) {
      CAPTURE(n);
      CAPTURE(k);
      const std::vector<float> x = gaussian_like(n, static_cast<uint32_t>(n * 7 + k));
      const qp::KmeansFit fit = qp::kmeans_fit(x.data(), n, k);
      std::vector<double> c = qp::kmeans_quantile_init(x.data(), n, k);
      std::vector<size_t> assignment(n, std::numeric_limits<size_t>::max());
      int steps = 0;
      bool converged = false;
      while (steps < qp::kKmeansMaxIterations) {
        ++steps;
        if (!qp::kmeans_lloyd_step_reference(x.data(), n, c, assignment)) {
          converged = true;
          break;
        }
      }
      CHECK(fit.iterations == steps);
      CHECK(fit.converged == converged);
      REQUIRE(fit.centroids.size() == k);
      for (size_t j = 0; j < k; ++j) CHECK(fit.centroids[j] == doctest::Approx(c[j]).epsilon(1e-6));
      CHECK(std::is_sorted(fit.centroids.begin(), fit.centroids.end()));
      // Lloyd never does worse than its start: the MSE of the fit is at most that of the
      // quantile centroids.
      const std::vector<double> init = qp::kmeans_quantile_init(x.data(), n, k);
      std::vector<float> init_f(init.begin(), init.end()), y(n);
      qp::kmeans_quantize(x.data(), n, k, nullptr, y.data());
      double fit_err = 0, init_err = 0;
      for (size_t i = 0; i < n; ++i) {
        fit_err += (x[i] - y[i]) * (x[i] - y[i]);
        const float z = init_f[qp::kmeans_code(x[i], init_f)];
        init_err += (x[i] - z) * (x[i] - z);
      }
      CHECK(fit_err <= init_err * (1 + 1e-9) + 1e-12);
    }
  }
}

TEST_CASE("kmeans: k at least the distinct values reproduces them exactly; nearest code ties go low") {
  const std::vector<float> x = {3.0f, -1.0f, 3.0f, 0.5f, -1.0f, 0.5f, 0.5f};
  std::vector<float> y(x.size());
  std::vector<uint16_t> codes(x.size());
  const qp::KmeansFit fit = qp::kmeans_quantize(x.data(), x.size(), 4, codes.data(), y.data());
  CHECK(y == x);
  CHECK(fit.converged);
  const std::vector<float> c = {-1.0f, 1.0f, 1.0f, 2.0f};
  CHECK(qp::kmeans_code(0.0f, c) == 0);    // exact midpoint of -1 and 1: the lower
  CHECK(qp::kmeans_code(1.0f, c) == 1);    // the first of equal centroids
  CHECK(qp::kmeans_code(1.5f, c) == 1);    // midpoint of 1 and 2
  CHECK(qp::kmeans_code(1.6f, c) == 3);
  CHECK(qp::kmeans_code(-9.0f, c) == 0);
  CHECK(qp::kmeans_code(9.0f, c) == 3);
  // A constant unit: every centroid the constant, every code 0.
  const std::vector<float> k(9, 0.25f);
  codes.resize(k.size());
  y.resize(k.size());
  const qp::KmeansFit flat = qp::kmeans_quantize(k.data(), k.size(), 8, codes.data(), y.data());
  for (float v : flat.centroids) CHECK(v == 0.25f);
  for (size_t i = 0; i < k.size(); ++i) CHECK(codes[i] == 0);
}

TEST_CASE("kmeans: the radix-sort path (>= 2048 values) gives the sorted quantiles") {
  for (size_t n : {2048, 3001, 70001}) {
    CAPTURE(n);
    std::vector<float> x = gaussian_like(n, static_cast<uint32_t>(n));
    x[5] = -0.0f;
    x[6] = 0.0f;
    x[7] = -1e-30f;
    x[8] = 1e-30f;
    const std::vector<double> c = qp::kmeans_quantile_init(x.data(), n, 64);
    std::vector<float> s = x;
    std::sort(s.begin(), s.end());
    for (size_t j = 0; j < 64; ++j) CHECK(c[j] == s[(2 * j + 1) * n / 128]);
    // The radix sort's order is the total order of the keys (-0 before +0): the quantiles have
    // exactly those bits. Also with every value in [1, 2), where keys share their top digit.
    for (int shift = 0; shift < 2; ++shift) {
      std::vector<float> v = x;
      if (shift) for (float& e : v) e = 1.0f + std::fabs(e) / 8.0f;
      auto key = [](float f) { uint32_t b; std::memcpy(&b, &f, 4); return b & 0x80000000u ? ~b : b | 0x80000000u; };
      std::vector<float> by_key = v;
      std::sort(by_key.begin(), by_key.end(), [&](float p, float q) { return key(p) < key(q); });
      const std::vector<double> q = qp::kmeans_quantile_init(v.data(), n, 64);
      for (size_t j = 0; j < 64; ++j) {
        const float want = by_key[(2 * j + 1) * n / 128], got = static_cast<float>(q[j]);
        CHECK(std::memcmp(&want, &got, 4) == 0);
      }
    }
    // Lloyd need not converge within the cap on every input; the fit stays ordered and in range.
    const qp::KmeansFit fit = qp::kmeans_fit(x.data(), n, 16);
    CHECK(std::is_sorted(fit.centroids.begin(), fit.centroids.end()));
    CHECK(fit.centroids.front() >= s.front());
    CHECK(fit.centroids.back() <= s.back());
  }
}

TEST_CASE("kmeans: the branch-free coder gives kmeans_code's code, and that is the nearest centroid") {
  uint32_t seed = 4;
  auto next = [&] {
    seed = seed * 1664525u + 1013904223u;
    return static_cast<float>(seed >> 8) / 16777216.0f * 4.0f - 2.0f;
  };
  for (size_t k : {1, 2, 3, 8, 16, 100, 256}) {
    std::vector<float> c(k);
    for (auto& v : c) v = next();
    if (k > 3) c[2] = c[1], c[3] = c[1];  // equal centroids
    std::sort(c.begin(), c.end());
    const qp::KmeansCoder coder(c);
    std::vector<float> probes;
    for (int i = 0; i < 2000; ++i) probes.push_back(next() * 1.2f);
    for (size_t j = 0; j + 1 < k; ++j) {
      const double mid = (static_cast<double>(c[j]) + c[j + 1]) / 2.0;
      if (static_cast<float>(mid) == mid) probes.push_back(static_cast<float>(mid));
      probes.push_back(std::nextafter(static_cast<float>(mid), 9.0f));
      probes.push_back(c[j]);
    }
    CAPTURE(k);
    for (float v : probes) {
      CAPTURE(v);
      const uint16_t code = qp::kmeans_code(v, c);
      CHECK(coder.code(v) == code);
      for (size_t j = 0; j < k; ++j) CHECK(std::fabs(v - c[code]) <= std::fabs(v - c[j]));
      if (code > 0) CHECK(c[code - 1] != c[code]);
    }
  }
}

TEST_CASE("kmeans: boundaries searched from the previous step give the plain search's fit bit for bit") {
  // Gaussian-like, skewed, heavy repeats and constant units; sizes around the radix-sort switch.
  for (size_t n : {1, 2, 3, 15, 16, 17, 100, 2047, 2048, 4096, 5001}) {
    for (size_t k : {1, 2, 3, 4, 16, 256}) {
      for (int style = 0; style < 3; ++style) {
        std::vector<float> x = gaussian_like(n, static_cast<uint32_t>(n * 31 + k * 7 + style));
        if (style == 1)
          for (float& v : x) v = std::round(v * 4.0f) / 4.0f;  // few distinct values, many ties
        if (style == 2)
          for (size_t i = 0; i < n; ++i) x[i] = i % 5 == 0 ? x[i] * 50.0f : std::fabs(x[i]);  // outliers
        const qp::KmeansFit a = qp::kmeans_fit_reference(x.data(), n, k);
        const qp::KmeansFit b = qp::kmeans_fit(x.data(), n, k);
        CAPTURE(n);
        CAPTURE(k);
        CAPTURE(style);
        CHECK(a.iterations == b.iterations);
        CHECK(a.converged == b.converged);
        REQUIRE(a.centroids.size() == b.centroids.size());
        CHECK(std::memcmp(a.centroids.data(), b.centroids.data(), a.centroids.size() * sizeof(float)) == 0);
      }
    }
  }
}

TEST_CASE("kmeans: kmeans_quantize's codes and levels are kmeans_code's on the fitted centroids") {
  // code_all (four values at a time in wasm SIMD builds) against the plain scan, value by value.
  for (size_t n : {1, 3, 4, 5, 17, 1000, 1025, 4099}) {
    for (size_t k : {2, 3, 16, 64}) {
      std::vector<float> x = gaussian_like(n, static_cast<uint32_t>(n * 13 + k));
      for (size_t i = 0; i < n; i += 7) x[i] = std::round(x[i] * 2.0f) / 2.0f;  // repeats and ties
      std::vector<uint16_t> codes(n);
      std::vector<float> out(n), out_no_codes(n);
      const qp::KmeansFit fit = qp::kmeans_quantize(x.data(), n, k, codes.data(), out.data());
      qp::kmeans_quantize(x.data(), n, k, nullptr, out_no_codes.data());
      CAPTURE(n);
      CAPTURE(k);
      for (size_t i = 0; i < n; ++i) {
        const uint16_t want = qp::kmeans_code(x[i], fit.centroids);
        CHECK(codes[i] == want);
        CHECK(out[i] == fit.centroids[want]);
      }
      CHECK(out == out_no_codes);
    }
  }
}
