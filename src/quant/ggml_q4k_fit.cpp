// Q4_K's sub-block fit (ggml_q4k_fit.h), in ggml's float32 operations and order (no FMA: the
// build passes -ffp-contract=off) with ggml's nearest_int.
//
// The lockstep tier is faster without changing a bit:
//  * The fit's sums are sequential float additions, so one sub-block is a chain of dependent adds
//    (latency-bound). Eight sub-blocks side by side ("lanes", arrays indexed [i * 8 + lane]) are
//    eight independent chains, each still summed in ggml's order; the compiler can also put lanes
//    in SIMD registers.
//  * A candidate whose codes equal the previous candidate's (in that lane) has the same sums, so
//    the same error, and cannot beat the best, which is already <= that error: it is skipped.
//  * x - min and max - min are kept per lane and recomputed only when a candidate is accepted
//    (ggml recomputes them per candidate from the current min: the same floats).
#include "quant/ggml_q4k_fit.h"

#include <algorithm>
#include <cstring>

#include "quant/ggml_block_codecs.h"

namespace qp::ggml {

namespace {

constexpr int kN = 32;     // values per sub-block
constexpr int kMax = 15;   // largest code
constexpr int kSteps = 20; // candidates is = 0..20: iscale = (-1 + 0.1 is + 15) / (max - min)

int code(float iscale_times_x) { return std::clamp(nearest_int(iscale_times_x), 0, kMax); }

// ggml's candidate numerator, rmin + rdelta*is + nmax, evaluated left to right.
float candidate_numerator(int is) { return -1.0f + 0.1f * static_cast<float>(is) + static_cast<float>(kMax); }

}  // namespace

float fit_scale_min_q4_ref(const float* x, const float* w, uint8_t* L, float* neg_min) {
  float min = x[0], max = x[0];
  float sum_w = w[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < kN; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    sum_w += w[i];
    sum_x += w[i] * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    std::memset(L, 0, kN);
    *neg_min = -min;
    return 0.0f;
  }
  float iscale = static_cast<float>(kMax) / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < kN; ++i) {
    L[i] = static_cast<uint8_t>(code(iscale * (x[i] - min)));
    float diff = scale * L[i] + min - x[i];
    diff = diff * diff;
    best_error += w[i] * diff;
  }
  uint8_t Laux[kN];
  for (int is = 0; is <= kSteps; ++is) {
    iscale = candidate_numerator(is) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < kN; ++i) {
      Laux[i] = static_cast<uint8_t>(code(iscale * (x[i] - min)));
      const float l = Laux[i];
      sum_l += w[i] * l;
      sum_l2 += w[i] * l * l;
      sum_xl += w[i] * l * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (D > 0) {
      float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
      float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
      if (this_min > 0) {
        this_min = 0;
        this_scale = sum_xl / sum_l2;
      }
      float cur_error = 0;
      for (int i = 0; i < kN; ++i) {
        float diff = this_scale * Laux[i] + this_min - x[i];
        diff = diff * diff;
        cur_error += w[i] * diff;
      }
      if (cur_error < best_error) {
        std::memcpy(L, Laux, kN);
        best_error = cur_error;
        scale = this_scale;
        min = this_min;
      }
    }
  }
  *neg_min = -min;
  return scale;
}

void fit_scale_min_q4_x8(const float* x, const float* w, uint8_t* L, float* scales, float* neg_mins) {
  constexpr int K = 8;  // lanes = sub-blocks
  float xt[kN * K], wt[kN * K], xm[kN * K], lf[kN * K], lprev[kN * K], lbest[kN * K];
  for (int k = 0; k < K; ++k) {
    for (int i = 0; i < kN; ++i) {
      xt[i * K + k] = x[k * kN + i];
      wt[i * K + k] = w[k * kN + i];
    }
  }
  float mn[K], mx[K], sum_w[K], sum_x[K], range[K], iscale[K], scale[K], best[K];
  bool live[K];
  for (int k = 0; k < K; ++k) {
    mn[k] = mx[k] = xt[k];
    sum_w[k] = wt[k];
    sum_x[k] = sum_w[k] * xt[k];
  }
  for (int i = 1; i < kN; ++i) {
    for (int k = 0; k < K; ++k) {
      const float v = xt[i * K + k];
      if (v < mn[k]) mn[k] = v;
      if (v > mx[k]) mx[k] = v;
      sum_w[k] += wt[i * K + k];
      sum_x[k] += wt[i * K + k] * v;
    }
  }
  for (int k = 0; k < K; ++k) {
    if (mn[k] > 0) mn[k] = 0;
    live[k] = !(mx[k] == mn[k]);           // a constant sub-block: codes 0, scale 0
    range[k] = live[k] ? mx[k] - mn[k] : 1.0f;  // keeps the dead lane's arithmetic tame
    iscale[k] = static_cast<float>(kMax) / range[k];
    scale[k] = 1 / iscale[k];
    best[k] = 0;
  }
  for (int i = 0; i < kN; ++i) {
    for (int k = 0; k < K; ++k) {
      const int idx = i * K + k;
      xm[idx] = xt[idx] - mn[k];
      lbest[idx] = static_cast<float>(code(iscale[k] * xm[idx]));
      float diff = scale[k] * lbest[idx] + mn[k] - xt[idx];
      diff = diff * diff;
      best[k] += wt[idx] * diff;
    }
  }
  std::fill(lprev, lprev + kN * K, -1.0f);  // no code is -1: every lane counts as changed at is = 0
  for (int is = 0; is <= kSteps; ++is) {
    const float num = candidate_numerator(is);
    for (int k = 0; k < K; ++k) iscale[k] = num / range[k];
    for (int i = 0; i < kN; ++i) {
      for (int k = 0; k < K; ++k) lf[i * K + k] = static_cast<float>(code(iscale[k] * xm[i * K + k]));
    }
    int changed[K] = {};
    for (int i = 0; i < kN; ++i) {
      for (int k = 0; k < K; ++k) changed[k] |= lf[i * K + k] != lprev[i * K + k];
    }
    std::memcpy(lprev, lf, sizeof lf);
    bool any = false;
    for (int k = 0; k < K; ++k) any = any || (changed[k] && live[k]);
    if (!any) continue;
    float sl[K] = {}, sl2[K] = {}, sxl[K] = {};
    for (int i = 0; i < kN; ++i) {
      for (int k = 0; k < K; ++k) {
        const int idx = i * K + k;
        const float wl = wt[idx] * lf[idx];
        sl[k] += wl;
        sl2[k] += wl * lf[idx];
        sxl[k] += wl * xt[idx];
      }
    }
    float this_scale[K], this_min[K];
    bool candidate[K];
    any = false;
    for (int k = 0; k < K; ++k) {
      const float D = sum_w[k] * sl2[k] - sl[k] * sl[k];
      candidate[k] = changed[k] && live[k] && D > 0;
      any = any || candidate[k];
      // Computed in every lane (garbage where D <= 0, unused there); no trap in the default FP env.
      this_scale[k] = (sum_w[k] * sxl[k] - sum_x[k] * sl[k]) / D;
      this_min[k] = (sl2[k] * sum_x[k] - sl[k] * sxl[k]) / D;
      if (this_min[k] > 0) {
        this_min[k] = 0;
        this_scale[k] = sxl[k] / sl2[k];
      }
    }
    if (!any) continue;
    float cur[K] = {};
    for (int i = 0; i < kN; ++i) {
      for (int k = 0; k < K; ++k) {
        const int idx = i * K + k;
        float diff = this_scale[k] * lf[idx] + this_min[k] - xt[idx];
        diff = diff * diff;
        cur[k] += wt[idx] * diff;
      }
    }
    for (int k = 0; k < K; ++k) {
      if (!(candidate[k] && cur[k] < best[k])) continue;
      best[k] = cur[k];
      scale[k] = this_scale[k];
      mn[k] = this_min[k];
      range[k] = mx[k] - mn[k];
      for (int i = 0; i < kN; ++i) {
        lbest[i * K + k] = lf[i * K + k];
        xm[i * K + k] = xt[i * K + k] - mn[k];
      }
    }
  }
  for (int k = 0; k < K; ++k) {
    scales[k] = live[k] ? scale[k] : 0.0f;
    neg_mins[k] = -mn[k];
    for (int i = 0; i < kN; ++i) L[k * kN + i] = live[k] ? static_cast<uint8_t>(lbest[i * K + k]) : 0;
  }
}

}  // namespace qp::ggml
