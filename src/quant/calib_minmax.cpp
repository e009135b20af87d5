// minmax: the running min and max of every value observed (torch MinMaxObserver).
#include <algorithm>

#include "kernels/quantize_f32.h"
#include "quant/calib_kinds.h"

namespace qp {

namespace {

class MinMaxCalibrator final : public Calibrator {
 public:
  void observe(const float* x, size_t n) override {
    check_calibration_batch(x, n);
    if (n == 0) return;
    float lo, hi;
    kernels::minmax_f32(x, n, &lo, &hi);
    lo_ = count_ ? std::min(lo_, lo) : lo;
    hi_ = count_ ? std::max(hi_, hi) : hi;
    count_ += n;
  }
  std::pair<float, float> range() const override {
    require_observed(count_, "minmax");
    return {lo_, hi_};
  }

 private:
  size_t count_ = 0;
  float lo_ = 0, hi_ = 0;
};

}  // namespace

std::unique_ptr<Calibrator> make_minmax_calibrator() { return std::make_unique<MinMaxCalibrator>(); }

}  // namespace qp
