// Q4_K's sub-block fit, ggml's make_qkx2_quants(n = 32, nmax = 15, rmin = -1, rdelta = 0.1,
// nstep = 20, use_mad = false): a weighted least-squares fit x ~ scale * L + min (min <= 0) over
// 21 candidate scales. Tiers with bit-identical results (tests/cpp/test_ggml_quantize.cpp
// compares them on random blocks): a plain transcription, and one that fits the 8 sub-blocks of a
// super-block in lockstep. Internal to src/quant.
#pragma once
#include <cstdint>

namespace qp::ggml {

// One sub-block of 32: returns the scale, stores -min in *neg_min and the codes 0..15 in L.
float fit_scale_min_q4_ref(const float* x, const float* w, uint8_t* L, float* neg_min);

// The 8 sub-blocks of a super-block at once: x, w and L hold 256 values (sub-block j at 32 j);
// scales[j] and neg_mins[j] as the reference returns them.
void fit_scale_min_q4_x8(const float* x, const float* w, uint8_t* L, float* scales, float* neg_mins);

#if defined(__wasm_simd128__)
// The lockstep tier with the 8 lanes in two f32x4 registers (wasm SIMD builds): the same
// float operations per lane, so the same results as the two tiers above.
void fit_scale_min_q4_x8__wasmsimd(const float* x, const float* w, uint8_t* L, float* scales, float* neg_mins);
#endif

}  // namespace qp::ggml
