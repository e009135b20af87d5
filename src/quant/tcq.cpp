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
  const int per_subset = 1 << (bits - 1);
  if (!(delta > 0.0f)) return 0;
  // Position of x in level units, then in steps of 4 levels from the subset's first level d.
  const double t = (static_cast<double>(x) / delta + ((1 << (bits + 1)) - 1) / 2.0 - d) / 4.0;
  const double i = std::ceil(t - 0.5);  // nearest, a tie to the lower index
  return static_cast<int>(std::min<double>(per_subset - 1, std::max(0.0, i)));
}

TcqBlock tcq_encode_block(const float* x, size_t n, int bits, float* out) {
  TcqBlock r;
  float absmax = 0.0f;
  for (size_t i = 0; i < n; ++i) absmax = std::max(absmax, std::fabs(x[i]));
  r.delta = tcq_step(bits, absmax);
  const float delta = r.delta;
  const double inf = std::numeric_limits<double>::infinity();
  std::array<double, 4> cost = {0.0, inf, inf, inf}, next_cost{};
  // back[t][s]: the branch-and-state that reached s at step t + 1, and the level index used.
  struct Back { uint8_t from, branch, index; };
  std::vector<std::array<Back, 4>> back(n);
  for (size_t t = 0; t < n; ++t) {
    int index[4];
    double err[4];
    for (int d = 0; d < 4; ++d) {
      index[d] = tcq_nearest_in_subset(bits, d, x[t], delta);
      err[d] = squared(static_cast<double>(x[t]) - tcq_level(bits, d + 4 * index[d], delta));
    }
    next_cost.fill(inf);
    for (int s = 0; s < kTcqStates; ++s) {
      if (cost[s] == inf) continue;
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
