// One factory per calibrator file (calib_*.cpp); make_calibrator (calibrate.cpp) picks one.
// Internal to src/quant.
#pragma once
#include <memory>

#include "quant/calibrate.h"

namespace qp {

std::unique_ptr<Calibrator> make_minmax_calibrator();
std::unique_ptr<Calibrator> make_moving_average_calibrator(double averaging_constant);
std::unique_ptr<Calibrator> make_percentile_calibrator(double percentile);
std::unique_ptr<Calibrator> make_mse_calibrator(const CalibrationGrid& grid);
std::unique_ptr<Calibrator> make_entropy_calibrator(const CalibrationGrid& grid);
std::unique_ptr<Calibrator> make_histogram_calibrator(const CalibrationGrid& grid);

// Shared by every observe(): refuses NaN/Inf with the same message as the rest of the core.
void check_calibration_batch(const float* x, size_t n);
// Shared by every range(): refuses to answer before any value was observed.
void require_observed(size_t count, const char* name);

}  // namespace qp
