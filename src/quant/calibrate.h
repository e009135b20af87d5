// Range calibration: choosing the [lo, hi] an integer grid covers, from observed values.
//
// A Calibrator is a stateful observer, as PyTorch's observers are: observe() takes any number of
// batches (a weight tensor's unit once, a network's activations batch after batch) and range()
// answers from everything seen so far. Every calibrator keeps bounded state, whatever the number
// of values observed. The formulas, references and costs are in docs/numerics.md §7.
#pragma once
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "quant/options.h"
#include "quant/qparams.h"

namespace qp {

// The grid the range is meant for. mse measures the error on it; entropy and histogram size
// their quantized bins from its bit width. minmax, moving-average and percentile ignore it.
struct CalibrationGrid {
  IntRange range{-128, 127};
  Scheme scheme = Scheme::Affine;
  NumericsMode mode = NumericsMode::PyTorch;
  int bits = 8;
};
CalibrationGrid calibration_grid(const QuantSpec& q);

class Calibrator {
 public:
  virtual ~Calibrator() = default;
  // Adds n values (n == 0 is ignored, as torch ignores empty tensors). Throws qp::Error on NaN/Inf.
  virtual void observe(const float* x, size_t n) = 0;
  // The raw [lo, hi] (lo <= hi) chosen from everything observed; choose_qparams then widens it to
  // include 0 exactly as it does for min/max. Throws qp::Error when nothing was observed.
  virtual std::pair<float, float> range() const = 0;
};

enum class CalibrationKind { MinMax, MovingAverage, Percentile, Mse, Entropy, Histogram };

struct CalibrationSpec {
  CalibrationKind kind = CalibrationKind::MinMax;
  double param = 0;  // moving-average: averaging constant; percentile: P; unused otherwise
};

// "minmax", "moving-average[:C]" (0 < C <= 1, default 0.01), "percentile[:P]" (50 < P <= 100,
// default 99.99), "mse", "entropy", "histogram". Throws qp::Error listing the valid names.
CalibrationSpec parse_calibration(const std::string& name);
std::unique_ptr<Calibrator> make_calibrator(const CalibrationSpec& spec, const CalibrationGrid& grid);

}  // namespace qp
