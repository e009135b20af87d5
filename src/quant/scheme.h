// One registry of every quantization scheme the playground offers. The bindings, the CLI, the
// page's menus, the comparison and the tests all enumerate it; adding a scheme is one entry in
// scheme_registry.cpp plus its family's file. Numerics of each scheme: docs/numerics.md.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/shape.h"
#include "quant/metrics.h"
#include "quant/options.h"
#include "quant/quantize.h"

namespace qp {

// A scheme and its parameters. `integer` carries the integer grid (bits, signed, affine or
// symmetric, numerics mode, narrow/reduce range) and the granularity every family shares:
// channel_axis empty = per tensor, else per channel along it, or per group of group_size along it.
struct SchemeSpec {
  std::string format = "int";          // a registry name: "int", "binary", "ternary", ...
  QuantSpec integer;
  std::string calibration = "minmax";  // how the clip range of each unit is chosen (int family)
  // A fixed clip range [first, second] for every unit instead of a calibrator (the calibration
  // view's dragged range). Int format only.
  std::optional<std::pair<float, float>> clip;
  bool saturate = true;                // float formats: clamp overflow to ±max instead of inf/NaN
  bool double_quant = false;           // nf4: quantize the block absmax values too
  uint32_t seed = 1;                   // k-means seeding
};

struct SchemeResult {
  SchemeSpec spec;                 // as run (defaults filled in)
  std::string label;               // short human name, e.g. "int4 sym g32 (pytorch)"
  std::vector<float> dequantized;  // the reconstruction, C order
  ErrorMetrics metrics;
  uint64_t stored_bits = 0;        // codes + scales + zero points + code books + block headers
  double bits_per_weight = 0;      // stored_bits / element count
  size_t units = 1;                // how many scales / blocks / code books
  Shape unit_shape;                // one entry per unit, C order
  // The units as a UnitLayout (scheme_units.h): per tensor, per channel or per group along
  // unit_axis. Families with fixed blocks (ggml, NF4) describe theirs as groups along the last axis.
  std::optional<int> unit_axis;
  int unit_group = 0;
  std::vector<float> levels;       // representable values of unit 0, ascending (empty if > 4096)
  std::vector<double> unit_mse;    // mean squared error of each unit (per channel / group / block)
  std::optional<QuantizedTensor> integer;  // the int family's codes and parameters (its
                                           // `dequantized` is moved into the field above)
};

// What a menu or `qplay` needs to know about a scheme.
struct SchemeInfo {
  const char* name;        // the spelling everywhere: CLI --format, JS format, page menu
  const char* family;      // "integer", "float", "non-uniform", "ggml"
  const char* reference;   // whose numerics it reproduces
  const char* summary;     // one line for a tooltip or `qplay schemes`
  int min_bits, max_bits;  // 0, 0 when the format fixes its width
  bool takes_granularity;  // honours axis / group size
  bool takes_calibration;  // honours calibration
  SchemeResult (*run)(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);
};

const std::vector<SchemeInfo>& scheme_registry();
// Throws qp::Error naming the valid schemes when `name` is unknown.
const SchemeInfo& find_scheme(const std::string& name);

// Runs spec on the tensor. Throws qp::Error on empty or non-finite data, a shape that does not
// match, or options the scheme does not take.
SchemeResult run_scheme(const float* x, size_t n, const Shape& shape, const SchemeSpec& spec);

}  // namespace qp
