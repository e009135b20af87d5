#include "quant/nf4.h"

#include <algorithm>
#include <cmath>

namespace qp {

namespace {

// The absmax floor of the fixtures' formula: an all-zero block scales by 1e38 and stays all zeros
// (code 7 = 0.0) instead of dividing by zero.
constexpr float kAbsmaxFloor = 1e-38f;

// #{m_i < s} as 15 independent compares: the compiler vectorizes it across elements, which is
// about 10x faster than a binary search whose steps depend on each other.
inline uint8_t count_below(const float* m, float s) {
  unsigned c = 0;
  for (int i = 0; i < 15; ++i) c += m[i] < s ? 1u : 0u;
  return static_cast<uint8_t>(c);
}

float block_absmax(const float* x, size_t m) {
  float a = 0.0f;
  for (size_t i = 0; i < m; ++i) a = std::max(a, std::fabs(x[i]));
  return a;
}

// Index of the nearest map entry in the sense of torch.argmin(|s - map|): |s - map[i]| computed in
// float32, the first (lowest) index among equal distances. The map is ascending, so the distance
// falls to the entry nearest s and rises after it; equal distances sit next to each other.
uint8_t nearest_in_map(float s, const std::array<float, 256>& map) {
  const size_t hi = static_cast<size_t>(std::lower_bound(map.begin(), map.end(), s) - map.begin());
  size_t best = hi < map.size() ? hi : map.size() - 1;
  float best_d = std::fabs(s - map[best]);
  for (size_t i = best; i-- > 0;) {  // walk down while the distance does not grow
    const float d = std::fabs(s - map[i]);
    if (d > best_d) break;
    best = i, best_d = d;
  }
  return static_cast<uint8_t>(best);
}

}  // namespace

const std::array<float, 16>& nf4_levels() {
  static const std::array<float, 16> levels = {
      -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
      -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
      0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
      0.7229568362236023f, 1.0f};
  return levels;
}

const std::array<float, 15>& nf4_midpoints() {
  static const std::array<float, 15> mids = [] {
    std::array<float, 15> m{};
    const auto& c = nf4_levels();
    for (size_t i = 0; i < m.size(); ++i) m[i] = (c[i] + c[i + 1]) / 2.0f;
    return m;
  }();
  return mids;
}

uint8_t nf4_code(float s) { return count_below(nf4_midpoints().data(), s); }

void nf4_quantize(const float* x, size_t n, size_t block, uint8_t* codes, float* absmax) {
  float mids[15];
  std::copy(nf4_midpoints().begin(), nf4_midpoints().end(), mids);
  for (size_t b = 0, first = 0; first < n; ++b, first += block) {
    const size_t m = std::min(block, n - first);
    const float a = block_absmax(x + first, m);
    absmax[b] = a;
    const float d = std::max(a, kAbsmaxFloor);
    const float inv = 1.0f / d;
    if (m == block) {
      for (size_t i = 0; i < m; ++i) codes[first + i] = count_below(mids, std::min(1.0f, std::max(-1.0f, x[first + i] * inv)));
    } else {
      for (size_t i = 0; i < m; ++i) codes[first + i] = count_below(mids, std::min(1.0f, std::max(-1.0f, x[first + i] / d)));
    }
  }
}

void nf4_dequantize(const uint8_t* codes, size_t n, size_t block, const float* absmax, float* out) {
  const auto& c = nf4_levels();
  for (size_t i = 0; i < n; ++i) out[i] = c[codes[i] & 15u] * absmax[i / block];
}

std::vector<uint8_t> nf4_pack(const uint8_t* codes, size_t n) {
  std::vector<uint8_t> packed((n + 1) / 2, 0);
  for (size_t i = 0; i < n; ++i)
    packed[i / 2] |= static_cast<uint8_t>((codes[i] & 15u) << (i % 2 == 0 ? 4 : 0));
  return packed;
}

std::vector<uint8_t> nf4_unpack(const uint8_t* packed, size_t n) {
  std::vector<uint8_t> codes(n);
  for (size_t i = 0; i < n; ++i) codes[i] = i % 2 == 0 ? packed[i / 2] >> 4 : packed[i / 2] & 15u;
  return codes;
}

// bitsandbytes' create_dynamic_map(signed=True, max_exponent_bits=7, total_bits=8): for exponent
// i = 0..6, the 2^i means of consecutive points of linspace(0.1, 1, 2^i + 1), times ±10^(i-6);
// plus 0 and 1; sorted. Every step is float32 as torch does it. linspace follows torch's serial
// CPU kernel: step = (1 - 0.1) / (steps - 1), the first half start + step·k, the second half
// end - step·(steps - 1 - k).
const std::array<float, 256>& dynamic_map_8bit() {
  static const std::array<float, 256> map = [] {
    std::array<float, 256> out{};
    size_t k = 0;
    const double pow10[7] = {1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1.0};
    for (int i = 0; i < 7; ++i) {
      const int64_t steps = (int64_t{1} << i) + 1, half = steps / 2;
      const float start = 0.1f, end = 1.0f;
      const float step = (end - start) / static_cast<float>(steps - 1);
      std::vector<float> bounds(static_cast<size_t>(steps));
      for (int64_t j = 0; j < steps; ++j) {
        const float offset = j < half ? step * static_cast<float>(j) : step * static_cast<float>(steps - j - 1);
        bounds[static_cast<size_t>(j)] = j < half ? start + offset : end - offset;
      }
      const float scale = static_cast<float>(pow10[i]);
      for (int64_t j = 0; j + 1 < steps; ++j) {
        const float mean = (bounds[static_cast<size_t>(j)] + bounds[static_cast<size_t>(j + 1)]) / 2.0f;
        out[k++] = mean * scale;
        out[k++] = mean * -scale;
      }
    }
    out[k++] = 0.0f;
    out[k++] = 1.0f;
    std::sort(out.begin(), out.end());
    return out;
  }();
  return map;
}

DoubleQuantAbsmax double_quantize_absmax(const float* a, size_t m) {
  DoubleQuantAbsmax q;
  // torch's a.mean() sums in float32 with its own cascade order; the sum in double rounded once
  // is the exact mean to within one float32 ulp and does not depend on a summation order.
  double sum = 0;
  for (size_t i = 0; i < m; ++i) sum += a[i];
  q.offset = m ? static_cast<float>(sum / static_cast<double>(m)) : 0.0f;
  std::vector<float> centred(m);
  for (size_t i = 0; i < m; ++i) centred[i] = a[i] - q.offset;
  const size_t blocks = (m + kDoubleQuantBlock - 1) / kDoubleQuantBlock;
  q.codes.resize(m);
  q.absmax2.resize(blocks);
  const auto& map = dynamic_map_8bit();
  for (size_t b = 0; b < blocks; ++b) {
    const size_t first = b * kDoubleQuantBlock, len = std::min(kDoubleQuantBlock, m - first);
    const float a2 = block_absmax(centred.data() + first, len);
    q.absmax2[b] = a2;
    // bitsandbytes' quantize_blockwise multiplies by the reciprocal in every block, the partial
    // one too; the floor keeps a block of equal absmax values finite (bitsandbytes gives NaN).
    const float inv = 1.0f / std::max(a2, kAbsmaxFloor);
    for (size_t i = 0; i < len; ++i) {
      const float s = std::min(1.0f, std::max(-1.0f, centred[first + i] * inv));
      q.codes[first + i] = nearest_in_map(s, map);
    }
  }
  return q;
}

std::vector<float> double_dequantize_absmax(const DoubleQuantAbsmax& q) {
  const auto& map = dynamic_map_8bit();
  std::vector<float> a(q.codes.size());
  for (size_t i = 0; i < a.size(); ++i) a[i] = map[q.codes[i]] * q.absmax2[i / kDoubleQuantBlock] + q.offset;
  return a;
}

}  // namespace qp
