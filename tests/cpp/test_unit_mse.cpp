// unit_mse's one pass in memory order equals the gathered reference bit for bit, for every kind
// of layout (per tensor, per channel on each axis, groups on each axis incl. a short last group).
#include <doctest/doctest.h>

#include <cstring>
#include <optional>
#include <random>
#include <vector>

#include "core/shape.h"
#include "quant/unit_mse.h"

TEST_CASE("unit_mse: one pass in memory order equals the gather-per-unit reference (random shapes)") {
  std::mt19937 rng(99);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  const std::vector<qp::Shape> shapes = {{1}, {17}, {1, 1}, {3, 5}, {16, 17}, {15, 16}, {2, 3, 4}, {4, 1, 33}, {5, 7, 2, 3}};
  int checked = 0;
  for (const qp::Shape& shape : shapes) {
    const size_t n = qp::element_count(shape);
    std::vector<float> x(n), y(n);
    for (size_t i = 0; i < n; ++i) {
      x[i] = normal(rng);
      y[i] = x[i] + 0.1f * normal(rng);
    }
    std::vector<std::pair<std::optional<int>, int>> layouts = {{std::nullopt, 0}};
    for (int axis = 0; axis < static_cast<int>(shape.size()); ++axis)
      for (int group : {0, 1, 2, 3, 16, 32}) layouts.push_back({axis, group});
    layouts.push_back({-1, 0});
    for (const auto& layout_spec : layouts) {
      const std::optional<int> axis = layout_spec.first;
      const int group = layout_spec.second;
      const qp::UnitLayout layout(shape, axis, group);
      const std::vector<double> want = qp::unit_mse_reference(x.data(), y.data(), layout, 0.125);
      const std::vector<double> got = qp::unit_mse(x.data(), y.data(), layout, 0.125);
      CAPTURE(qp::shape_to_string(shape));
      CAPTURE(axis.value_or(-99));
      CAPTURE(group);
      REQUIRE(got.size() == want.size());
      CHECK(std::memcmp(got.data(), want.data(), got.size() * sizeof(double)) == 0);
      ++checked;
    }
  }
  CHECK(checked > 100);
}
