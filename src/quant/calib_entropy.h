// The KL-divergence threshold search of entropy calibration, apart from its observer so tests can
// run it on a histogram of their own. Internal to src/quant.
#pragma once
#include <cstddef>
#include <vector>

namespace qp {

constexpr size_t kEntropyBins = 2048;       // histogram of |x| over [0, max|x|]
constexpr size_t kEntropyStartBin = 128;    // the first candidate threshold, in bins

// NVIDIA pytorch-quantization's _compute_amax_entropy (stride 1, start_bin 128) on a histogram of
// |x|: returns the number of bins i (start..bins) whose right edge is the chosen threshold, i.e.
// amax = i · bin_width. `levels` is the number of quantized bins [0, amax] maps onto
// (2^(bits-1), or 2^bits for an unsigned grid). Histogram counts may be fractional.
size_t entropy_threshold_bins(std::vector<double> hist, size_t levels);

}  // namespace qp
