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

// The two branches into each state, in the order (state, branch) ascending: from, branch, subset.
// constexpr, so the Viterbi loop's indices fold to constants and the path costs stay in registers.
struct Predecessors {
  int from[4][2], branch[4][2], subset[4][2];
};
constexpr Predecessors make_predecessors() {
  Predecessors q{};
  int seen[4] = {0, 0, 0, 0};
  for (int s = 0; s < 4; ++s) {
    for (int u = 0; u < 2; ++u) {
      const int ns = kNext[s][u], k = seen[ns]++;
      q.from[ns][k] = s;
      q.branch[ns][k] = u;
      q.subset[ns][k] = kSubset[s][u];
    }
  }
  return q;
}
constexpr Predecessors kPred = make_predecessors();

// The index i of the level of subset d nearest to `position` (x in level units, level j at j):
// i = ceil((position - d) / 4 - 1/2) clamped to the subset, so a tie goes to the lower index.
// Written without std::ceil, which is a library call on baseline x86-64.
int nearest_index(int bits, int d, double position) {
  const double last = (1 << (bits - 1)) - 1;
  // Clamped first, so the rest is branch-free (Gaussian data makes these branches unpredictable).
  const double y = std::min(last, std::max(0.0, (position - d) / 4.0 - 0.5));
  const int i = static_cast<int>(y);  // y in [0, last]: truncation is floor
  return i + (i < y ? 1 : 0);
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
  TcqEncoder e;
  return e.encode_block(x, n, bits, out);
}

TcqBlock tcq_encode_with_step(const float* x, size_t n, int bits, float delta, float* out) {
  TcqEncoder e;
  return e.encode_with_step(x, n, bits, delta, out);
}

namespace {

double min_cost(const double cost[4]) { return *std::min_element(cost, cost + 4); }

}  // namespace

bool TcqEncoder::search(const float* x, size_t n, int bits, float delta, Search& s, double give_up) {
  s.delta = delta;
  for (int d = 0; d < 4; ++d) s.err[d].resize(n);
  s.choice.resize(n);
  // Nearest level per subset and its error: nearest_index and tcq_level's expressions, written
  // without integers or branches (y is in [0, 7], so its ceiling is exact in double and float) so
  // the loop over samples vectorises. The trace recomputes the index of the winning path's levels.
  const float half_span = static_cast<float>((1 << (bits + 1)) - 1) / 2.0f;  // as in tcq_level
  const double last = (1 << (bits - 1)) - 1;
  auto errors = [&](auto position) {
    for (int d = 0; d < 4; ++d) {
      double* err = s.err[d].data();
      const double dd = d;
      for (size_t t = 0; t < n; ++t) {
        double y = (position(x[t]) - dd) / 4.0 - 0.5;
        y = 0.0 < y ? y : 0.0;     // std::max(0.0, y)
        y = y < last ? y : last;   // std::min(last, y)
        const double floor = static_cast<double>(static_cast<int>(y));
        const double i = floor + static_cast<double>(floor < y);  // ceil: a midpoint goes low
        const float level = (static_cast<float>(dd + 4.0 * i) - half_span) * delta;
        err[t] = squared(static_cast<double>(x[t]) - static_cast<double>(level));
      }
    }
  };
  if (delta > 0.0f) {
    const double inv = 1.0 / static_cast<double>(delta), centre = ((1 << (bits + 1)) - 1) / 2.0;
    errors([=](float v) { return static_cast<double>(v) * inv + centre; });
  } else {
    errors([](float) { return 0.0; });
  }
  // The Viterbi recursion, 4 states unrolled (kPred's indices are constants).
  constexpr const Predecessors& pred = kPred;
  const double inf = std::numeric_limits<double>::infinity();
  double cost[4] = {0.0, inf, inf, inf};
  const double* err[4] = {s.err[0].data(), s.err[1].data(), s.err[2].data(), s.err[3].data()};
  for (size_t t = 0; t < n; ++t) {
    double next_cost[4];
    unsigned bits_chosen = 0;
    for (int ns = 0; ns < 4; ++ns) {
      const double a = cost[pred.from[ns][0]] + err[pred.subset[ns][0]][t];
      const double b = cost[pred.from[ns][1]] + err[pred.subset[ns][1]][t];
      const bool second = b < a;  // strict: of equal costs the lower (state, branch) is kept
      next_cost[ns] = second ? b : a;
      bits_chosen |= static_cast<unsigned>(second) << ns;
    }
    s.choice[t] = static_cast<uint8_t>(bits_chosen);
    for (int ns = 0; ns < 4; ++ns) cost[ns] = next_cost[ns];
    // Errors are >= 0 and rounding is monotone, so no path gets cheaper: once the cheapest
    // reaches give_up, this candidate cannot win.
    if ((t & 31) == 31 && min_cost(cost) >= give_up) return false;
  }
  for (int k = 0; k < 4; ++k) s.cost[k] = cost[k];
  return true;
}

const TcqBlock& TcqEncoder::trace(const float* x, const Search& s, size_t n, int bits, float* out) {
  constexpr const Predecessors& pred = kPred;
  int state = static_cast<int>(std::min_element(s.cost, s.cost + 4) - s.cost);
  block_.delta = s.delta;
  block_.cost = n ? s.cost[state] : 0.0;
  block_.codes.resize(n);
  // The winning levels' indices, from the reference's positions (x · (1 / step) + centre).
  const double inv = s.delta > 0.0f ? 1.0 / static_cast<double>(s.delta) : 0.0;
  const double centre = ((1 << (bits + 1)) - 1) / 2.0;
  for (size_t t = n; t-- > 0;) {
    const int k = s.choice[t] >> state & 1, d = pred.subset[state][k];
    const int i = nearest_index(bits, d, s.delta > 0.0f ? static_cast<double>(x[t]) * inv + centre : 0.0);
    block_.codes[t] = static_cast<uint8_t>(pred.branch[state][k] << (bits - 1) | i);
    out[t] = tcq_level(bits, d + 4 * i, s.delta);  // what tcq_decode_block gives for this code
    state = pred.from[state][k];
  }
  return block_;
}

// The two step sizes a block tries: from its absmax, and the Gaussian-optimal one from its rms.
static std::pair<float, float> candidate_steps(const float* x, size_t n, int bits) {
  float absmax = 0.0f;
  double sum_sq = 0.0;
  for (size_t i = 0; i < n; ++i) {
    absmax = std::max(absmax, std::fabs(x[i]));
    sum_sq += static_cast<double>(x[i]) * x[i];
  }
  return {tcq_step(bits, absmax),
          tcq_gaussian_step(bits, static_cast<float>(std::sqrt(sum_sq / static_cast<double>(n ? n : 1))))};
}

const TcqBlock& TcqEncoder::encode_with_step(const float* x, size_t n, int bits, float delta, float* out) {
  search(x, n, bits, delta, candidate_[0], std::numeric_limits<double>::infinity());
  return trace(x, candidate_[0], n, bits, out);
}

const TcqBlock& TcqEncoder::encode_block(const float* x, size_t n, int bits, float* out) {
  const auto [by_absmax, by_rms] = candidate_steps(x, n, bits);
  search(x, n, bits, by_absmax, candidate_[0], std::numeric_limits<double>::infinity());
  const double first = n ? min_cost(candidate_[0].cost) : 0.0;
  // A smaller step is the only other candidate worth a search; it must be strictly cheaper (a tie
  // keeps the absmax step).
  if (by_rms < by_absmax && search(x, n, bits, by_rms, candidate_[1], first) &&
      (n ? min_cost(candidate_[1].cost) : 0.0) < first)
    return trace(x, candidate_[1], n, bits, out);
  return trace(x, candidate_[0], n, bits, out);
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

// The plain implementations the encoder was first written as: one nearest-level search and one
// double error per subset and sample inside the Viterbi loop, a search and a decode per candidate.
// Kept for the tests, which require TcqEncoder to match them bit for bit.

TcqBlock tcq_encode_block_reference(const float* x, size_t n, int bits, float* out) {
  const auto [by_absmax, by_rms] = candidate_steps(x, n, bits);
  TcqBlock best = tcq_encode_with_step_reference(x, n, bits, by_absmax, out);
  if (by_rms < by_absmax) {  // a smaller step is the only other candidate worth a search
    std::vector<float> other(n);
    TcqBlock b = tcq_encode_with_step_reference(x, n, bits, by_rms, other.data());
    if (b.cost < best.cost) {
      best = std::move(b);
      std::copy(other.begin(), other.end(), out);
    }
  }
  return best;
}

TcqBlock tcq_encode_with_step_reference(const float* x, size_t n, int bits, float delta, float* out) {
  TcqBlock r;
  r.delta = delta;
  const double inv = delta > 0.0f ? 1.0 / static_cast<double>(delta) : 0.0;
  const double centre = ((1 << (bits + 1)) - 1) / 2.0;
  auto position = [&](float v) { return delta > 0.0f ? static_cast<double>(v) * inv + centre : 0.0; };
  constexpr const Predecessors& pred = kPred;
  const double inf = std::numeric_limits<double>::infinity();
  double cost[4] = {0.0, inf, inf, inf};
  // choice[t][s]: which of the two branches into s (pred.from[s][0] or [1]) survived at sample t.
  std::vector<std::array<uint8_t, 4>> choice(n);
  for (size_t t = 0; t < n; ++t) {
    const double p = position(x[t]);
    double err[4];
    for (int d = 0; d < 4; ++d)
      err[d] = squared(static_cast<double>(x[t]) - tcq_level(bits, d + 4 * nearest_index(bits, d, p), delta));
    double next_cost[4];
    for (int ns = 0; ns < 4; ++ns) {
      const double a = cost[pred.from[ns][0]] + err[pred.subset[ns][0]];
      const double b = cost[pred.from[ns][1]] + err[pred.subset[ns][1]];
      const bool second = b < a;  // strict: of equal costs the lower (state, branch) is kept
      next_cost[ns] = second ? b : a;
      choice[t][ns] = second ? 1 : 0;
    }
    for (int ns = 0; ns < 4; ++ns) cost[ns] = next_cost[ns];
  }
  int s = static_cast<int>(std::min_element(cost, cost + 4) - cost);
  r.cost = n ? cost[s] : 0.0;
  r.codes.resize(n);
  for (size_t t = n; t-- > 0;) {
    const int k = choice[t][s], d = pred.subset[s][k];
    const int index = nearest_index(bits, d, position(x[t]));  // as in the forward pass
    r.codes[t] = static_cast<uint8_t>(pred.branch[s][k] << (bits - 1) | index);
    s = pred.from[s][k];
  }
  tcq_decode_block(r.codes.data(), n, bits, delta, out);
  return r;
}

}  // namespace qp
