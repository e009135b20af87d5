// Error metrics, summary statistics and histograms compute what their names say.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "quant/metrics.h"
#include "quant/stats.h"

TEST_CASE("error metrics on a hand-computed example") {
  const std::vector<float> x = {1, 2, 3, 4}, y = {1, 2, 3, 5};
  const auto m = qp::compute_error_metrics(x.data(), y.data(), 4);
  CHECK(m.mse == 0.25);                             // (0 + 0 + 0 + 1) / 4
  CHECK(m.max_abs_error == 1.0);
  CHECK(m.sqnr_db == doctest::Approx(10 * std::log10(30.0 / 1.0)));  // sum x^2 = 30, sum e^2 = 1
  CHECK(m.cosine == doctest::Approx(34.0 / (std::sqrt(30.0) * std::sqrt(39.0))));
}

TEST_CASE("error metrics edge cases") {
  const std::vector<float> x = {1, -2}, zero = {0, 0};
  auto m = qp::compute_error_metrics(x.data(), x.data(), 2);
  CHECK(std::isinf(m.sqnr_db));
  CHECK(m.sqnr_db > 0);
  CHECK(m.cosine == doctest::Approx(1.0));
  m = qp::compute_error_metrics(x.data(), zero.data(), 2);
  CHECK(m.cosine == 0.0);
  CHECK(m.sqnr_db == doctest::Approx(0.0));
  m = qp::compute_error_metrics(zero.data(), zero.data(), 2);
  CHECK(m.cosine == 1.0);
  CHECK_THROWS_AS(qp::compute_error_metrics(x.data(), x.data(), 0), qp::Error);
}

TEST_CASE("tensor statistics count non-finite values and ignore them in min/max/mean/std") {
  const float inf = std::numeric_limits<float>::infinity();
  const std::vector<float> x = {2, 4, std::nanf(""), inf, -inf, 4, 4, 5, 5, 7, 9};
  const auto s = qp::compute_stats(x.data(), x.size());
  CHECK(s.count == 11);
  CHECK(s.nan_count == 1);
  CHECK(s.posinf_count == 1);
  CHECK(s.neginf_count == 1);
  CHECK(s.finite_count == 8);
  CHECK(s.min == 2);
  CHECK(s.max == 9);
  CHECK(s.mean == 5.0);
  CHECK(s.std == 2.0);  // the classic population-std example
  CHECK(s.zero_count == 0);
  const std::vector<float> zeros = {0.0f, -0.0f, 1.0f, std::nanf(""), 0.0f};
  CHECK(qp::compute_stats(zeros.data(), zeros.size()).zero_count == 3);
  CHECK_THROWS_AS(qp::require_finite(x.data(), x.size()), qp::Error);
  CHECK_NOTHROW(qp::require_finite(x.data(), 2));
  CHECK_THROWS_AS(qp::require_finite(x.data(), 0), qp::Error);
}

TEST_CASE("histogram bins, edges and out-of-range counts") {
  const std::vector<float> x = {0, 0.1f, 0.5f, 0.99f, 1, -1, 2, std::nanf("")};
  const auto h = qp::compute_histogram(x.data(), x.size(), 4, 0.0, 1.0);
  CHECK(h.counts == std::vector<double>{2, 0, 1, 2});  // 1.0 falls into the last bin
  CHECK(h.below == 1);
  CHECK(h.above == 1);
  const auto flat = qp::compute_histogram(x.data(), 1, 5, 0.0, 0.0);
  CHECK(flat.counts[2] == 1);
  CHECK_THROWS_AS(qp::compute_histogram(x.data(), x.size(), 0, 0.0, 1.0), qp::Error);
  CHECK_THROWS_AS(qp::compute_histogram(x.data(), x.size(), 4, 1.0, 0.0), qp::Error);
}
