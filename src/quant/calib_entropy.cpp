// entropy: TensorRT-style KL-divergence calibration, the variant of NVIDIA's pytorch-quantization
// (calib/histogram.py, _compute_amax_entropy, stride 1, start_bin 128), which follows Migacz,
// "8-bit Inference with TensorRT" (GTC 2017):
//  1. a 2048-bin histogram of |x| over [0, max|x|] (bin of v: (int)(v·2048/amax) in float32, the
//     last bin closed, as torch.histc); then bins[0] = bins[1] (pytorch-quantization's guard
//     against the spike of exact zeros);
//  2. for every candidate i = 128 ... 2048 bins: P = bins[0..i) with the mass of bins[i..) added
//     to its last bin; Q = bins[0..i) merged into `levels` equal groups (group of bin j:
//     floor(j·levels / i)), each group's mass spread evenly over its non-empty bins;
//  3. KL(P || Q) = Σ p·ln(p/q) over p > 0 (scipy.stats.entropy), +inf where q = 0 < p;
//  4. the threshold is i·amax/2048 for the last i of least divergence.
// The range is the observed [min, max] clipped to [-threshold, threshold].
#include "quant/calib_entropy.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "quant/calib_kinds.h"
#include "quant/calib_sketch.h"

namespace qp {

size_t entropy_threshold_bins(std::vector<double> bins, size_t levels) {
  const size_t nb = bins.size();
  if (nb < 2) return nb;
  bins[0] = bins[1];
  std::vector<double> tail(nb + 1, 0.0);  // tail[i] = Σ bins[i..)
  for (size_t j = nb; j-- > 0;) tail[j] = tail[j + 1] + bins[j];
  std::vector<double> group_mass(levels), group_nonzero(levels);
  size_t best_i = nb;
  double best = std::numeric_limits<double>::infinity();
  bool any = false;
  for (size_t i = std::min(kEntropyStartBin, nb); i <= nb; ++i) {
    std::fill(group_mass.begin(), group_mass.end(), 0.0);
    std::fill(group_nonzero.begin(), group_nonzero.end(), 0.0);
    for (size_t j = 0; j < i; ++j) {
      if (bins[j] == 0) continue;
      const size_t g = j * levels / i;
      group_mass[g] += bins[j];
      group_nonzero[g] += 1;
    }
    double q_total = 0, p_total = 0;
    for (size_t j = 0; j < i; ++j) {
      if (bins[j] != 0) q_total += group_mass[j * levels / i] / group_nonzero[j * levels / i];
      p_total += bins[j];
    }
    p_total += tail[i];
    double kl = 0;
    for (size_t j = 0; j < i && kl != std::numeric_limits<double>::infinity(); ++j) {
      const double p = (bins[j] + (j + 1 == i ? tail[i] : 0.0)) / p_total;
      if (p == 0) continue;
      const size_t g = j * levels / i;
      const double q = bins[j] != 0 ? group_mass[g] / group_nonzero[g] / q_total : 0.0;
      kl = q == 0 ? std::numeric_limits<double>::infinity() : kl + p * std::log(p / q);
    }
    if (!any || kl <= best) {  // <=: the last minimum, as pytorch-quantization picks it
      best = kl;
      best_i = i;
      any = true;
    }
  }
  return best_i;
}

namespace {

class EntropyCalibrator final : public Calibrator {
 public:
  explicit EntropyCalibrator(const CalibrationGrid& grid) : grid_(grid) {}
  void observe(const float* x, size_t n) override {
    check_calibration_batch(x, n);
    sketch_.add(x, n);
  }

  std::pair<float, float> range() const override {
    require_observed(sketch_.count(), "entropy");
    const float lo = sketch_.min(), hi = sketch_.max();
    const float amax = std::max(-lo, hi);
    if (!(amax > 0)) return {lo, hi};
    std::vector<double> bins(kEntropyBins, 0.0);
    auto add = [&](float v, double w) {
      // torch.histc's float32 bin index over [0, amax]; the last bin includes amax.
      const float a = std::fabs(v);
      const size_t k = std::min(static_cast<size_t>(a * static_cast<float>(kEntropyBins) / amax), kEntropyBins - 1);
      bins[k] += w;
    };
    if (sketch_.exact()) {
      for (float v : sketch_.values()) add(v, 1.0);
    } else {
      for (size_t k = 0; k < ValueSketch::kBins; ++k)
        if (sketch_.counts()[k])
          add(std::clamp(static_cast<float>(sketch_.bin_center(k)), lo, hi), static_cast<double>(sketch_.counts()[k]));
    }
    // Levels covering [0, amax]: half the grid, or all of it when an affine grid's range starts at 0.
    const bool unsigned_data = lo >= 0 && grid_.scheme == Scheme::Affine;
    const size_t levels = size_t(1) << (grid_.bits - (unsigned_data ? 0 : 1));
    const size_t i = entropy_threshold_bins(std::move(bins), levels);
    const float t = static_cast<float>(static_cast<double>(i) * (static_cast<double>(amax) / kEntropyBins));
    return {std::max(lo, -t), std::min(hi, t)};
  }

 private:
  CalibrationGrid grid_;
  ValueSketch sketch_;
};

}  // namespace

std::unique_ptr<Calibrator> make_entropy_calibrator(const CalibrationGrid& grid) {
  return std::make_unique<EntropyCalibrator>(grid);
}

}  // namespace qp
