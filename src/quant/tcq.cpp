#include "quant/tcq.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

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

#if defined(__wasm_simd128__)

namespace {

// The search's per-subset errors for samples [0, n & ~1), two samples per f64x2 register. Per lane
// the same operations as the scalar loop: (position - d) / 4 is the exact product by 0.25; pmax(0, y)
// is `0 < y ? y : 0` and pmin(last, y) is `y < last ? y : last`; f64x2.ceil is the scalar's
// floor + (floor < y) for y in [0, last]; the level is formed in float32 (demote of an exact small
// integer, then the same float sub and mul); the error is the double square of x - level.
// Returns how many samples it did.
size_t subset_errors_wasmsimd(const float* x, size_t n, float delta, double inv, double centre, float half_span,
                              double last, double* const err[4], double* const index_out[4], float* const level_out[4]) {
  const v128_t vinv = wasm_f64x2_splat(inv), vcentre = wasm_f64x2_splat(centre);
  const v128_t quarter = wasm_f64x2_splat(0.25), half = wasm_f64x2_splat(0.5);
  const v128_t zero = wasm_f64x2_splat(0.0), vlast = wasm_f64x2_splat(last), four = wasm_f64x2_splat(4.0);
  const v128_t vhalf_span = wasm_f32x4_splat(half_span), vdelta = wasm_f32x4_splat(delta);
  const size_t pairs = n & ~size_t{1};
  for (size_t t = 0; t < pairs; t += 2) {
    const v128_t xv = wasm_f64x2_promote_low_f32x4(wasm_v128_load64_zero(x + t));
    const v128_t position = wasm_f64x2_add(wasm_f64x2_mul(xv, vinv), vcentre);
    for (int d = 0; d < 4; ++d) {
      const v128_t dd = wasm_f64x2_splat(static_cast<double>(d));
      v128_t y = wasm_f64x2_sub(wasm_f64x2_mul(wasm_f64x2_sub(position, dd), quarter), half);
      y = wasm_f64x2_pmin(vlast, wasm_f64x2_pmax(zero, y));
      const v128_t index = wasm_f64x2_ceil(y);
      const v128_t j = wasm_f32x4_demote_f64x2_zero(wasm_f64x2_add(dd, wasm_f64x2_mul(four, index)));
      const v128_t level = wasm_f32x4_mul(wasm_f32x4_sub(j, vhalf_span), vdelta);
      const v128_t diff = wasm_f64x2_sub(xv, wasm_f64x2_promote_low_f32x4(level));
      wasm_v128_store(err[d] + t, wasm_f64x2_mul(diff, diff));
      wasm_v128_store64_lane(level_out[d] + t, level, 0);
      wasm_v128_store(index_out[d] + t, index);
    }
  }
  return pairs;
}

// The Viterbi recursion with the path costs of states 0-1 and 2-3 in two f64x2 registers. The two
// branches into states (0, 1) come from states 0 and 2 with subsets (0, 2) and (2, 0); into (2, 3)
// from states 1 and 3 with subsets (1, 3) and (3, 1) (checked against kPred below). pmin(a, b) is
// `b < a ? b : a`, the scalar's strict choice, and lt(b, a) its choice bit.
static_assert(kPred.from[0][0] == 0 && kPred.from[0][1] == 2 && kPred.from[1][0] == 0 && kPred.from[1][1] == 2 &&
                  kPred.from[2][0] == 1 && kPred.from[2][1] == 3 && kPred.from[3][0] == 1 && kPred.from[3][1] == 3,
              "the unrolled SIMD recursion assumes these predecessors");
static_assert(kPred.subset[0][0] == 0 && kPred.subset[0][1] == 2 && kPred.subset[1][0] == 2 &&
                  kPred.subset[1][1] == 0 && kPred.subset[2][0] == 1 && kPred.subset[2][1] == 3 &&
                  kPred.subset[3][0] == 3 && kPred.subset[3][1] == 1,
              "the unrolled SIMD recursion assumes these subsets");

bool viterbi_wasmsimd(const double* const err[4], size_t n, uint8_t* choice, double give_up, double cost_out[4]) {
  const double inf = std::numeric_limits<double>::infinity();
  v128_t c01 = wasm_f64x2_make(0.0, inf), c23 = wasm_f64x2_make(inf, inf);
  for (size_t t = 0; t < n; ++t) {
    const v128_t e02 = wasm_v128_load64_lane(err[2] + t, wasm_v128_load64_zero(err[0] + t), 1);
    const v128_t e13 = wasm_v128_load64_lane(err[3] + t, wasm_v128_load64_zero(err[1] + t), 1);
    const v128_t e20 = wasm_i64x2_shuffle(e02, e02, 1, 0), e31 = wasm_i64x2_shuffle(e13, e13, 1, 0);
    const v128_t a01 = wasm_f64x2_add(wasm_i64x2_shuffle(c01, c01, 0, 0), e02);  // from state 0
    const v128_t b01 = wasm_f64x2_add(wasm_i64x2_shuffle(c23, c23, 0, 0), e20);  // from state 2
    const v128_t a23 = wasm_f64x2_add(wasm_i64x2_shuffle(c01, c01, 1, 1), e13);  // from state 1
    const v128_t b23 = wasm_f64x2_add(wasm_i64x2_shuffle(c23, c23, 1, 1), e31);  // from state 3
    choice[t] = static_cast<uint8_t>(wasm_i64x2_bitmask(wasm_f64x2_lt(b01, a01)) |
                                     wasm_i64x2_bitmask(wasm_f64x2_lt(b23, a23)) << 2);
    c01 = wasm_f64x2_pmin(a01, b01);
    c23 = wasm_f64x2_pmin(a23, b23);
    if ((t & 31) == 31) {  // as the scalar loop: no path gets cheaper, so stop once all reach give_up
      const v128_t m = wasm_f64x2_pmin(c01, c23);
      if (std::min(wasm_f64x2_extract_lane(m, 0), wasm_f64x2_extract_lane(m, 1)) >= give_up) return false;
    }
  }
  cost_out[0] = wasm_f64x2_extract_lane(c01, 0);
  cost_out[1] = wasm_f64x2_extract_lane(c01, 1);
  cost_out[2] = wasm_f64x2_extract_lane(c23, 0);
  cost_out[3] = wasm_f64x2_extract_lane(c23, 1);
  return true;
}

}  // namespace

#endif  // __wasm_simd128__

bool TcqEncoder::search(const float* x, size_t n, int bits, float delta, Search& s, double give_up) {
  s.delta = delta;
  for (int d = 0; d < 4; ++d) {
    s.err[d].resize(n);
    s.index[d].resize(n);
    s.level[d].resize(n);
  }
  s.choice.resize(n);
  double* const err_rows[4] = {s.err[0].data(), s.err[1].data(), s.err[2].data(), s.err[3].data()};
  double* const index_rows[4] = {s.index[0].data(), s.index[1].data(), s.index[2].data(), s.index[3].data()};
  float* const level_rows[4] = {s.level[0].data(), s.level[1].data(), s.level[2].data(), s.level[3].data()};
  // Nearest level per subset and its error: nearest_index and tcq_level's expressions, written
  // without integers or branches (y is in [0, 7], so its ceiling is exact in double and float) so
  // the loop over samples vectorises. The trace recomputes the index of the winning path's levels.
  const float half_span = static_cast<float>((1 << (bits + 1)) - 1) / 2.0f;  // as in tcq_level
  const double last = (1 << (bits - 1)) - 1;
  auto errors = [&](size_t from, auto position) {
    for (int d = 0; d < 4; ++d) {
      double* err = err_rows[d];
      const double dd = d;
      for (size_t t = from; t < n; ++t) {
        double y = (position(x[t]) - dd) / 4.0 - 0.5;
        y = 0.0 < y ? y : 0.0;     // std::max(0.0, y)
        y = y < last ? y : last;   // std::min(last, y)
        const double floor = static_cast<double>(static_cast<int>(y));
        const double i = floor + static_cast<double>(floor < y);  // ceil: a midpoint goes low
        const float level = (static_cast<float>(dd + 4.0 * i) - half_span) * delta;
        err[t] = squared(static_cast<double>(x[t]) - static_cast<double>(level));
        index_rows[d][t] = i;
        level_rows[d][t] = level;
      }
    }
  };
  if (delta > 0.0f) {
    const double inv = 1.0 / static_cast<double>(delta), centre = ((1 << (bits + 1)) - 1) / 2.0;
    size_t done = 0;
#if defined(__wasm_simd128__)
    done = subset_errors_wasmsimd(x, n, delta, inv, centre, half_span, last, err_rows, index_rows, level_rows);
#endif
    errors(done, [=](float v) { return static_cast<double>(v) * inv + centre; });
  } else {
    errors(0, [](float) { return 0.0; });
  }
#if defined(__wasm_simd128__)
  return viterbi_wasmsimd(err_rows, n, s.choice.data(), give_up, s.cost);
#else
  // The Viterbi recursion, 4 states unrolled (kPred's indices are constants).
  constexpr const Predecessors& pred = kPred;
  const double inf = std::numeric_limits<double>::infinity();
  double cost[4] = {0.0, inf, inf, inf};
  const double* err[4] = {err_rows[0], err_rows[1], err_rows[2], err_rows[3]};
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
#endif
}

const TcqBlock& TcqEncoder::trace(const Search& s, size_t n, int bits, float* out) {
  constexpr const Predecessors& pred = kPred;
  int state = static_cast<int>(std::min_element(s.cost, s.cost + 4) - s.cost);
  block_.delta = s.delta;
  block_.cost = n ? s.cost[state] : 0.0;
  block_.codes.resize(n);
  // The winning levels and their indices as the search stored them: nearest_index and tcq_level
  // of the reference's positions (x · (1 / step) + centre), computed there for every subset.
  for (size_t t = n; t-- > 0;) {
    const int k = s.choice[t] >> state & 1, d = pred.subset[state][k];
    const int i = static_cast<int>(s.index[d][t]);  // an integer in [0, 2^(R-1) - 1]: exact
    block_.codes[t] = static_cast<uint8_t>(pred.branch[state][k] << (bits - 1) | i);
    out[t] = s.level[d][t];  // what tcq_decode_block gives for this code
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
  return trace(candidate_[0], n, bits, out);
}

const TcqBlock& TcqEncoder::encode_block(const float* x, size_t n, int bits, float* out) {
  const auto [by_absmax, by_rms] = candidate_steps(x, n, bits);
  search(x, n, bits, by_absmax, candidate_[0], std::numeric_limits<double>::infinity());
  const double first = n ? min_cost(candidate_[0].cost) : 0.0;
  // A smaller step is the only other candidate worth a search; it must be strictly cheaper (a tie
  // keeps the absmax step).
  if (by_rms < by_absmax && search(x, n, bits, by_rms, candidate_[1], first) &&
      (n ? min_cost(candidate_[1].cost) : 0.0) < first)
    return trace(candidate_[1], n, bits, out);
  return trace(candidate_[0], n, bits, out);
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
