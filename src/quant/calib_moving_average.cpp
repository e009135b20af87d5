// moving-average[:C]: torch MovingAverageMinMaxObserver (torch 1.13). The first batch sets
// min/max; each later batch moves them by C times the gap to that batch's min/max, in float32:
//   min = fl(min + fl(fl(C) * fl(batch_min - min)))   (and the same for max)
#include "kernels/quantize_f32.h"
#include "quant/calib_kinds.h"

namespace qp {

namespace {

class MovingAverageCalibrator final : public Calibrator {
 public:
  explicit MovingAverageCalibrator(double c) : c_(static_cast<float>(c)) {}
  void observe(const float* x, size_t n) override {
    check_calibration_batch(x, n);
    if (n == 0) return;
    float lo, hi;
    kernels::minmax_f32(x, n, &lo, &hi);
    if (batches_ == 0) {
      lo_ = lo;
      hi_ = hi;
    } else {
      lo_ = lo_ + c_ * (lo - lo_);
      hi_ = hi_ + c_ * (hi - hi_);
    }
    ++batches_;
  }
  std::pair<float, float> range() const override {
    require_observed(batches_, "moving-average");
    return {lo_, hi_};
  }

 private:
  float c_;  // torch multiplies a float32 tensor by the Python float: the constant is rounded once
  size_t batches_ = 0;
  float lo_ = 0, hi_ = 0;
};

}  // namespace

std::unique_ptr<Calibrator> make_moving_average_calibrator(double averaging_constant) {
  return std::make_unique<MovingAverageCalibrator>(averaging_constant);
}

}  // namespace qp
