#include "quant/calib_sketch.h"

#include <algorithm>
#include <cfloat>
#include <cmath>

#include "kernels/quantize_f32.h"

namespace qp {

void ValueSketch::add(const float* x, size_t n) {
  if (n == 0) return;
  float lo, hi;
  kernels::minmax_f32(x, n, &lo, &hi);
  min_ = count_ ? std::min(min_, lo) : lo;
  max_ = count_ ? std::max(max_, hi) : hi;
  count_ += n;
  if (exact() && count_ <= kExactLimit) {
    values_.insert(values_.end(), x, x + n);
    return;
  }
  if (exact()) to_histogram();
  cover(lo, hi);
  bin(x, n);
}

void ValueSketch::to_histogram() {
  // Sized on everything seen so far, the batch being added included (min_, max_ hold it).
  origin_ = min_;
  width_ = (static_cast<double>(max_) - min_) / kBins;
  // A constant start: any positive width works, later batches double it as far as they need.
  if (!(width_ > 0)) width_ = std::max(std::fabs(static_cast<double>(min_)), static_cast<double>(FLT_MIN)) / kBins;
  hist_.assign(kBins, 0);
  bin(values_.data(), values_.size());
  std::vector<float>().swap(values_);
}

void ValueSketch::cover(double lo, double hi) {
  while (lo < origin_ || hi > origin_ + kBins * width_) {
    std::vector<uint64_t> merged(kBins, 0);
    // Grow toward the side that is short; merging pairs keeps every count in a bin that holds it.
    const size_t shift = lo < origin_ ? kBins / 2 : 0;
    for (size_t k = 0; k < kBins; ++k) merged[shift + k / 2] += hist_[k];
    if (shift) origin_ -= kBins * width_;
    width_ *= 2;
    hist_.swap(merged);
  }
}

void ValueSketch::bin(const float* x, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    const double pos = (static_cast<double>(x[i]) - origin_) / width_;
    const size_t k = pos <= 0 ? 0 : std::min(static_cast<size_t>(pos), kBins - 1);
    ++hist_[k];
  }
}

void ValueSketch::weighted_points(size_t max_exact, std::vector<float>& points, std::vector<double>& weights) const {
  points.clear();
  weights.clear();
  if (exact() && count_ <= max_exact) {
    points = values_;
    return;
  }
  const std::vector<uint64_t>* counts = &hist_;
  double origin = origin_, width = width_;
  std::vector<uint64_t> local;
  if (exact()) {  // bin the kept values over [min, max]
    origin = min_;
    width = (static_cast<double>(max_) - min_) / kBins;
    local.assign(kBins, 0);
    for (float v : values_) {
      const double pos = width > 0 ? (static_cast<double>(v) - origin) / width : 0.0;
      ++local[pos <= 0 ? 0 : std::min(static_cast<size_t>(pos), kBins - 1)];
    }
    counts = &local;
  }
  for (size_t k = 0; k < kBins; ++k) {
    if (!(*counts)[k]) continue;
    const double center = origin + (static_cast<double>(k) + 0.5) * width;
    points.push_back(static_cast<float>(std::min(std::max(center, static_cast<double>(min_)), static_cast<double>(max_))));
    weights.push_back(static_cast<double>((*counts)[k]));
  }
}

double ValueSketch::order_statistic(size_t k) const {
  if (k == 0) return min_;
  if (k + 1 >= count_) return max_;
  if (exact()) {
    std::nth_element(values_.begin(), values_.begin() + static_cast<std::ptrdiff_t>(k), values_.end());
    return values_[k];
  }
  // The bin holding the k-th value, with its values taken as evenly spread inside it.
  uint64_t before = 0;
  for (size_t b = 0; b < kBins; ++b) {
    const uint64_t c = hist_[b];
    if (k < before + c) {
      const double v = origin_ + (static_cast<double>(b) + (static_cast<double>(k - before) + 0.5) / c) * width_;
      return std::min(std::max(v, static_cast<double>(min_)), static_cast<double>(max_));
    }
    before += c;
  }
  return max_;
}

// numpy 1.24 _quantile, method 'linear': virtual index (n-1)·q/100, neighbours a = x[floor],
// b = x[floor+1], gamma = index - floor, and _lerp: a + (b-a)·gamma, or b - (b-a)·(1-gamma) when
// gamma >= 0.5, where b - a is a float32 difference and the rest runs in float64.
double ValueSketch::percentile(double q) const {
  const double index = static_cast<double>(count_ - 1) * (q / 100.0);
  const double below = std::floor(index);
  const size_t k = static_cast<size_t>(below);
  if (k + 1 >= count_) return max_;
  const double gamma = index - below;
  const float a = static_cast<float>(order_statistic(k));
  const float b = static_cast<float>(order_statistic(k + 1));
  const double diff = static_cast<double>(b - a);
  return gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
}

}  // namespace qp
