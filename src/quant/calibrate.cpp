// parse_calibration and make_calibrator: the names of the calibrators and their parameters.
#include "quant/calibrate.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "core/error.h"
#include "quant/calib_kinds.h"
#include "quant/stats.h"

namespace qp {

namespace {

constexpr const char* kValidNames =
    "minmax, moving-average[:C] (0 < C <= 1, default 0.01), percentile[:P] (50 < P <= 100, default 99.99), "
    "mse, entropy, histogram";

[[noreturn]] void bad_calibration(const std::string& name, const std::string& why) {
  throw Error("unknown calibration '" + name + "'" + (why.empty() ? "" : " (" + why + ")") +
              ": expected one of " + kValidNames);
}

// The whole of `text` as a finite number, else bad_calibration.
double parse_param(const std::string& name, const std::string& text) {
  if (text.empty()) bad_calibration(name, "empty parameter after ':'");
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno != 0 || !std::isfinite(v))
    bad_calibration(name, "'" + text + "' is not a number");
  return v;
}

}  // namespace

CalibrationGrid calibration_grid(const QuantSpec& q) {
  return {spec_int_range(q), q.scheme, q.mode, q.bits};
}

CalibrationSpec parse_calibration(const std::string& name) {
  const size_t colon = name.find(':');
  const std::string base = name.substr(0, colon);
  const bool has_param = colon != std::string::npos;
  CalibrationSpec s;
  if (base == "moving-average") {
    s.kind = CalibrationKind::MovingAverage;
    s.param = has_param ? parse_param(name, name.substr(colon + 1)) : 0.01;
    if (!(s.param > 0 && s.param <= 1)) bad_calibration(name, "the averaging constant must be in (0, 1]");
    return s;
  }
  if (base == "percentile") {
    s.kind = CalibrationKind::Percentile;
    s.param = has_param ? parse_param(name, name.substr(colon + 1)) : 99.99;
    if (!(s.param > 50 && s.param <= 100)) bad_calibration(name, "the percentile must be in (50, 100]");
    return s;
  }
  if (base == "minmax") s.kind = CalibrationKind::MinMax;
  else if (base == "mse") s.kind = CalibrationKind::Mse;
  else if (base == "entropy") s.kind = CalibrationKind::Entropy;
  else if (base == "histogram") s.kind = CalibrationKind::Histogram;
  else bad_calibration(name, "");
  if (has_param) bad_calibration(name, "'" + base + "' takes no parameter");
  return s;
}

std::unique_ptr<Calibrator> make_calibrator(const CalibrationSpec& spec, const CalibrationGrid& grid) {
  switch (spec.kind) {
    case CalibrationKind::MinMax: return make_minmax_calibrator();
    case CalibrationKind::MovingAverage: return make_moving_average_calibrator(spec.param);
    case CalibrationKind::Percentile: return make_percentile_calibrator(spec.param);
    case CalibrationKind::Mse: return make_mse_calibrator(grid);
    case CalibrationKind::Entropy: return make_entropy_calibrator(grid);
    case CalibrationKind::Histogram: return make_histogram_calibrator(grid);
  }
  throw Error("unknown calibration kind");
}

void check_calibration_batch(const float* x, size_t n) {
  if (n > 0) require_finite(x, n);
}

void require_observed(size_t count, const char* name) {
  if (count == 0) throw Error(std::string("the ") + name + " calibrator has observed no values yet");
}

}  // namespace qp
