// torch.ao.quantization.HistogramObserver (torch 1.13) with bins = 2048 and upsample_rate = 128:
// a running 2048-bin histogram, merged across batches by torch's upsample / downsample
// interpolation, and the greedy L2 search _non_linear_param_search. Exposed (beyond the
// "histogram" calibrator) so the tests can compare the buffers and search bins with torch's.
// Internal to src/quant.
#pragma once
#include <cstddef>
#include <vector>

namespace qp {

struct HistogramSearch {
  size_t start_bin = 0, end_bin = 0;  // the bins kept, inclusive
  float new_min = 0, new_max = 0;     // what calculate_qparams passes to the qparams formula
};

class TorchHistogramObserver {
 public:
  static constexpr size_t kBins = 2048;
  static constexpr int kUpsampleRate = 128;

  // dst_nbins: torch uses 2^(bits of the dtype) = 256 for quint8 and qint8 alike.
  explicit TorchHistogramObserver(size_t dst_nbins = 256) : dst_nbins_(dst_nbins), hist_(kBins, 0.0f) {}

  void observe(const float* x, size_t n);  // finite values (callers check); n == 0 is ignored
  bool observed() const { return observed_; }
  float min_val() const { return min_; }
  float max_val() const { return max_; }
  const std::vector<float>& histogram() const { return hist_; }
  HistogramSearch search() const;  // _non_linear_param_search; requires observed()

  // _compute_quantization_error(start_bin, end_bin): exposed for the tests.
  double quantization_error(size_t start_bin, size_t end_bin) const;

 private:
  void combine(const float* x, size_t n, float lo, float hi);

  size_t dst_nbins_;
  std::vector<float> hist_;
  float min_ = 0, max_ = 0;
  bool observed_ = false;
};

}  // namespace qp
