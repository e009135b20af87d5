// WebAssembly SIMD128 micro-kernels of gemm_q8.h, "c8" layout: the dot runs along K.
// 3x8: for each column pair, 6 accumulators (3 rows × 2 columns) walk K in blocks of 8: per block
// 3 row loads + 2 column loads, 6 i32x4.dot_i16x8_s + 6 i32x4.add (V8: vpmaddwd, vpaddd). No
// broadcast or shuffle in the loop, so the vector ALUs do only what the register-only peak loop
// does. Why 3 rows and not 4: V8 issues all of an iteration's loads first, so 4 rows × 2 columns
// keeps 8 accumulators + 6 loaded vectors + products live, one more than x86-64's 15 allocatable
// vector registers, and V8 spills an accumulator on every iteration (measured: ~50% of the peak
// loop, against ~90% for 3 rows, in the same run).
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

void gemm_q8_micro_3x8__wasmsimd(size_t k_padded, const int16_t* a_group, const int16_t* panel, int32_t* out) {
  static_assert(kMicroRows == 3, "the kernel below is written for 3 rows");
  const size_t blocks = k_padded / kDepthBlock;
  const v128_t zero = wasm_i32x4_splat(0);
  for (size_t pair = 0; pair < kPanelCols / 2; ++pair) {
    const int16_t* b = panel + pair * k_padded * 2;
    const int16_t* const b_end = b + blocks * 2 * kDepthBlock;
    const int16_t* a = a_group;
    v128_t c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero;
    // The end test compares pointers: one induction variable fewer per iteration.
    for (; b != b_end; a += kMicroRows * kDepthBlock, b += 2 * kDepthBlock) {
      const v128_t a0 = wasm_v128_load(a), a1 = wasm_v128_load(a + 8), a2 = wasm_v128_load(a + 16);
      const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 8);
      c00 = wasm_i32x4_add(c00, wasm_i32x4_dot_i16x8(a0, b0));
      c10 = wasm_i32x4_add(c10, wasm_i32x4_dot_i16x8(a1, b0));
      c20 = wasm_i32x4_add(c20, wasm_i32x4_dot_i16x8(a2, b0));
      c01 = wasm_i32x4_add(c01, wasm_i32x4_dot_i16x8(a0, b1));
      c11 = wasm_i32x4_add(c11, wasm_i32x4_dot_i16x8(a1, b1));
      c21 = wasm_i32x4_add(c21, wasm_i32x4_dot_i16x8(a2, b1));
    }
    const v128_t rows01 = lane_sums(c00, c01, c10, c11);  // [r0j0, r0j1, r1j0, r1j1]
    const v128_t row2 = lane_sums(c20, c21, zero, zero);  // [r2j0, r2j1, 0, 0]
    int32_t* o = out + 2 * pair;
    store_pair(o, rows01);
    store_pair(o + kPanelCols, wasm_i32x4_shuffle(rows01, rows01, 2, 3, 2, 3));
    store_pair(o + 2 * kPanelCols, row2);
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
