// mse: the clip range, among [r·min, r·max] for r = 1, 0.99, ..., 0.01, whose quantization on the
// actual grid (choose_qparams, then the mode's quantize and dequantize kernels) gives the least
// squared error over the values observed. Ties keep the wider range, so r = 1 (minmax) wins unless
// a narrower range is strictly better: the result is never worse than minmax on these values.
// Exact up to ValueSketch::kExactLimit values; past that the error is measured on the sketch's
// histogram, each bin's count at its center (bins < 2 (max - min) / 65536 wide).
#include <algorithm>
#include <vector>

#include "quant/calib_kinds.h"
#include "quant/calib_sketch.h"
#include "quant/quantize.h"

namespace qp {

namespace {

constexpr int kSteps = 100;  // candidate ratios r = k / kSteps, k = kSteps ... 1

class MseCalibrator final : public Calibrator {
 public:
  explicit MseCalibrator(const CalibrationGrid& grid) : grid_(grid) {}
  void observe(const float* x, size_t n) override {
    check_calibration_batch(x, n);
    sketch_.add(x, n);
  }

  std::pair<float, float> range() const override {
    require_observed(sketch_.count(), "mse");
    // The points the error is measured on: every value, or every non-empty bin's center.
    std::vector<float> centers;
    std::vector<double> weights;
    const float* points = sketch_.values().data();
    size_t n = sketch_.values().size();
    if (!sketch_.exact()) {
      for (size_t k = 0; k < ValueSketch::kBins; ++k) {
        if (!sketch_.counts()[k]) continue;
        centers.push_back(static_cast<float>(sketch_.bin_center(k)));
        weights.push_back(static_cast<double>(sketch_.counts()[k]));
      }
      points = centers.data();
      n = centers.size();
    }
    const float lo = sketch_.min(), hi = sketch_.max();
    std::pair<float, float> best{lo, hi};
    double best_err = squared_error(points, weights, n, lo, hi);
    for (int k = kSteps - 1; k >= 1; --k) {
      const double r = static_cast<double>(k) / kSteps;
      const float clo = static_cast<float>(lo * r), chi = static_cast<float>(hi * r);
      const double err = squared_error(points, weights, n, clo, chi);
      if (err < best_err) {
        best_err = err;
        best = {clo, chi};
      }
    }
    return best;
  }

 private:
  // Σ w·(x − dequantize(quantize(x)))² with the qparams the int format would use for [lo, hi].
  double squared_error(const float* x, const std::vector<double>& w, size_t n, float lo, float hi) const {
    const QParams p = choose_qparams(lo, hi, grid_.range, grid_.scheme, grid_.mode, grid_.bits);
    constexpr size_t kChunk = 4096;
    uint8_t codes[kChunk];
    float recon[kChunk];
    double sum = 0;
    for (size_t i = 0; i < n; i += kChunk) {
      const size_t m = std::min(kChunk, n - i);
      quantize_values(x + i, m, p, grid_.range, grid_.mode, codes);
      dequantize_values(codes, m, grid_.range.qmin < 0, p, recon);
      for (size_t j = 0; j < m; ++j) {
        const double d = static_cast<double>(x[i + j]) - recon[j];
        sum += w.empty() ? d * d : w[i + j] * d * d;
      }
    }
    return sum;
  }

  CalibrationGrid grid_;
  ValueSketch sketch_;
};

}  // namespace

std::unique_ptr<Calibrator> make_mse_calibrator(const CalibrationGrid& grid) {
  return std::make_unique<MseCalibrator>(grid);
}

}  // namespace qp
