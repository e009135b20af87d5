#include "quant/kmeans_quant.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qp {

namespace {

// Ascending float order as unsigned integer order: flip every bit of a negative value, only the
// sign bit of a positive one.
uint32_t sort_key(float v) {
  uint32_t b;
  std::memcpy(&b, &v, 4);
  return b & 0x80000000u ? ~b : b | 0x80000000u;
}
float from_key(uint32_t k) {
  const uint32_t b = k & 0x80000000u ? k & 0x7FFFFFFFu : ~k;
  float v;
  std::memcpy(&v, &b, 4);
  return v;
}

// The values in ascending order: an LSD radix sort (3 passes of 11 bits) for large units, which is
// several times faster than std::sort from a few thousand values up; std::sort below 2048.
std::vector<float> sorted_copy(const float* x, size_t n) {
  if (n < 2048) {
    std::vector<float> s(x, x + n);
    std::sort(s.begin(), s.end());
    return s;
  }
  // Scratch without zero-filling (every entry is written before it is read).
  std::unique_ptr<uint32_t[]> a_buf(new uint32_t[n]), b_buf(new uint32_t[n]);
  uint32_t* a = a_buf.get();
  uint32_t* b = b_buf.get();
  for (size_t i = 0; i < n; ++i) a[i] = sort_key(x[i]);
  for (int shift = 0; shift < 32; shift += 11) {
    size_t count[2049] = {0};
    for (size_t i = 0; i < n; ++i) ++count[((a[i] >> shift) & 2047u) + 1];
    for (size_t d = 1; d < 2049; ++d) count[d] += count[d - 1];
    for (size_t i = 0; i < n; ++i) b[count[(a[i] >> shift) & 2047u]++] = a[i];
    std::swap(a, b);
  }
  std::vector<float> s(n);
  for (size_t i = 0; i < n; ++i) s[i] = from_key(a[i]);
  return s;
}

std::vector<double> quantile_init(const std::vector<float>& sorted, size_t k) {
  const size_t n = sorted.size();
  std::vector<double> c(k);
  for (size_t j = 0; j < k; ++j) c[j] = sorted[(2 * j + 1) * n / (2 * k)];
  return c;
}

}  // namespace

std::vector<double> kmeans_quantile_init(const float* x, size_t n, size_t k) {
  return quantile_init(sorted_copy(x, n), k);
}

namespace {

// The first index i in [0, n) with mid < v[i] (n if none): std::upper_bound's answer, found by
// galloping out from `guess` and then bisecting the bracket. The answer is unique, so any guess
// gives std::upper_bound's index; a good guess (last step's boundary, which Lloyd moves little)
// needs a few comparisons instead of log2 n.
size_t upper_bound_from(const std::vector<float>& v, double mid, size_t guess) {
  const size_t n = v.size();
  auto above = [&](size_t i) { return mid < v[i]; };  // monotone: false ... false true ... true
  size_t lo, hi;  // invariant: the answer is in (lo, hi]; lo == SIZE_MAX stands for -1
  if (guess < n && !above(guess)) {  // the answer is to the right of guess
    lo = guess;
    size_t step = 1;
    for (;;) {
      if (n - lo <= step) { hi = n; break; }
      if (above(lo + step)) { hi = lo + step; break; }
      lo += step;
      step *= 2;
    }
  } else {  // the answer is at or left of guess (guess >= n: at most n)
    hi = guess < n ? guess : n;
    size_t step = 1;
    for (;;) {
      if (hi < step) { lo = static_cast<size_t>(-1); break; }
      if (!above(hi - step)) { lo = hi - step; break; }
      hi -= step;
      step *= 2;
    }
  }
  while (hi - (lo + 1) > 0) {  // bisect (lo, hi]: the answer is hi once the bracket is one wide
    const size_t m = lo + 1 + (hi - (lo + 1)) / 2;
    if (above(m)) hi = m;
    else lo = m;
  }
  return hi;
}

// Lloyd on the sorted values. warm_start: look for each boundary from where the last step put it
// (upper_bound_from); otherwise std::upper_bound over all values (the plain version, for tests).
KmeansFit fit_sorted(const std::vector<float>& v, size_t k, bool warm_start) {
  const size_t n = v.size();
  std::vector<double> prefix(n + 1, 0.0);  // prefix[i] = v[0] + ... + v[i-1]
  for (size_t i = 0; i < n; ++i) prefix[i + 1] = prefix[i] + v[i];
  std::vector<double> c = quantile_init(v, k);
  // Cluster j holds the sorted values v[bound[j]] .. v[bound[j+1] - 1]: those above the midpoint
  // with centroid j - 1 and at most the midpoint with centroid j + 1 (a tie goes low).
  std::vector<size_t> bound(k + 1, 0), next(k + 1, 0);
  bound[k] = next[k] = n;
  // The first guesses: the quantile positions the centroids start from, midway.
  for (size_t j = 0; j + 1 < k; ++j) bound[j + 1] = (j + 1) * n / k;
  KmeansFit fit;
  for (int it = 0; it < kKmeansMaxIterations; ++it) {
    for (size_t j = 0; j + 1 < k; ++j) {
      const double mid = (c[j] + c[j + 1]) / 2.0;
      next[j + 1] = warm_start ? upper_bound_from(v, mid, bound[j + 1])
                               : static_cast<size_t>(std::upper_bound(v.begin(), v.end(), mid,
                                                                      [](double m, float a) { return m < a; }) -
                                                     v.begin());
    }
    const bool changed = it == 0 || next != bound;
    bound.swap(next);
    for (size_t j = 0; j < k; ++j) {
      const size_t lo = bound[j], hi = bound[j + 1];
      if (hi > lo) c[j] = (prefix[hi] - prefix[lo]) / static_cast<double>(hi - lo);
    }
    fit.iterations = it + 1;
    if (!changed) {
      fit.converged = true;
      break;
    }
  }
  fit.centroids.resize(k);
  for (size_t j = 0; j < k; ++j) fit.centroids[j] = static_cast<float>(c[j]);
  // Rounding to float32 keeps the order (rounding is monotone).
  return fit;
}

}  // namespace

KmeansFit kmeans_fit(const float* x, size_t n, size_t k) { return fit_sorted(sorted_copy(x, n), k, true); }

KmeansFit kmeans_fit_reference(const float* x, size_t n, size_t k) {
  return fit_sorted(sorted_copy(x, n), k, false);
}

uint16_t kmeans_code(float v, const std::vector<float>& c) {
  size_t j = 0;
  while (j + 1 < c.size() && static_cast<double>(v) > (static_cast<double>(c[j]) + c[j + 1]) / 2.0) ++j;
  while (j > 0 && c[j - 1] == c[j]) --j;
  return static_cast<uint16_t>(j);
}

KmeansCoder::KmeansCoder(const std::vector<float>& c) {
  size_t size = kCountedMids;
  while (size < c.size()) size *= 2;
  mids_.assign(size, std::numeric_limits<double>::infinity());
  for (size_t j = 0; j + 1 < c.size(); ++j) mids_[j] = (static_cast<double>(c[j]) + c[j + 1]) / 2.0;
  for (size_t j = 0; j < kCountedMids; ++j) {  // +inf stays +inf: no finite v reaches it
    const float f = static_cast<float>(mids_[j]);
    above_[j] = static_cast<double>(f) > mids_[j] || std::isinf(f) ? f : std::nextafter(f, std::numeric_limits<float>::infinity());
  }
  first_equal_.resize(size);
  for (size_t j = 0; j < size; ++j) {
    const size_t i = std::min(j, c.size() - 1);
    first_equal_[j] = static_cast<uint16_t>(i > 0 && c[i - 1] == c[i] ? first_equal_[i - 1] : i);
  }
}

void KmeansCoder::code_all(const float* x, size_t n, uint16_t* codes) const {
  size_t i = 0;
#if defined(__wasm_simd128__)
  if (mids_.size() == kCountedMids) {
    v128_t above[kCountedMids];
    for (size_t j = 0; j < kCountedMids; ++j) above[j] = wasm_f32x4_splat(above_[j]);
    for (; i + 4 <= n; i += 4) {
      const v128_t v = wasm_v128_load(x + i);
      v128_t count = wasm_i32x4_splat(0);
      for (size_t j = 0; j < kCountedMids; ++j) count = wasm_i32x4_sub(count, wasm_f32x4_ge(v, above[j]));  // true = -1
      codes[i] = first_equal_[static_cast<size_t>(wasm_i32x4_extract_lane(count, 0))];
      codes[i + 1] = first_equal_[static_cast<size_t>(wasm_i32x4_extract_lane(count, 1))];
      codes[i + 2] = first_equal_[static_cast<size_t>(wasm_i32x4_extract_lane(count, 2))];
      codes[i + 3] = first_equal_[static_cast<size_t>(wasm_i32x4_extract_lane(count, 3))];
    }
  }
#endif
  for (; i < n; ++i) codes[i] = code(x[i]);
}

KmeansFit kmeans_quantize(const float* x, size_t n, size_t k, uint16_t* codes, float* out) {
  KmeansFit fit = kmeans_fit(x, n, k);
  const KmeansCoder coder(fit.centroids);
  constexpr size_t kChunk = 1024;
  uint16_t scratch[kChunk];
  for (size_t at = 0; at < n; at += kChunk) {
    const size_t m = std::min(kChunk, n - at);
    uint16_t* c = codes ? codes + at : scratch;
    coder.code_all(x + at, m, c);
    for (size_t i = 0; i < m; ++i) out[at + i] = fit.centroids[c[i]];
  }
  return fit;
}

bool kmeans_lloyd_step_reference(const float* x, size_t n, std::vector<double>& centroids,
                                 std::vector<size_t>& assignment) {
  const size_t k = centroids.size();
  bool changed = false;
  std::vector<double> sum(k, 0.0);
  std::vector<size_t> count(k, 0);
  for (size_t i = 0; i < n; ++i) {
    size_t best = 0;
    for (size_t j = 1; j < k; ++j)
      if (std::fabs(x[i] - centroids[j]) < std::fabs(x[i] - centroids[best])) best = j;
    if (assignment[i] != best) changed = true;
    assignment[i] = best;
    sum[best] += x[i];
    ++count[best];
  }
  for (size_t j = 0; j < k; ++j)
    if (count[j]) centroids[j] = sum[j] / static_cast<double>(count[j]);
  return changed;
}

}  // namespace qp
