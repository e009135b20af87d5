// Q6_K's sub-block fit (ggml_q6k_fit.h), in ggml's float32 operations and order (no FMA: the
// build passes -ffp-contract=off) with ggml's nearest_int. Candidates: iscale = -32/max, then
// -(32 + 0.1 is)/max for is = -9..9 (not 0), where max is the signed value of largest |x|.
//
// The lockstep tier keeps the 16 sub-blocks side by side ("lanes", arrays indexed [i * 16 + lane]):
// each lane's sums are still added in ggml's order, but the 16 chains are independent, so the CPU
// overlaps them and the compiler can put lanes in SIMD registers.
#include "quant/ggml_q6k_fit.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/ggml_block_codecs.h"


namespace qp::ggml {

namespace {

constexpr int kQ6Sub = 16;
constexpr int kQ6Max = 32;  // codes l in [-32, 31], stored as l + 32

float candidate_iscale(int is, float max) {
  return -(static_cast<float>(kQ6Max) + 0.1f * static_cast<float>(is)) / max;
}

}  // namespace

float fit_scale_q6_ref(const float* x, uint8_t* L) {
  float max = 0, amax = 0;
  for (int i = 0; i < kQ6Sub; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < 1e-15f) {  // ggml's GROUP_MAX_EPS: an all-zero group
    std::memset(L, 0, kQ6Sub);
    return 0.0f;
  }
  float w[kQ6Sub];
  for (int i = 0; i < kQ6Sub; ++i) w[i] = x[i] * x[i];
  // Codes and weighted sums for one candidate iscale.
  int l[kQ6Sub];
  auto evaluate = [&](float iscale, float& sumlx, float& suml2) {
    sumlx = 0;
    suml2 = 0;
    for (int i = 0; i < kQ6Sub; ++i) {
      l[i] = std::clamp(nearest_int(iscale * x[i]), -kQ6Max, kQ6Max - 1);
      const float lf = static_cast<float>(l[i]);
      sumlx += w[i] * x[i] * lf;
      suml2 += w[i] * lf * lf;
    }
  };
  float sumlx, suml2;
  evaluate(static_cast<float>(-kQ6Max) / max, sumlx, suml2);
  for (int i = 0; i < kQ6Sub; ++i) L[i] = static_cast<uint8_t>(l[i] + kQ6Max);
  float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    const float iscale = candidate_iscale(is, max);
    evaluate(iscale, sumlx, suml2);
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      for (int i = 0; i < kQ6Sub; ++i) L[i] = static_cast<uint8_t>(l[i] + kQ6Max);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

void fit_scale_q6_x16(const float* x, uint8_t* L, float* scales) {
  constexpr int K = 16, N = kQ6Sub;
  float xt[N * K], wt[N * K], wxt[N * K], lf[N * K], lbest[N * K];
  for (int k = 0; k < K; ++k) {
    for (int i = 0; i < N; ++i) xt[i * K + k] = x[k * N + i];
  }
  for (int idx = 0; idx < N * K; ++idx) {
    wt[idx] = xt[idx] * xt[idx];
    wxt[idx] = wt[idx] * xt[idx];  // ggml's w*x[i]*l is (w*x)*l
  }
  float max[K] = {}, amax[K] = {};
  for (int i = 0; i < N; ++i) {
    for (int k = 0; k < K; ++k) {
      const float ax = std::fabs(xt[i * K + k]);
      if (ax > amax[k]) {
        amax[k] = ax;
        max[k] = xt[i * K + k];
      }
    }
  }
  bool live[K];
  for (int k = 0; k < K; ++k) {
    live[k] = !(amax[k] < 1e-15f);   // ggml's GROUP_MAX_EPS: an all-zero group
    if (!live[k]) max[k] = 1.0f;     // keeps the dead lane's arithmetic tame
  }
  float sumlx[K], suml2[K];
  auto evaluate = [&](const float* iscale) {
    for (int k = 0; k < K; ++k) sumlx[k] = suml2[k] = 0;
    for (int i = 0; i < N; ++i) {
      for (int k = 0; k < K; ++k) {
        const int idx = i * K + k;
        lf[idx] = static_cast<float>(std::clamp(nearest_int(iscale[k] * xt[idx]), -kQ6Max, kQ6Max - 1));
        sumlx[k] += wxt[idx] * lf[idx];
        suml2[k] += wt[idx] * lf[idx] * lf[idx];
      }
    }
  };
  float iscale[K], scale[K], best[K];
  for (int k = 0; k < K; ++k) iscale[k] = static_cast<float>(-kQ6Max) / max[k];
  evaluate(iscale);
  std::memcpy(lbest, lf, sizeof lf);
  for (int k = 0; k < K; ++k) {
    scale[k] = suml2[k] != 0 ? sumlx[k] / suml2[k] : 0.0f;
    best[k] = scale[k] * sumlx[k];
  }
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    for (int k = 0; k < K; ++k) iscale[k] = candidate_iscale(is, max[k]);
    evaluate(iscale);
    for (int k = 0; k < K; ++k) {
      if (!(suml2[k] > 0 && sumlx[k] * sumlx[k] > best[k] * suml2[k])) continue;
      for (int i = 0; i < N; ++i) lbest[i * K + k] = lf[i * K + k];
      scale[k] = sumlx[k] / suml2[k];
      best[k] = scale[k] * sumlx[k];
    }
  }
  for (int k = 0; k < K; ++k) {
    scales[k] = live[k] ? scale[k] : 0.0f;
    for (int i = 0; i < N; ++i) {
      L[k * N + i] = live[k] ? static_cast<uint8_t>(static_cast<int>(lbest[i * K + k]) + kQ6Max) : 0;
    }
  }
}

#if defined(__wasm_simd128__)

// The lockstep tier above with lanes 4h..4h+3 in register h. Per lane the same float32 operations
// in the same order: nearest_int's bias trick in f32x4 / i32x4, the clamp to [-32, 31] as i32x4
// min / max, the code as float by an exact conversion, and each `if` as a bit select on the same
// condition (values computed where it is false are discarded).
void fit_scale_q6_x16__wasmsimd(const float* x, uint8_t* L, float* scales) {
  constexpr int K = 16, N = kQ6Sub, H = K / 4;
  alignas(16) float xt[N * K];
  for (int k = 0; k < K; ++k) {
    for (int i = 0; i < N; ++i) xt[i * K + k] = x[k * N + i];
  }
  v128_t xv[N][H], wv[N][H], wxv[N][H], lf[N][H], lbest[N][H];
  const v128_t zero = wasm_f32x4_splat(0.0f);
  v128_t max[H], amax[H], live[H];
  for (int h = 0; h < H; ++h) max[h] = amax[h] = zero;
  for (int i = 0; i < N; ++i) {
    for (int h = 0; h < H; ++h) {
      xv[i][h] = wasm_v128_load(xt + i * K + 4 * h);
      wv[i][h] = wasm_f32x4_mul(xv[i][h], xv[i][h]);
      wxv[i][h] = wasm_f32x4_mul(wv[i][h], xv[i][h]);  // ggml's w*x[i]*l is (w*x)*l
      const v128_t ax = wasm_f32x4_abs(xv[i][h]);
      const v128_t larger = wasm_f32x4_gt(ax, amax[h]);
      amax[h] = wasm_v128_bitselect(ax, amax[h], larger);
      max[h] = wasm_v128_bitselect(xv[i][h], max[h], larger);
    }
  }
  for (int h = 0; h < H; ++h) {
    live[h] = wasm_v128_not(wasm_f32x4_lt(amax[h], wasm_f32x4_splat(1e-15f)));  // GROUP_MAX_EPS
    max[h] = wasm_v128_bitselect(max[h], wasm_f32x4_splat(1.0f), live[h]);
  }
  const v128_t lo = wasm_i32x4_splat(-kQ6Max), hi = wasm_i32x4_splat(kQ6Max - 1);
  v128_t sumlx[H], suml2[H];
  // The sums in locals (registers), written back once: accumulating in the arrays would make every
  // add wait for a store and reload, since the compiler cannot tell them apart from lf.
  auto evaluate = [&](const v128_t* iscale) {
    for (int h = 0; h < H; ++h) {
      const v128_t is = iscale[h];
      v128_t lx = zero, l2 = zero;
      for (int i = 0; i < N; ++i) {
        const v128_t q = nearest_int_x4(wasm_f32x4_mul(is, xv[i][h]));
        const v128_t l = wasm_f32x4_convert_i32x4(wasm_i32x4_min(wasm_i32x4_max(q, lo), hi));
        lf[i][h] = l;
        lx = wasm_f32x4_add(lx, wasm_f32x4_mul(wxv[i][h], l));
        l2 = wasm_f32x4_add(l2, wasm_f32x4_mul(wasm_f32x4_mul(wv[i][h], l), l));
      }
      sumlx[h] = lx;
      suml2[h] = l2;
    }
  };
  v128_t iscale[H], scale[H], best[H];
  for (int h = 0; h < H; ++h) iscale[h] = wasm_f32x4_div(wasm_f32x4_splat(static_cast<float>(-kQ6Max)), max[h]);
  evaluate(iscale);
  for (int h = 0; h < H; ++h) {
    for (int i = 0; i < N; ++i) lbest[i][h] = lf[i][h];
    const v128_t nonzero = wasm_f32x4_ne(suml2[h], zero);
    scale[h] = wasm_v128_bitselect(wasm_f32x4_div(sumlx[h], suml2[h]), zero, nonzero);
    best[h] = wasm_f32x4_mul(scale[h], sumlx[h]);
  }
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    // candidate_iscale: the negated numerator in float, then the division per lane.
    const v128_t num = wasm_f32x4_splat(-(static_cast<float>(kQ6Max) + 0.1f * static_cast<float>(is)));
    for (int h = 0; h < H; ++h) iscale[h] = wasm_f32x4_div(num, max[h]);
    evaluate(iscale);
    for (int h = 0; h < H; ++h) {
      const v128_t better = wasm_v128_and(wasm_f32x4_gt(suml2[h], zero),
                                          wasm_f32x4_gt(wasm_f32x4_mul(sumlx[h], sumlx[h]), wasm_f32x4_mul(best[h], suml2[h])));
      if (!wasm_v128_any_true(better)) continue;
      for (int i = 0; i < N; ++i) lbest[i][h] = wasm_v128_bitselect(lf[i][h], lbest[i][h], better);
      const v128_t s = wasm_f32x4_div(sumlx[h], suml2[h]);
      scale[h] = wasm_v128_bitselect(s, scale[h], better);
      best[h] = wasm_v128_bitselect(wasm_f32x4_mul(s, sumlx[h]), best[h], better);
    }
  }
  alignas(16) float out_scale[K];
  alignas(16) int32_t codes[N * K];
  for (int h = 0; h < H; ++h) {
    wasm_v128_store(out_scale + 4 * h, wasm_v128_and(scale[h], live[h]));  // dead lanes: +0
    for (int i = 0; i < N; ++i) {
      const v128_t l = wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(lbest[i][h]), wasm_i32x4_splat(kQ6Max));
      wasm_v128_store(codes + i * K + 4 * h, wasm_v128_and(l, live[h]));
    }
  }
  for (int k = 0; k < K; ++k) {
    scales[k] = out_scale[k];
    for (int i = 0; i < N; ++i) L[k * N + i] = static_cast<uint8_t>(codes[i * K + k]);
  }
}

#endif  // __wasm_simd128__

}  // namespace qp::ggml
