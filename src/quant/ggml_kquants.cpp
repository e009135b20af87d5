// ggml's K-quants: super-blocks of 256 weights with quantized sub-block scales.
// Q4_K and Q6_K quantize as ggml's quantize_row_q4_K_ref / quantize_row_q6_K_ref (src/ggml-quants.c)
// do, in the same float32 operations and order (no FMA: the build passes -ffp-contract=off), with
// ggml's nearest_int rounding; Q2_K..Q6_K dequantize as dequantize_row_<type>.
//
// The scale searches (Q4_K's make_qkx2_quants, Q6_K's make_qx_quants) live in ggml_q4k_fit.cpp
// and ggml_q6k_fit.cpp, each as a plain reference and a faster tier with the same results.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "quant/ggml_block_codecs.h"
#include "quant/ggml_q4k_fit.h"
#include "quant/ggml_q6k_fit.h"

namespace qp::ggml {

namespace {

constexpr int kSuper = 256;

// ---------------------------------------------------------------------------------------------
// Q4_K: 8 sub-blocks of 32, x = d*sc*q - dmin*m with 6-bit sc, m and 4-bit q.

constexpr int kQ4Sub = 32;
constexpr int kQ4Max = 15;

// The 12 scale bytes: sub-blocks 0-3 keep sc and m in the low 6 bits of bytes j and j + 4;
// sub-blocks 4-7 keep their low 4 bits in byte j + 4 (sc low, m high) and their top 2 bits in
// the top bits of bytes j - 4 (sc) and j (m). ggml's get_scale_min_k4 reads it back.
void pack_scales_q4(const uint8_t* ls, const uint8_t* lm, uint8_t* s) {
  for (int j = 0; j < 8; ++j) {
    if (j < 4) {
      s[j] = ls[j];
      s[j + 4] = lm[j];
    } else {
      s[j + 4] = static_cast<uint8_t>((ls[j] & 0xf) | ((lm[j] & 0xf) << 4));
      s[j - 4] |= static_cast<uint8_t>((ls[j] >> 4) << 6);
      s[j] |= static_cast<uint8_t>((lm[j] >> 4) << 6);
    }
  }
}

void scale_min_q4(int j, const uint8_t* s, uint8_t& sc, uint8_t& m) {
  if (j < 4) {
    sc = s[j] & 63;
    m = s[j + 4] & 63;
  } else {
    sc = static_cast<uint8_t>((s[j + 4] & 0xf) | ((s[j - 4] >> 6) << 4));
    m = static_cast<uint8_t>((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
  }
}

// ---------------------------------------------------------------------------------------------
// Q6_K: 16 sub-blocks of 16, x = d*sc*(q - 32) with int8 sc and 6-bit q.

constexpr int kQ6Sub = 16;
constexpr int kQ6Max = 32;  // codes l in [-32, 31], stored as l + 32

// Block = d16, dmin16, scales[12], qs[128]; qs byte 32*c + l holds element 64*c + l in its low
// nibble and 64*c + 32 + l in its high nibble. `reference` picks the plain scale search.
void quantize_block_q4_k_with(const float* x, uint8_t* b, bool reference) {
  uint8_t L[kSuper];
  float scales[8], mins[8], weights[kSuper];
  for (int j = 0; j < 8; ++j) {
    const float* xs = x + kQ4Sub * j;
    float sum_x2 = 0;
    for (int l = 0; l < kQ4Sub; ++l) sum_x2 += xs[l] * xs[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    for (int l = 0; l < kQ4Sub; ++l) weights[kQ4Sub * j + l] = av_x + std::fabs(xs[l]);
  }
  if (reference) {
    for (int j = 0; j < 8; ++j) {
      scales[j] = fit_scale_min_q4_ref(x + kQ4Sub * j, weights + kQ4Sub * j, L + kQ4Sub * j, &mins[j]);
    }
  } else {
#if defined(__wasm_simd128__)
    fit_scale_min_q4_x8__wasmsimd(x, weights, L, scales, mins);
#else
    fit_scale_min_q4_x8(x, weights, L, scales, mins);
#endif
  }
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < 8; ++j) {
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  uint8_t ls[8], lm[8];
  for (int j = 0; j < 8; ++j) {
    // ggml stores nearest_int's int in a uint8_t (modulo 256) before capping at 63.
    ls[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
    lm[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * mins[j])));
  }
  pack_scales_q4(ls, lm, b + 4);
  store_half(b, max_scale / 63.f);
  store_half(b + 2, max_min / 63.f);

  // Codes again against the stored (fp16, 6-bit) scales; a sub-block whose scale is 0 keeps the
  // codes of its search.
  const float d_all = load_half(b), dmin_all = load_half(b + 2);
  for (int j = 0; j < 8; ++j) {
    const float d = d_all * ls[j];
    if (d == 0) continue;
    const float dm = dmin_all * lm[j];
    int i = 0;
#if defined(__wasm_simd128__)
    if (!reference) {  // four lanes of the loop below: the same add, division and rounding
      for (; i < kQ4Sub; i += 4) {
        const v128_t v = wasm_f32x4_div(wasm_f32x4_add(wasm_v128_load(x + kQ4Sub * j + i), wasm_f32x4_splat(dm)),
                                        wasm_f32x4_splat(d));
        const v128_t q = wasm_i32x4_min(wasm_i32x4_max(nearest_int_x4(v), wasm_i32x4_splat(0)), wasm_i32x4_splat(kQ4Max));
        const v128_t h = wasm_i16x8_narrow_i32x4(q, q);
        wasm_v128_store32_lane(L + kQ4Sub * j + i, wasm_u8x16_narrow_i16x8(h, h), 0);
      }
    }
#endif
    for (; i < kQ4Sub; ++i) {
      L[kQ4Sub * j + i] = static_cast<uint8_t>(std::clamp(nearest_int((x[kQ4Sub * j + i] + dm) / d), 0, kQ4Max));
    }
  }
  uint8_t* q = b + 16;
  for (int j = 0; j < kSuper; j += 64, q += 32) {
    for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
  }
}

}  // namespace

void quantize_block_q4_k(const float* x, uint8_t* b) { quantize_block_q4_k_with(x, b, false); }
void quantize_block_q4_k_ref(const float* x, uint8_t* b) { quantize_block_q4_k_with(x, b, true); }

namespace {

// Block = ql[128], qh[64], int8 scales[16], d16. For each half c of 128 elements: ql byte
// 64c + l holds the low 4 bits of elements 128c + l (low nibble) and 128c + 64 + l (high), ql
// byte 64c + 32 + l those of 128c + 32 + l and 128c + 96 + l; qh byte 32c + l holds the top 2
// bits of 128c + l, +32, +64, +96 at bits 0, 2, 4, 6.
void quantize_block_q6_k_with(const float* x, uint8_t* b, bool reference) {
  uint8_t L[kSuper];
  float scales[kSuper / kQ6Sub];
  if (reference) {
    for (int ib = 0; ib < kSuper / kQ6Sub; ++ib) scales[ib] = fit_scale_q6_ref(x + kQ6Sub * ib, L + kQ6Sub * ib);
  } else {
#if defined(__wasm_simd128__)
    fit_scale_q6_x16__wasmsimd(x, L, scales);
#else
    fit_scale_q6_x16(x, L, scales);
#endif
  }
  float max_scale = 0, max_abs_scale = 0;
  for (int ib = 0; ib < kSuper / kQ6Sub; ++ib) {
    const float abs_scale = std::fabs(scales[ib]);
    if (abs_scale > max_abs_scale) {
      max_abs_scale = abs_scale;
      max_scale = scales[ib];
    }
  }
  std::memset(b, 0, 210);
  if (max_abs_scale < 1e-15f) return;  // all zero: d = 0 and every byte 0, as ggml writes it

  const float iscale = -128.f / max_scale;
  store_half(b + 208, 1 / iscale);
  int8_t* sc = reinterpret_cast<int8_t*>(b + 192);
  for (int ib = 0; ib < kSuper / kQ6Sub; ++ib) {
    sc[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
  }
  const float d_all = load_half(b + 208);
  for (int j = 0; j < kSuper / kQ6Sub; ++j) {
    const float d = d_all * sc[j];
    if (d == 0) continue;
    int i = 0;
#if defined(__wasm_simd128__)
    if (!reference) {  // four lanes of the loop below: the same division and rounding
      for (; i < kQ6Sub; i += 4) {
        const v128_t q = nearest_int_x4(wasm_f32x4_div(wasm_v128_load(x + kQ6Sub * j + i), wasm_f32x4_splat(d)));
        const v128_t l = wasm_i32x4_add(wasm_i32x4_min(wasm_i32x4_max(q, wasm_i32x4_splat(-kQ6Max)), wasm_i32x4_splat(kQ6Max - 1)),
                                        wasm_i32x4_splat(kQ6Max));
        const v128_t h = wasm_i16x8_narrow_i32x4(l, l);
        wasm_v128_store32_lane(L + kQ6Sub * j + i, wasm_u8x16_narrow_i16x8(h, h), 0);
      }
    }
#endif
    for (; i < kQ6Sub; ++i) {
      const int l = std::clamp(nearest_int(x[kQ6Sub * j + i] / d), -kQ6Max, kQ6Max - 1);
      L[kQ6Sub * j + i] = static_cast<uint8_t>(l + kQ6Max);
    }
  }
  uint8_t* ql = b;
  uint8_t* qh = b + 128;
  for (int j = 0; j < kSuper; j += 128, ql += 64, qh += 32) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t* Lj = L + j + l;
      ql[l] = static_cast<uint8_t>((Lj[0] & 0xf) | ((Lj[64] & 0xf) << 4));
      ql[l + 32] = static_cast<uint8_t>((Lj[32] & 0xf) | ((Lj[96] & 0xf) << 4));
      qh[l] = static_cast<uint8_t>((Lj[0] >> 4) | ((Lj[32] >> 4) << 2) | ((Lj[64] >> 4) << 4) | ((Lj[96] >> 4) << 6));
    }
  }
}

}  // namespace

void quantize_block_q6_k(const float* x, uint8_t* b) { quantize_block_q6_k_with(x, b, false); }
void quantize_block_q6_k_ref(const float* x, uint8_t* b) { quantize_block_q6_k_with(x, b, true); }

// Block = scales[16] (4-bit scale low, 4-bit min high), qs[64], d16, dmin16. Sub-blocks of 16;
// qs byte 32c + l holds elements 128c + l + 32k at bits 2k (k = 0..3), for l < 32.
void dequantize_block_q2_k(const uint8_t* b, float* y) {
  const uint8_t* scales = b;
  const uint8_t* q = b + 16;
  const float d = load_half(b + 80), min = load_half(b + 82);
  int is = 0;
  for (int n = 0; n < kSuper; n += 128, q += 32) {
    for (int shift = 0; shift < 8; shift += 2) {
      for (int half = 0; half < 2; ++half) {
        const uint8_t sc = scales[is++];
        const float dl = d * (sc & 0xf), ml = min * (sc >> 4);
        for (int l = 0; l < 16; ++l) *y++ = dl * static_cast<float>((q[l + 16 * half] >> shift) & 3) - ml;
      }
    }
  }
}

// Block = hmask[32], qs[64], scales[12] (16 six-bit scales offset by 32), d16. The 2 low bits as
// in Q2_K; the third bit of element 32k + l is bit k of hmask[l], and a clear bit subtracts 4.
void dequantize_block_q3_k(const uint8_t* b, float* y) {
  const uint8_t* hm = b;
  const uint8_t* q = b + 32;
  const float d_all = load_half(b + 108);
  // ggml's unpacking of the 12 scale bytes into 16 (as four little-endian uint32 words).
  uint32_t aux[4];
  std::memcpy(aux, b + 96, 12);  // the targets are little endian, like the file
  const uint32_t kmask1 = 0x03030303, kmask2 = 0x0f0f0f0f, tmp = aux[2];
  aux[2] = ((aux[0] >> 4) & kmask2) | (((tmp >> 4) & kmask1) << 4);
  aux[3] = ((aux[1] >> 4) & kmask2) | (((tmp >> 6) & kmask1) << 4);
  aux[0] = (aux[0] & kmask2) | (((tmp >> 0) & kmask1) << 4);
  aux[1] = (aux[1] & kmask2) | (((tmp >> 2) & kmask1) << 4);
  int8_t scales[16];
  std::memcpy(scales, aux, 16);
  int is = 0;
  uint8_t m = 1;
  for (int n = 0; n < kSuper; n += 128, q += 32) {
    for (int shift = 0; shift < 8; shift += 2, m = static_cast<uint8_t>(m << 1)) {
      for (int half = 0; half < 2; ++half) {
        const float dl = d_all * static_cast<float>(scales[is++] - 32);
        for (int l = 0; l < 16; ++l) {
          const int lo = (q[l + 16 * half] >> shift) & 3;
          *y++ = dl * static_cast<float>(lo - ((hm[l + 16 * half] & m) ? 0 : 4));
        }
      }
    }
  }
}

void dequantize_block_q4_k(const uint8_t* b, float* y) {
  const float d = load_half(b), min = load_half(b + 2);
  const uint8_t* s = b + 4;
  const uint8_t* q = b + 16;
  for (int is = 0; is < 8; is += 2, q += 32) {
    uint8_t sc, m;
    scale_min_q4(is, s, sc, m);
    const float d1 = d * sc, m1 = min * m;
    scale_min_q4(is + 1, s, sc, m);
    const float d2 = d * sc, m2 = min * m;
    for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>(q[l] & 0xf) - m1;
    for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>(q[l] >> 4) - m2;
  }
}

// Block = d16, dmin16, scales[12] (as Q4_K), qh[32], qs[128]: Q4_K's layout plus a fifth bit,
// bit 2c (low nibbles) or 2c + 1 (high nibbles) of qh[l] for the 64-element chunk c.
void dequantize_block_q5_k(const uint8_t* b, float* y) {
  const float d = load_half(b), min = load_half(b + 2);
  const uint8_t* s = b + 4;
  const uint8_t* qh = b + 16;
  const uint8_t* ql = b + 48;
  uint8_t u1 = 1, u2 = 2;
  for (int is = 0; is < 8; is += 2, ql += 32) {
    uint8_t sc, m;
    scale_min_q4(is, s, sc, m);
    const float d1 = d * sc, m1 = min * m;
    scale_min_q4(is + 1, s, sc, m);
    const float d2 = d * sc, m2 = min * m;
    for (int l = 0; l < 32; ++l) *y++ = d1 * static_cast<float>((ql[l] & 0xf) + (qh[l] & u1 ? 16 : 0)) - m1;
    for (int l = 0; l < 32; ++l) *y++ = d2 * static_cast<float>((ql[l] >> 4) + (qh[l] & u2 ? 16 : 0)) - m2;
    u1 = static_cast<uint8_t>(u1 << 2);
    u2 = static_cast<uint8_t>(u2 << 2);
  }
}

void dequantize_block_q6_k(const uint8_t* b, float* y) {
  const float d = load_half(b + 208);
  const uint8_t* ql = b;
  const uint8_t* qh = b + 128;
  const int8_t* sc = reinterpret_cast<const int8_t*>(b + 192);
  for (int n = 0; n < kSuper; n += 128, y += 128, ql += 64, qh += 32, sc += 8) {
    for (int l = 0; l < 32; ++l) {
      const int is = l / 16;
      const int q1 = ((ql[l] & 0xf) | (((qh[l] >> 0) & 3) << 4)) - 32;
      const int q2 = ((ql[l + 32] & 0xf) | (((qh[l] >> 2) & 3) << 4)) - 32;
      const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
      const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
      y[l] = d * sc[is] * static_cast<float>(q1);
      y[l + 32] = d * sc[is + 2] * static_cast<float>(q2);
      y[l + 64] = d * sc[is + 4] * static_cast<float>(q3);
      y[l + 96] = d * sc[is + 6] * static_cast<float>(q4);
    }
  }
}

}  // namespace qp::ggml
