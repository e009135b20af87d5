#include "quant/tcq.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace qp {

namespace {

// Ungerboeck's 4-state trellis as TCQ uses it: [state][branch].
constexpr int kSubset[4][2] = {{0, 2}, {1, 3}, {2, 0}, {3, 1}};
constexpr int kNext[4][2] = {{0, 1}, {2, 3}, {0, 1}, {2, 3}};

double squared(double d) { return d * d; }

// The index i of the level of subset d nearest to `position` (x in level units, level j at j):
// i = ceil((position - d) / 4 - 1/2) clamped to the subset, so a tie goes to the lower index.
// Written without std::ceil, which is a library call on baseline x86-64.
int nearest_index(int bits, int d, double position) {
  const int last = (1 << (bits - 1)) - 1;
  const double y = (position - d) / 4.0 - 0.5;
  if (!(y > 0.0)) return 0;
  if (y >= last) return last;
  const int i = static_cast<int>(y);  // y in (0, last): truncation is floor
  return i < y ? i + 1 : i;
}

}  // namespace

int tcq_subset(int state, int branch) { return kSubset[state][branch]; }
int tcq_next_state(int state, int branch) { return kNext[state][branch]; }

float tcq_level(int bits, int j, float delta) {
  const int levels = 1 << (bits + 1);
  return (static_cast<float>(j) - static_cast<float>(levels - 1) / 2.0f) * delta;
}

float tcq_step(int bits, float absmax) {
  return absmax / (static_cast<float>(1 << bits) - 0.5f);
}

int tcq_nearest_in_subset(int bits, int d, float x, float delta) {
  if (!(delta > 0.0f)) return 0;
  const double position = static_cast<double>(x) / delta + ((1 << (bits + 1)) - 1) / 2.0;
  return nearest_index(bits, d, position);
}

float tcq_gaussian_step(int bits, float rms) {
  // The union step that maximises the SQNR of this TCQ on a unit Gaussian with one step for all
  // blocks of 256 (a sweep in 3 % increments over 2^18 samples: 10.2, 15.2, 20.3 dB at 2, 3, 4 bits).
  static const float kStepPerSigma[3] = {0.50f, 0.295f, 0.168f};
  return kStepPerSigma[bits - 2] * rms;
}

TcqBlock tcq_encode_block(const float* x, size_t n, int bits, float* out) {
  float absmax = 0.0f;
  double sum_sq = 0.0;
  for (size_t i = 0; i < n; ++i) {
    absmax = std::max(absmax, std::fabs(x[i]));
    sum_sq += static_cast<double>(x[i]) * x[i];
  }
  const float by_absmax = tcq_step(bits, absmax);
  const float by_rms = tcq_gaussian_step(bits, static_cast<float>(std::sqrt(sum_sq / static_cast<double>(n ? n : 1))));
  TcqBlock best = tcq_encode_with_step(x, n, bits, by_absmax, out);
  if (by_rms < by_absmax) {  // a smaller step is the only other candidate worth a search
    std::vector<float> other(n);
    TcqBlock b = tcq_encode_with_step(x, n, bits, by_rms, other.data());
    if (b.cost < best.cost) {
      best = std::move(b);
      std::copy(other.begin(), other.end(), out);
    }
  }
  return best;
}

TcqBlock tcq_encode_with_step(const float* x, size_t n, int bits, float delta, float* out) {
  TcqBlock r;
  r.delta = delta;
  const double inv = delta > 0.0f ? 1.0 / static_cast<double>(delta) : 0.0;
  const double centre = ((1 << (bits + 1)) - 1) / 2.0;
  const double inf = std::numeric_limits<double>::infinity();
  std::array<double, 4> cost = {0.0, inf, inf, inf}, next_cost{};
  // back[t][s]: the state and branch that reached s after sample t, and the level index used.
  struct Back { uint8_t from, branch, index; };
  std::vector<std::array<Back, 4>> back(n);
  for (size_t t = 0; t < n; ++t) {
    int index[4];
    double err[4];
    const double position = delta > 0.0f ? static_cast<double>(x[t]) * inv + centre : 0.0;
    for (int d = 0; d < 4; ++d) {
      index[d] = nearest_index(bits, d, position);
      err[d] = squared(static_cast<double>(x[t]) - tcq_level(bits, d + 4 * index[d], delta));
    }
    next_cost.fill(inf);
    for (int s = 0; s < kTcqStates; ++s) {
      for (int u = 0; u < 2; ++u) {
        const int d = kSubset[s][u], ns = kNext[s][u];
        const double c = cost[s] + err[d];
        if (c < next_cost[ns]) {  // strict: of equal costs the lower (state, branch) is kept
          next_cost[ns] = c;
          back[t][ns] = {static_cast<uint8_t>(s), static_cast<uint8_t>(u), static_cast<uint8_t>(index[d])};
        }
      }
    }
    cost = next_cost;
  }
  int s = static_cast<int>(std::min_element(cost.begin(), cost.end()) - cost.begin());
  r.cost = n ? cost[s] : 0.0;
  r.codes.resize(n);
  for (size_t t = n; t-- > 0;) {
    const Back& b = back[t][s];
    r.codes[t] = static_cast<uint8_t>(b.branch << (bits - 1) | b.index);
    s = b.from;
  }
  tcq_decode_block(r.codes.data(), n, bits, delta, out);
  return r;
}

void tcq_decode_block(const uint8_t* codes, size_t n, int bits, float delta, float* out) {
  int s = 0;
  const int index_mask = (1 << (bits - 1)) - 1;
  for (size_t t = 0; t < n; ++t) {
    const int u = codes[t] >> (bits - 1) & 1, i = codes[t] & index_mask;
    out[t] = tcq_level(bits, kSubset[s][u] + 4 * i, delta);
    s = kNext[s][u];
  }
}

double tcq_path_cost(const float* x, size_t n, int bits, float delta, const uint8_t* codes) {
  std::vector<float> y(n);
  tcq_decode_block(codes, n, bits, delta, y.data());
  double c = 0;
  for (size_t t = 0; t < n; ++t) c += squared(static_cast<double>(x[t]) - y[t]);
  return c;
}

}  // namespace qp
