// The comparison: default sets per shape, refusals kept as rows, and the Pareto front.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "quant/compare.h"

namespace {

qp::ComparisonRow row(double bits, double mse, const char* error = "") {
  qp::ComparisonRow r;
  r.bits_per_weight = bits;
  r.metrics.mse = mse;
  r.error = error;
  return r;
}

}  // namespace

TEST_CASE("Pareto front: exactly the rows no other row dominates") {
  std::vector<qp::ComparisonRow> rows = {row(8, 1e-5), row(4.5, 1e-3), row(5, 2e-3), row(4.5, 1e-3),
                                         row(2, 1e-1), row(3, 1e-1), row(1, 0.0, "refused")};
  qp::mark_pareto_front(rows);
  // Brute force: a row is on the front when no other valid row is <= in both and < in one.
  for (size_t i = 0; i < rows.size(); ++i) {
    bool dominated = !rows[i].error.empty();
    for (size_t j = 0; j < rows.size() && !dominated; ++j) {
      if (i == j || !rows[j].error.empty()) continue;
      dominated = rows[j].bits_per_weight <= rows[i].bits_per_weight && rows[j].metrics.mse <= rows[i].metrics.mse &&
                  (rows[j].bits_per_weight < rows[i].bits_per_weight || rows[j].metrics.mse < rows[i].metrics.mse);
    }
    CAPTURE(i);
    CHECK(rows[i].pareto == !dominated);
  }
  CHECK(rows[0].pareto);
  CHECK(rows[1].pareto);
  CHECK(rows[3].pareto);  // ties with row 1: neither dominates the other
  CHECK_FALSE(rows[2].pareto);
  CHECK_FALSE(rows[5].pareto);
  CHECK_FALSE(rows[6].pareto);
}

TEST_CASE("default comparison runs on every rank, and a refusal becomes a row with its message") {
  std::vector<float> x(3 * 64);
  uint32_t s = 9;
  for (auto& v : x) {
    s = s * 1664525u + 1013904223u;
    v = static_cast<float>(s >> 8) / 16777216.0f - 0.5f;
  }
  for (const qp::Shape& shape : {qp::Shape{192}, qp::Shape{3, 64}, qp::Shape{3, 4, 16}}) {
    const std::vector<qp::SchemeSpec> specs = qp::default_comparison(shape);
    CHECK(specs.size() >= 8);
    std::vector<qp::ComparisonRow> rows;
    for (const auto& spec : specs) rows.push_back(qp::compare_one(x.data(), x.size(), shape, spec));
    qp::mark_pareto_front(rows);
    int on_front = 0;
    for (const auto& r : rows) {
      CAPTURE(r.label);
      CHECK(r.error.empty());
      on_front += r.pareto;
    }
    CHECK(on_front >= 2);
  }
  qp::SchemeSpec bad;
  bad.integer.bits = 4;
  bad.integer.channel_axis = 7;
  const qp::ComparisonRow r = qp::compare_one(x.data(), x.size(), {3, 64}, bad);
  CHECK(r.error.find("axis 7") != std::string::npos);
}

TEST_CASE("default comparison offers ggml blocks only where the last axis holds whole blocks") {
  auto formats = [](const qp::Shape& shape) {
    std::vector<std::string> f;
    for (const auto& s : qp::default_comparison(shape)) f.push_back(s.format);
    return f;
  };
  auto has = [](const std::vector<std::string>& f, const char* name) {
    return std::find(f.begin(), f.end(), name) != f.end();
  };
  const auto narrow = formats({4, 48});   // 48: not whole blocks of 32
  const auto q32 = formats({4, 64});      // blocks of 32 fit, super-blocks of 256 do not
  const auto q256 = formats({2, 512});
  CHECK_FALSE(has(narrow, "q8_0"));
  CHECK(has(q32, "q8_0"));
  CHECK(has(q32, "q4_0"));
  CHECK_FALSE(has(q32, "q4_k"));
  CHECK(has(q256, "q4_k"));
  CHECK(has(q256, "q6_k"));
  for (const char* f : {"nf4", "kmeans", "log2", "tcq", "fp4", "ternary"}) {
    CAPTURE(f);
    CHECK(has(narrow, f));
    CHECK(has(q256, f));
  }
  CHECK(q256.size() >= 20);
}
