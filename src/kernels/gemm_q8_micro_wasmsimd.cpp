// WebAssembly SIMD128 micro-kernels of gemm_q8.h, "c8" layout: the dot runs along K.
// 4x8: for each column pair, 8 accumulators (4 rows × 2 columns) walk K in blocks of 8: per block
// 4 row loads + 2 column loads, 8 i32x4.dot_i16x8_s + 8 i32x4.add (V8: vpmaddwd, vpaddd). No
// broadcast or shuffle in the loop, so the vector ALUs do only what the register-only peak loop
// does. 8 accumulators + 4 rows + 1 column = 13 live vectors: no spills on x86-64's 16 registers.
// The 4 lanes of each accumulator are summed once per column pair (lane_sums).
// Bit-exact with the generic tier: integer sums in any order are identical (mod 2^32).
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>

#include "kernels/gemm_q8.h"

namespace qp::kernels {

namespace {

// Lane sums of four accumulators: [Σa, Σb, Σc, Σd].
inline v128_t lane_sums(v128_t a, v128_t b, v128_t c, v128_t d) {
  const v128_t ab = wasm_i32x4_add(wasm_i32x4_shuffle(a, b, 0, 4, 1, 5), wasm_i32x4_shuffle(a, b, 2, 6, 3, 7));
  const v128_t cd = wasm_i32x4_add(wasm_i32x4_shuffle(c, d, 0, 4, 1, 5), wasm_i32x4_shuffle(c, d, 2, 6, 3, 7));
  return wasm_i32x4_add(wasm_i32x4_shuffle(ab, cd, 0, 1, 4, 5), wasm_i32x4_shuffle(ab, cd, 2, 3, 6, 7));
}

inline void store_pair(int32_t* out, v128_t sums01) {  // lanes 0,1 -> out[0], out[1]
  wasm_v128_store64_lane(out, sums01, 0);
}

}  // namespace

void gemm_q8_micro_4x8__wasmsimd(size_t k_padded, const int16_t* a_group, const int16_t* panel, int32_t* out) {
  const size_t blocks = k_padded / kDepthBlock;
  for (size_t pair = 0; pair < kPanelCols / 2; ++pair) {
    const int16_t* b = panel + pair * k_padded * 2;
    const int16_t* a = a_group;
    v128_t c00 = wasm_i32x4_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    for (size_t kb = 0; kb < blocks; ++kb, a += kMicroRows * kDepthBlock, b += 2 * kDepthBlock) {
      const v128_t a0 = wasm_v128_load(a), a1 = wasm_v128_load(a + 8);
      const v128_t a2 = wasm_v128_load(a + 16), a3 = wasm_v128_load(a + 24);
      const v128_t b0 = wasm_v128_load(b);
      c00 = wasm_i32x4_add(c00, wasm_i32x4_dot_i16x8(a0, b0));
      c10 = wasm_i32x4_add(c10, wasm_i32x4_dot_i16x8(a1, b0));
      c20 = wasm_i32x4_add(c20, wasm_i32x4_dot_i16x8(a2, b0));
      c30 = wasm_i32x4_add(c30, wasm_i32x4_dot_i16x8(a3, b0));
      // Compiler barrier: clang would hoist this load above the first four dots, and the extra
      // live vector makes V8 spill an accumulator to the stack on every iteration.
      __asm__ volatile("" ::: "memory");
      const v128_t b1 = wasm_v128_load(b + 8);
      c01 = wasm_i32x4_add(c01, wasm_i32x4_dot_i16x8(a0, b1));
      c11 = wasm_i32x4_add(c11, wasm_i32x4_dot_i16x8(a1, b1));
      c21 = wasm_i32x4_add(c21, wasm_i32x4_dot_i16x8(a2, b1));
      c31 = wasm_i32x4_add(c31, wasm_i32x4_dot_i16x8(a3, b1));
    }
    const v128_t rows01 = lane_sums(c00, c01, c10, c11);  // [r0j0, r0j1, r1j0, r1j1]
    const v128_t rows23 = lane_sums(c20, c21, c30, c31);
    int32_t* o = out + 2 * pair;
    store_pair(o, rows01);
    store_pair(o + kPanelCols, wasm_i32x4_shuffle(rows01, rows01, 2, 3, 2, 3));
    store_pair(o + 2 * kPanelCols, rows23);
    store_pair(o + 3 * kPanelCols, wasm_i32x4_shuffle(rows23, rows23, 2, 3, 2, 3));
  }
}

void gemm_q8_micro_1x8__wasmsimd(size_t k_padded, const int16_t* a, const int16_t* panel, int32_t* out) {
  // One row against all 8 columns at once: per block of 8 k, 1 row load, 8 column loads (each
  // pair's stream is contiguous: pair p's block kb at panel + p*2*k_padded + kb*16).
  v128_t c[8];
  for (auto& v : c) v = wasm_i32x4_splat(0);
  const size_t pair_stride = 2 * k_padded;
  for (size_t p = 0; p < k_padded; p += kDepthBlock) {
    const v128_t av = wasm_v128_load(a + p);
    const int16_t* b = panel + 2 * p;
    c[0] = wasm_i32x4_add(c[0], wasm_i32x4_dot_i16x8(av, wasm_v128_load(b)));
    c[1] = wasm_i32x4_add(c[1], wasm_i32x4_dot_i16x8(av, wasm_v128_load(b + 8)));
    c[2] = wasm_i32x4_add(c[2], wasm_i32x4_dot_i16x8(av, wasm_v128_load(b + pair_stride)));
    c[3] = wasm_i32x4_add(c[3], wasm_i32x4_dot_i16x8(av, wasm_v128_load(b + pair_stride + 8)));
    c[4] = wasm_i32x4_add(c[4], wasm_i32x4_dot_i16x8(av, wasm_v128_load(b + 2 * pair_stride)));
    c[5] = wasm_i32x4_add(c[5], wasm_i32x4_dot_i16x8(av, wasm_v128_load(b + 2 * pair_stride + 8)));
    c[6] = wasm_i32x4_add(c[6], wasm_i32x4_dot_i16x8(av, wasm_v128_load(b + 3 * pair_stride)));
    c[7] = wasm_i32x4_add(c[7], wasm_i32x4_dot_i16x8(av, wasm_v128_load(b + 3 * pair_stride + 8)));
  }
  wasm_v128_store(out, lane_sums(c[0], c[1], c[2], c[3]));
  wasm_v128_store(out + 4, lane_sums(c[4], c[5], c[6], c[7]));
}

}  // namespace qp::kernels
#endif
