#include "quant/compare.h"

#include <chrono>

#include "core/error.h"

namespace qp {

namespace {

SchemeSpec int_spec(int bits, Scheme scheme, std::optional<int> axis, int group) {
  SchemeSpec s;
  s.integer.bits = bits;
  s.integer.scheme = scheme;
  s.integer.channel_axis = axis;
  s.integer.group_size = group;
  return s;
}

SchemeSpec format_spec(const char* format, int bits, std::optional<int> axis) {
  SchemeSpec s;
  s.format = format;
  s.integer.bits = bits;
  s.integer.channel_axis = axis;
  return s;
}

}  // namespace

std::vector<SchemeSpec> default_comparison(const Shape& shape) {
  const bool matrix = shape.size() >= 2;
  const std::optional<int> channel = matrix ? std::optional<int>(0) : std::nullopt;
  const int last = shape.empty() ? 0 : static_cast<int>(shape.size()) - 1;
  std::vector<SchemeSpec> specs;
  specs.push_back(int_spec(8, Scheme::Affine, std::nullopt, 0));
  specs.push_back(int_spec(8, Scheme::Symmetric, channel, 0));
  specs.push_back(int_spec(4, Scheme::Symmetric, channel, 0));
  if (!shape.empty()) {
    specs.push_back(int_spec(4, Scheme::Affine, last, 128));
    specs.push_back(int_spec(4, Scheme::Affine, last, 32));
    specs.push_back(int_spec(3, Scheme::Affine, last, 32));
    specs.push_back(int_spec(2, Scheme::Affine, last, 32));
  }
  for (const char* f : {"fp16", "bf16"}) {
    SchemeSpec s;
    s.format = f;
    specs.push_back(s);
  }
  {
    SchemeSpec e4m3;
    e4m3.format = "fp8-e4m3";
    e4m3.integer.channel_axis = channel;
    specs.push_back(e4m3);
    SchemeSpec e5m2 = e4m3;
    e5m2.format = "fp8-e5m2";
    specs.push_back(e5m2);
    if (!shape.empty()) {
      SchemeSpec fp4;
      fp4.format = "fp4";
      fp4.integer.channel_axis = last;
      fp4.integer.group_size = 32;
      specs.push_back(fp4);
    }
  }
  for (const char* sign : {"binary", "ternary"}) {
    SchemeSpec s;
    s.format = sign;
    s.integer.channel_axis = channel;
    specs.push_back(s);
  }
  if (shape.empty()) return specs;
  // What calibration buys at a low bit width: one 3-bit grid for the whole tensor from min/max,
  // and the same grid with the clip range that minimises the MSE. (Per tensor, because the MSE
  // search costs 100 passes over each unit's values: on 4096×4096 in groups it alone takes seconds.)
  specs.push_back(int_spec(3, Scheme::Affine, std::nullopt, 0));
  SchemeSpec mse3 = int_spec(3, Scheme::Affine, std::nullopt, 0);
  mse3.calibration = "mse";
  specs.push_back(mse3);
  // Non-uniform grids at the bit widths they are known for.
  specs.push_back(format_spec("nf4", 4, std::nullopt));
  specs.push_back(format_spec("kmeans", 4, channel));
  specs.push_back(format_spec("log2", 4, channel));
  specs.push_back(format_spec("tcq", 2, std::nullopt));
  // ggml's blocks run along the last axis and need it in whole blocks: offered where they fit
  // (a row that cannot hold them would only say so in every row of the table).
  const size_t row = shape.back();
  if (row % 32 == 0) {
    specs.push_back(format_spec("q8_0", 8, std::nullopt));
    specs.push_back(format_spec("q4_0", 4, std::nullopt));
  }
  if (row % 256 == 0) {
    specs.push_back(format_spec("q4_k", 4, std::nullopt));
    specs.push_back(format_spec("q6_k", 6, std::nullopt));
  }
  return specs;
}

ComparisonRow compare_one(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec) {
  ComparisonRow row;
  row.spec = spec;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    const SchemeResult r = run_scheme(x, n, shape, spec);
    row.label = r.label;
    row.bits_per_weight = r.bits_per_weight;
    row.metrics = r.metrics;
  } catch (const Error& e) {
    row.label = spec.format;
    row.error = e.what();
  }
  row.milliseconds = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return row;
}

void mark_pareto_front(std::vector<ComparisonRow>& rows) {
  for (ComparisonRow& a : rows) {
    a.pareto = a.error.empty();
    if (!a.pareto) continue;
    for (const ComparisonRow& b : rows) {
      if (&a == &b || !b.error.empty()) continue;
      const bool no_worse = b.bits_per_weight <= a.bits_per_weight && b.metrics.mse <= a.metrics.mse;
      const bool better = b.bits_per_weight < a.bits_per_weight || b.metrics.mse < a.metrics.mse;
      if (no_worse && better) {
        a.pareto = false;
        break;
      }
    }
  }
}

}  // namespace qp
