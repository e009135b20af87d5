// percentile[:P]: both tails clipped at the same rank. The range is
//   [numpy.percentile(x, 100 - P), numpy.percentile(x, P)]   (numpy's default 'linear' method)
// over every value observed, each rounded once to float32. Exact up to ValueSketch::kExactLimit
// values; past that from the sketch's histogram, within one of its bins (< 2 (max - min) / 65536).
#include "quant/calib_kinds.h"
#include "quant/calib_sketch.h"

namespace qp {

namespace {

class PercentileCalibrator final : public Calibrator {
 public:
  explicit PercentileCalibrator(double p) : p_(p) {}
  void observe(const float* x, size_t n) override {
    check_calibration_batch(x, n);
    sketch_.add(x, n);
  }
  std::pair<float, float> range() const override {
    require_observed(sketch_.count(), "percentile");
    return {static_cast<float>(sketch_.percentile(100.0 - p_)), static_cast<float>(sketch_.percentile(p_))};
  }

 private:
  double p_;
  ValueSketch sketch_;
};

}  // namespace

std::unique_ptr<Calibrator> make_percentile_calibrator(double percentile) {
  return std::make_unique<PercentileCalibrator>(percentile);
}

}  // namespace qp
