// Shared plumbing of the scheme families (scheme_*.cpp): each family's run function, the
// per-unit driver, and the finishing step that measures a reconstruction. Internal to src/quant.
#pragma once
#include <cstddef>
#include <functional>
#include <string>
#include <utility>

#include "quant/scheme.h"
#include "quant/scheme_units.h"

namespace qp {

// Quantizes one unit's values x[0..m) into out[0..m) (the reconstruction) and returns the bits
// it stores for that unit's parameters (scale, zero point, code book), not counting the codes.
using UnitQuantizer = std::function<uint64_t(const float* x, size_t m, float* out)>;

// Gathers every unit of `layout`, runs `quantize_unit` on it and scatters the reconstruction
// into result.dequantized; adds the parameter bits to result.stored_bits. When the units are
// contiguous runs (UnitLayout::contiguous_units) it passes pointers into x and result.dequantized
// instead of copies: quantize_unit must only read x[0..m) and write out[0..m).
void run_per_unit(const float* x, const UnitLayout& layout, const UnitQuantizer& quantize_unit,
                  SchemeResult& result);

// Metrics of result.dequantized against x, bits per weight from result.stored_bits.
void finish_result(const float* x, size_t n, SchemeResult& result);

// "per tensor", "per channel (axis 0)", "g32 (axis 1)" for labels.
std::string granularity_label(const QuantSpec& q);

// The int format unit by unit, each unit's [lo, hi] chosen by range_of from its values (a
// calibrator, a fixed clip, or min/max, which reproduces quantize_tensor bit for bit). Fills
// result.dequantized and the unit fields; returns codes and parameters.
using RangeOf = std::function<std::pair<float, float>(const float* x, size_t m)>;
QuantizedTensor quantize_int_units(const float* x, size_t n, const Shape& shape, const QuantSpec& q,
                                   const RangeOf& range_of, SchemeResult& result);
std::pair<float, float> unit_minmax(const float* x, size_t m);

SchemeResult run_int_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);
SchemeResult run_binary_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);
SchemeResult run_ternary_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);
SchemeResult run_float_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);
SchemeResult run_ggml_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);
SchemeResult run_nf4_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);
SchemeResult run_log2_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);
SchemeResult run_kmeans_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);
SchemeResult run_tcq_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);

}  // namespace qp
