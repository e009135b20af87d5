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

}  // namespace qp::ggml
