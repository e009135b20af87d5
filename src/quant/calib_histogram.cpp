// histogram: a port of torch 1.13's HistogramObserver (see calib_histogram.h). Float32 where
// torch computes on float32 tensors, float64 where it computes on Python floats, so that the
// search lands on torch's bins. Departures, all documented in docs/numerics.md §7.7:
//  - torch builds each histogram with histc(min=int(min), max=int(max)), truncating the range to
//    integers (and so dropping data, or using the wrong range); we pass the float range it means;
//  - _combine_histograms materialises 2048·downsample_rate floats; we compute the same integral
//    histogram in closed form (bounded memory), and fall back to one bin for ranges > 2^40 wider;
//  - norm.sum() is a float32 reduction in torch; we sum in float64.
#include "quant/calib_histogram.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "quant/calib_kinds.h"
#include "kernels/quantize_f32.h"

namespace qp {

namespace {

// torch.histc for float32 data (ATen HistogramKernel, LINEAR_INTERPOLATION): float32 edges,
// bin (int64)(((x - left) · bins) / (right - left)), values outside [left, right] skipped, the
// last bin closed; equal edges become [left - 1, right + 1]. Adds one per value into `hist`.
void histc(const float* x, size_t n, float left, float right, std::vector<float>& hist) {
  if (left == right) {
    left = static_cast<float>(static_cast<double>(left) - 1.0);
    right = static_cast<float>(static_cast<double>(right) + 1.0);
  }
  const float width = right - left;
  const float bins = static_cast<float>(hist.size());
  const int64_t last = static_cast<int64_t>(hist.size()) - 1;
  for (size_t i = 0; i < n; ++i) {
    const float v = x[i];
    if (!(v >= left && v <= right)) continue;
    const int64_t pos = std::min(static_cast<int64_t>(((v - left) * bins) / width), last);
    hist[static_cast<size_t>(pos)] += 1.0f;
  }
}

// torch.div(a, b, rounding_mode='floor') on float32 (ATen div_floor_floating).
float floor_div(float a, float b) {
  if (b == 0) return a / b;
  const float mod = std::fmod(a, b);
  float div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0)) div -= 1.0f;
  if (div == 0) return std::copysign(0.0f, a / b);
  float floordiv = std::floor(div);
  if (div - floordiv > 0.5f) floordiv += 1.0f;
  return floordiv;
}

// HistogramObserver._get_norm in float32: density · (end³ - begin³) / 3.
float l2_norm(float begin, float end, float density) {
  const float cube = end * end * end - begin * begin * begin;
  return density * (cube / 3.0f);
}

}  // namespace

void TorchHistogramObserver::observe(const float* x, size_t n) {
  if (n == 0) return;
  float lo, hi;
  kernels::minmax_f32(x, n, &lo, &hi);
  // Bin positions divide by the width in float32, as torch does; an overflowing width has no bins.
  if (!std::isfinite(std::max(hi, observed_ ? max_ : hi) - std::min(lo, observed_ ? min_ : lo)))
    throw Error("the histogram calibrator needs max - min to be finite in float32");
  // As torch: a first batch, or a running range that is a single value, starts over.
  if (!observed_ || min_ == max_) {
    min_ = lo;
    max_ = hi;
    std::fill(hist_.begin(), hist_.end(), 0.0f);
    histc(x, n, lo, hi, hist_);
    observed_ = true;
    return;
  }
  combine(x, n, lo, hi);
}

// forward()'s second branch: _adjust_min_max, histc of the batch over the combined range, and
// _combine_histograms (the old histogram upsampled 128× at start_idx, integrated in float64 every
// downsample_rate positions, differenced against float32 copies, divided by 128).
void TorchHistogramObserver::combine(const float* x, size_t n, float lo, float hi) {
  const float cmin = std::min(lo, min_);
  float cmax = std::max(hi, max_);
  const int64_t U = kUpsampleRate, N = static_cast<int64_t>(kBins);
  const float hist_bin_width = (max_ - min_) / static_cast<float>(N * U);
  const float span = cmax - cmin;
  const float rate = span / (static_cast<float>(N) * hist_bin_width);
  std::vector<float> fresh(kBins, 0.0f);
  if (!(rate <= 1099511627776.0f)) {  // 2^40: torch would allocate 2048·rate floats
    histc(x, n, cmin, cmax, fresh);
    double total = 0;
    for (float c : hist_) total += c;
    const double mid = (static_cast<double>(min_) + max_) / 2;
    const size_t k = std::min(static_cast<size_t>((mid - cmin) / (static_cast<double>(cmax) - cmin) * N), kBins - 1);
    fresh[k] += static_cast<float>(total);
  } else {
    const int64_t ds = static_cast<int64_t>(std::ceil(rate));
    const float e = static_cast<float>(ds) * (static_cast<float>(N) * hist_bin_width) - span;
    cmax = cmax + e;  // relax only the max, so a one-sided range keeps its min at 0
    const int64_t start_idx = static_cast<int64_t>(std::nearbyint((min_ - cmin) / hist_bin_width));
    histc(x, n, cmin, cmax, fresh);
    if (cmin == min_ && cmax == max_) {
      for (size_t k = 0; k < kBins; ++k) fresh[k] += hist_[k];
    } else {
      std::vector<double> prefix(kBins + 1, 0.0);
      for (size_t j = 0; j < kBins; ++j) prefix[j + 1] = prefix[j] + hist_[j];
      // Σ of the upsampled old histogram over positions 0..p (it occupies [start_idx, start_idx + N·U)).
      auto integral = [&](int64_t p) {
        const int64_t t = std::min(p - start_idx + 1, N * U);
        if (t <= 0) return 0.0;
        const int64_t full = t / U, rem = t % U;
        return static_cast<double>(U) * prefix[static_cast<size_t>(full)] +
               (full < N ? static_cast<double>(rem) * hist_[static_cast<size_t>(full)] : 0.0);
      };
      double previous = 0;
      for (int64_t k = 0; k < N; ++k) {
        const double cum = integral(k * ds + ds - 1);
        const float shifted = static_cast<float>(previous);  // torch keeps the shifted copy in float32
        fresh[static_cast<size_t>(k)] += static_cast<float>((cum - static_cast<double>(shifted)) / U);
        previous = cum;
      }
    }
  }
  hist_.swap(fresh);
  min_ = cmin;
  max_ = cmax;
}

double TorchHistogramObserver::quantization_error(size_t start_bin, size_t end_bin) const {
  const double bin_width = (static_cast<double>(max_) - static_cast<double>(min_)) / kBins;
  const double dst_bin_width = bin_width * static_cast<double>(end_bin - start_bin + 1) / static_cast<double>(dst_nbins_);
  if (dst_bin_width == 0.0) return 0.0;
  const float bw = static_cast<float>(bin_width), dbw = static_cast<float>(dst_bin_width);
  const float half = static_cast<float>(dst_bin_width / 2);
  const float last_dst = static_cast<float>(dst_nbins_ - 1);
  const float whole = l2_norm(-half, half, 1.0f);  // a full destination bin, before the density
  double sum = 0;
  for (size_t i = 0; i < kBins; ++i) {
    const float begin = static_cast<float>(static_cast<int64_t>(i) - static_cast<int64_t>(start_bin)) * bw;
    const float end = begin + bw;
    const float dst_begin = std::min(std::max(floor_div(begin, dbw), 0.0f), last_dst);
    const float dst_end = std::min(std::max(floor_div(end, dbw), 0.0f), last_dst);
    const float density = hist_[i] / bw;
    const float begin_center = (dst_begin + 0.5f) * dbw;
    const float end_center = dst_end * dbw + half;
    float norm = l2_norm(begin - begin_center, half, density);
    norm += (dst_end - dst_begin - 1.0f) * (density * whole);
    norm += l2_norm(-half, end - end_center, density);
    sum += norm;
  }
  return sum;
}

HistogramSearch TorchHistogramObserver::search() const {
  const float bin_width = (max_ - min_) / static_cast<float>(kBins);
  std::vector<float> csum(kBins);  // torch.cumsum: float64 accumulator, float32 results
  double acc = 0;
  for (size_t k = 0; k < kBins; ++k) csum[k] = static_cast<float>(acc += hist_[k]);
  const double total = static_cast<float>(acc);  // torch.sum(...).item(): a float32 total
  const double stepsize = 1e-5;
  double alpha = 0.0, beta = 1.0, norm_min = std::numeric_limits<double>::infinity();
  size_t start_bin = 0, end_bin = kBins - 1;
  while (alpha < beta) {
    const double next_alpha = alpha + stepsize, next_beta = beta - stepsize;
    // cSum[l] < next_alpha·total compares a float32 tensor with a Python float: in float32.
    const float lo_mass = static_cast<float>(next_alpha * total), hi_mass = static_cast<float>(next_beta * total);
    // csum never decreases, so torch's linear walks are these binary searches.
    const size_t l = static_cast<size_t>(std::lower_bound(csum.begin() + start_bin, csum.begin() + end_bin, lo_mass) - csum.begin());
    const size_t r = static_cast<size_t>(std::upper_bound(csum.begin() + start_bin + 1, csum.begin() + end_bin + 1, hi_mass) - csum.begin()) - 1;
    size_t next_start = start_bin, next_end = end_bin;
    if (l - start_bin > end_bin - r) {
      next_start = l;
      alpha = next_alpha;
    } else {
      next_end = r;
      beta = next_beta;
    }
    if (next_start == start_bin && next_end == end_bin) continue;
    const double norm = quantization_error(next_start, next_end);
    if (norm > norm_min) break;
    norm_min = norm;
    start_bin = next_start;
    end_bin = next_end;
  }
  HistogramSearch s;
  s.start_bin = start_bin;
  s.end_bin = end_bin;
  s.new_min = min_ + bin_width * static_cast<float>(start_bin);
  s.new_max = min_ + bin_width * static_cast<float>(end_bin + 1);
  return s;
}

namespace {

class HistogramCalibrator final : public Calibrator {
 public:
  explicit HistogramCalibrator(const CalibrationGrid& grid) : observer_(size_t(1) << grid.bits) {}
  void observe(const float* x, size_t n) override {
    check_calibration_batch(x, n);
    observer_.observe(x, n);
  }
  std::pair<float, float> range() const override {
    require_observed(observer_.observed() ? 1 : 0, "histogram");
    const HistogramSearch s = observer_.search();
    return {s.new_min, s.new_max};
  }

 private:
  TorchHistogramObserver observer_;
};

}  // namespace

std::unique_ptr<Calibrator> make_histogram_calibrator(const CalibrationGrid& grid) {
  return std::make_unique<HistogramCalibrator>(grid);
}

}  // namespace qp
