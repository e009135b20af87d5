// "Compare all": run several schemes on one tensor, measure each, and mark the Pareto front of
// error against bits per weight.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "quant/scheme.h"

namespace qp {

struct ComparisonRow {
  SchemeSpec spec;
  std::string label;
  double bits_per_weight = 0;
  ErrorMetrics metrics;
  double milliseconds = 0;  // wall time of run_scheme on this machine (informational)
  std::string error;        // set when the scheme refused the tensor; the other fields are then 0
  bool pareto = false;      // no other row has fewer-or-equal bits and lower-or-equal MSE, one strictly
};

// The schemes compared when the user picks none: the common integer recipes (8/4/3/2 bits per
// channel and per group), binary, ternary, and every other registered format with its usual
// layout. Axes follow the shape: per channel along axis 0 (output channels), groups along the
// last axis (the reduction axis of a [out, in] weight).
std::vector<SchemeSpec> default_comparison(const Shape& shape);

// Runs one spec, catching the scheme's refusal (qp::Error) into row.error.
ComparisonRow compare_one(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);

// Sets `pareto` on every row without error that no other row dominates.
void mark_pareto_front(std::vector<ComparisonRow>& rows);

}  // namespace qp
