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

#if defined(__wasm_simd128__)

// The lockstep tier above with lanes 0-3 and 4-7 in two f32x4 registers. Per lane it performs the
// same float32 operations in the same order (wasm SIMD has no fused multiply-add):
//  * nearest_int's bias trick is an f32x4 add, a bitwise and and an i32x4 subtract; the clamp to
//    [0, 15] is i32x4 min / max; the code as float is an exact i32x4 -> f32x4 conversion;
//  * `v < a ? v : a` is f32x4.pmin(a, v) and `v > a ? v : a` is f32x4.pmax(a, v);
//  * every `if` of the scalar lanes becomes a bit select on the same condition; values computed
//    in lanes whose condition is false (e.g. a division by D <= 0) are discarded, as there.
// A candidate is skipped only when no live lane changed its codes (the scalar tier's per-lane
// skip, taken when it applies to all lanes at once; a lane that did not change cannot win).
namespace {

struct Lanes {  // 8 floats: lanes 0-3 and 4-7
  v128_t v[2];
};

inline v128_t q4_code(v128_t scaled) {
  const v128_t c = wasm_i32x4_min(wasm_i32x4_max(nearest_int_x4(scaled), wasm_i32x4_splat(0)), wasm_i32x4_splat(kMax));
  return wasm_f32x4_convert_i32x4(c);
}

inline v128_t select(v128_t mask, v128_t if_true, v128_t if_false) {
  return wasm_v128_bitselect(if_true, if_false, mask);
}

}  // namespace

void fit_scale_min_q4_x8__wasmsimd(const float* x, const float* w, uint8_t* L, float* scales, float* neg_mins) {
  constexpr int K = 8;
  alignas(16) float xt[kN * K], wt[kN * K];
  for (int k = 0; k < K; ++k) {
    for (int i = 0; i < kN; ++i) {
      xt[i * K + k] = x[k * kN + i];
      wt[i * K + k] = w[k * kN + i];
    }
  }
  v128_t xm[kN][2], lf[kN][2], lbest[kN][2];
  v128_t mn[2], mx[2], sum_w[2], sum_x[2], range[2], scale[2], best[2], live[2];
  const v128_t zero = wasm_f32x4_splat(0.0f);
  for (int h = 0; h < 2; ++h) {
    mn[h] = mx[h] = wasm_v128_load(xt + 4 * h);
    sum_w[h] = wasm_v128_load(wt + 4 * h);
    sum_x[h] = wasm_f32x4_mul(sum_w[h], mn[h]);
  }
  for (int i = 1; i < kN; ++i) {
    for (int h = 0; h < 2; ++h) {
      const v128_t v = wasm_v128_load(xt + i * K + 4 * h), wv = wasm_v128_load(wt + i * K + 4 * h);
      mn[h] = wasm_f32x4_pmin(mn[h], v);
      mx[h] = wasm_f32x4_pmax(mx[h], v);
      sum_w[h] = wasm_f32x4_add(sum_w[h], wv);
      sum_x[h] = wasm_f32x4_add(sum_x[h], wasm_f32x4_mul(wv, v));
    }
  }
  for (int h = 0; h < 2; ++h) {
    mn[h] = select(wasm_f32x4_gt(mn[h], zero), zero, mn[h]);
    live[h] = wasm_v128_not(wasm_f32x4_eq(mx[h], mn[h]));
    range[h] = select(live[h], wasm_f32x4_sub(mx[h], mn[h]), wasm_f32x4_splat(1.0f));
    const v128_t iscale = wasm_f32x4_div(wasm_f32x4_splat(static_cast<float>(kMax)), range[h]);
    scale[h] = wasm_f32x4_div(wasm_f32x4_splat(1.0f), iscale);
    best[h] = zero;
    for (int i = 0; i < kN; ++i) {
      const v128_t xv = wasm_v128_load(xt + i * K + 4 * h), wv = wasm_v128_load(wt + i * K + 4 * h);
      xm[i][h] = wasm_f32x4_sub(xv, mn[h]);
      lbest[i][h] = q4_code(wasm_f32x4_mul(iscale, xm[i][h]));
      v128_t diff = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(scale[h], lbest[i][h]), mn[h]), xv);
      diff = wasm_f32x4_mul(diff, diff);
      best[h] = wasm_f32x4_add(best[h], wasm_f32x4_mul(wv, diff));
      lf[i][h] = wasm_f32x4_splat(-1.0f);  // no code is -1: every lane counts as changed at is = 0
    }
  }
  for (int is = 0; is <= kSteps; ++is) {
    const v128_t num = wasm_f32x4_splat(candidate_numerator(is));
    // Codes and their sums in one pass (the sums are wasted when no lane changed, which is rare
    // with 8 lanes; a second pass over the codes would cost more).
    v128_t changed[2], sums[2][3];
    for (int h = 0; h < 2; ++h) {
      const v128_t iscale = wasm_f32x4_div(num, range[h]);
      v128_t ch = wasm_i32x4_splat(0), sl = zero, sl2 = zero, sxl = zero;
      for (int i = 0; i < kN; ++i) {
        const v128_t code = q4_code(wasm_f32x4_mul(iscale, xm[i][h]));
        ch = wasm_v128_or(ch, wasm_f32x4_ne(code, lf[i][h]));
        lf[i][h] = code;
        const v128_t wl = wasm_f32x4_mul(wasm_v128_load(wt + i * K + 4 * h), code);
        sl = wasm_f32x4_add(sl, wl);
        sl2 = wasm_f32x4_add(sl2, wasm_f32x4_mul(wl, code));
        sxl = wasm_f32x4_add(sxl, wasm_f32x4_mul(wl, wasm_v128_load(xt + i * K + 4 * h)));
      }
      changed[h] = wasm_v128_and(ch, live[h]);
      sums[h][0] = sl, sums[h][1] = sl2, sums[h][2] = sxl;
    }
    if (!wasm_v128_any_true(wasm_v128_or(changed[0], changed[1]))) continue;
    v128_t this_scale[2], this_min[2], candidate[2];
    for (int h = 0; h < 2; ++h) {
      const v128_t sl = sums[h][0], sl2 = sums[h][1], sxl = sums[h][2];
      const v128_t D = wasm_f32x4_sub(wasm_f32x4_mul(sum_w[h], sl2), wasm_f32x4_mul(sl, sl));
      candidate[h] = wasm_v128_and(changed[h], wasm_f32x4_gt(D, zero));
      const v128_t s = wasm_f32x4_div(wasm_f32x4_sub(wasm_f32x4_mul(sum_w[h], sxl), wasm_f32x4_mul(sum_x[h], sl)), D);
      const v128_t m = wasm_f32x4_div(wasm_f32x4_sub(wasm_f32x4_mul(sl2, sum_x[h]), wasm_f32x4_mul(sl, sxl)), D);
      const v128_t positive = wasm_f32x4_gt(m, zero);  // ggml: min > 0 -> min = 0, scale = sum_xl / sum_l2
      this_min[h] = select(positive, zero, m);
      this_scale[h] = select(positive, wasm_f32x4_div(sxl, sl2), s);
    }
    if (!wasm_v128_any_true(wasm_v128_or(candidate[0], candidate[1]))) continue;
    for (int h = 0; h < 2; ++h) {
      v128_t cur = zero;
      for (int i = 0; i < kN; ++i) {
        const v128_t xv = wasm_v128_load(xt + i * K + 4 * h);
        v128_t diff = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(this_scale[h], lf[i][h]), this_min[h]), xv);
        diff = wasm_f32x4_mul(diff, diff);
        cur = wasm_f32x4_add(cur, wasm_f32x4_mul(wasm_v128_load(wt + i * K + 4 * h), diff));
      }
      const v128_t accept = wasm_v128_and(candidate[h], wasm_f32x4_lt(cur, best[h]));
      if (!wasm_v128_any_true(accept)) continue;
      best[h] = select(accept, cur, best[h]);
      scale[h] = select(accept, this_scale[h], scale[h]);
      mn[h] = select(accept, this_min[h], mn[h]);
      range[h] = select(accept, wasm_f32x4_sub(mx[h], mn[h]), range[h]);
      for (int i = 0; i < kN; ++i) {
        lbest[i][h] = select(accept, lf[i][h], lbest[i][h]);
        xm[i][h] = select(accept, wasm_f32x4_sub(wasm_v128_load(xt + i * K + 4 * h), mn[h]), xm[i][h]);
      }
    }
  }
  alignas(16) float out_scale[K], out_neg_min[K], codes[kN * K];
  for (int h = 0; h < 2; ++h) {
    wasm_v128_store(out_scale + 4 * h, select(live[h], scale[h], zero));
    wasm_v128_store(out_neg_min + 4 * h, wasm_f32x4_neg(mn[h]));
    for (int i = 0; i < kN; ++i) wasm_v128_store(codes + i * K + 4 * h, select(live[h], lbest[i][h], zero));
  }
  for (int k = 0; k < K; ++k) {
    scales[k] = out_scale[k];
    neg_mins[k] = out_neg_min[k];
    for (int i = 0; i < kN; ++i) L[k * kN + i] = static_cast<uint8_t>(codes[i * K + k]);
  }
}

#endif  // __wasm_simd128__

}  // namespace qp::ggml
