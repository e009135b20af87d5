// Q6_K's sub-block fit, ggml's make_qx_quants(n = 16, nmax = 32, rmse_type = 1, no weights):
// a symmetric fit x ~ scale * l, l in [-32, 31], with weights x^2 over 19 candidate scales. Tiers
// with bit-identical results (tests/cpp/test_ggml_quantize.cpp compares them): a plain
// transcription, and one that fits the 16 sub-blocks of a super-block in lockstep. Internal.
#pragma once
#include <cstdint>

namespace qp::ggml {

// One sub-block of 16: returns the scale and stores l + 32 in L (all 0 for an all-zero group).
float fit_scale_q6_ref(const float* x, uint8_t* L);

// The 16 sub-blocks of a super-block at once: x and L hold 256 values (sub-block j at 16 j).
void fit_scale_q6_x16(const float* x, uint8_t* L, float* scales);

#if defined(__wasm_simd128__)
// The lockstep tier with its 16 lanes in four f32x4 registers: the same float operations per lane.
void fit_scale_q6_x16__wasmsimd(const float* x, uint8_t* L, float* scales);
#endif

}  // namespace qp::ggml
