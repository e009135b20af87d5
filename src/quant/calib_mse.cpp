// mse: the clip range, among [r·min, r·max] for r = 1, 0.99, ..., 0.01, whose quantization on the
// actual grid (choose_qparams, then the mode's quantize and dequantize kernels) gives the least
// squared error over the values observed. Ties keep the wider range, so r = 1 (minmax) wins unless
// a narrower range is strictly better: the result is never worse than minmax on these values.
// Exact up to 2^17 values; past that the error is measured on a 65536-bin histogram of the values
// (the sketch's own past its exact limit), each bin's count at its center (bins < 2 (max - min)
// / 65536 wide, so each value moves by less than (max - min) / 65536).
#include <algorithm>
#include <vector>

#include "quant/calib_kinds.h"
#include "quant/calib_sketch.h"
#include "quant/quantize.h"

namespace qp {

namespace {

constexpr int kSteps = 100;  // candidate ratios r = k / kSteps, k = kSteps ... 1
// Up to this many values the error is measured on every value (kSteps passes over them); above
// it on at most ValueSketch::kBins weighted bin centers, which bounds the search's cost.
constexpr size_t kExactLimit = size_t(1) << 17;

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
    std::vector<float> points_store;
    std::vector<double> weights;
    sketch_.weighted_points(kExactLimit, points_store, weights);
    const float* points = points_store.data();
    const size_t n = points_store.size();
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
