;; Relaxed-SIMD micro-kernels of gemm_q8_relaxed.h ("c16" layout: 16 consecutive k per vector,
;; one byte per code; the dot runs along K). Hand-written because clang 14 cannot emit relaxed SIMD
;; (see docs/numerics.md §12.5). Assembled at build time with
;;   wat2wasm --enable-relaxed-simd gemm_q8_relaxed.wat -o web/gen/qp_relaxed.wasm
;;
;; The dot: i16x8.relaxed_dot_i8x16_i7x16_s (16 products, summed in pairs into 8 int16 lanes),
;; then i32x4.extadd_pairwise_i16x8_s and i32x4.add. With the i7 operand in [0, 127] a pair sum is
;; within ±32 512, so this is exactly i32x4.relaxed_dot_i8x16_i7x16_add_s, but it runs 2–2.8× faster
;; in Chromium 156 on x86 without VNNI (register-only loops of scripts/bench_relaxed_peak.wat; see
;; docs/numerics.md §12.5).
;; wabt 1.0.32 spells i16x8.relaxed_dot_i8x16_i7x16_s (0xfd 0x112) as i16x8.dot_i8x16_i7x16_s.
;;
;; The module owns no memory: it imports the main module's (env.memory), so the C++ driver passes
;; plain pointers and nothing is copied. web/lib/relaxed.mjs puts the two exports into the main
;; module's function table; the driver calls them through RelaxedMicroKernel pointers, whose wasm32
;; signature is (i32 blocks, i32 a, i32 panel, i32 out) -> ().
;;
;; Contract (same as the portable emulation, gemm_q8_relaxed_micro_emulated.cpp):
;;   out[r*8 + j] = Σ over `blocks` 16-byte blocks of (row r of the A group) · (column j of the
;;   panel), int32 modulo 2^32, for r < 3 (3x8) or r = 0 (1x8), blocks ≥ 1, every panel byte in
;;   [0, 127] (the i7 operand; the A bytes are the signed i8 operand).
;; Each dot adds 4 partial sums into the 4 lanes of an accumulator; the lanes are summed once at the
;; end (lane_sums).
(module
  (import "env" "memory" (memory 1))

  ;; [Σ lanes of a, Σ b, Σ c, Σ d]
  (func $lane_sums (param $a v128) (param $b v128) (param $c v128) (param $d v128) (result v128)
    (local $ab v128) (local $cd v128)
    ;; ab = [a0+a2, b0+b2, a1+a3, b1+b3], cd likewise
    (local.set $ab (i32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $a) (local.get $b))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd (i32x4.add
      (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c) (local.get $d))
      (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c) (local.get $d))))
    (i32x4.add
      (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
      (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd))))

  ;; 3 rows × 8 columns. For each column pair, 6 accumulators (3 rows × 2 columns) walk K: per
  ;; 16-k block 3 row loads, 2 column loads and 6 dots (96 multiply-adds). 6 accumulators + 3 rows
  ;; + 1 column = 10 live vectors: V8 keeps them all in registers (a 4-row version, 13 live vectors
  ;; plus the dot's temporaries, ran ≈1.15–1.4× slower, best of 15, docs/numerics.md §12.5).
  ;; The pairs' streams are contiguous, so $b simply runs on from one pair to the next.
  (func (export "gemm_q8_relaxed_micro_3x8")
    (param $blocks i32) (param $a_group i32) (param $panel i32) (param $out i32)
    (local $pair i32) (local $a i32) (local $b i32) (local $n i32) (local $o i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $w v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128)
    (local $r01 v128) (local $r23 v128)
    (local.set $b (local.get $panel))
    (loop $pairs
      (local.set $a (local.get $a_group))
      (local.set $n (local.get $blocks))
      (local.set $c00 (v128.const i64x2 0 0)) (local.set $c01 (v128.const i64x2 0 0))
      (local.set $c10 (v128.const i64x2 0 0)) (local.set $c11 (v128.const i64x2 0 0))
      (local.set $c20 (v128.const i64x2 0 0)) (local.set $c21 (v128.const i64x2 0 0))
      (loop $k
        (local.set $a0 (v128.load (local.get $a)))
        (local.set $a1 (v128.load offset=16 (local.get $a)))
        (local.set $a2 (v128.load offset=32 (local.get $a)))
        (local.set $w (v128.load (local.get $b)))  ;; column 2·pair
        (local.set $c00 (i32x4.add (local.get $c00) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $a0) (local.get $w)))))
        (local.set $c10 (i32x4.add (local.get $c10) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $a1) (local.get $w)))))
        (local.set $c20 (i32x4.add (local.get $c20) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $a2) (local.get $w)))))
        (local.set $w (v128.load offset=16 (local.get $b)))  ;; column 2·pair + 1
        (local.set $c01 (i32x4.add (local.get $c01) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $a0) (local.get $w)))))
        (local.set $c11 (i32x4.add (local.get $c11) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $a1) (local.get $w)))))
        (local.set $c21 (i32x4.add (local.get $c21) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $a2) (local.get $w)))))
        (local.set $a (i32.add (local.get $a) (i32.const 48)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (br_if $k (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      ;; [r0j0, r0j1, r1j0, r1j1] and [r2j0, r2j1, (again)]: 64-bit halves go to out[r*8 + 2·pair].
      (local.set $r01 (call $lane_sums (local.get $c00) (local.get $c01) (local.get $c10) (local.get $c11)))
      (local.set $r23 (call $lane_sums (local.get $c20) (local.get $c21) (local.get $c20) (local.get $c21)))
      (local.set $o (i32.add (local.get $out) (i32.shl (local.get $pair) (i32.const 3))))
      (v128.store64_lane 0 (local.get $o) (local.get $r01))
      (v128.store64_lane offset=32 1 (local.get $o) (local.get $r01))
      (v128.store64_lane offset=64 0 (local.get $o) (local.get $r23))
      (br_if $pairs (i32.lt_u
        (local.tee $pair (i32.add (local.get $pair) (i32.const 1))) (i32.const 4)))))

  ;; 1 row × 8 columns (batch 1, GEMV, and a last single row): per 16-k block 1 row load, 8 column
  ;; loads (pair p's block at panel + p·stride + 32·block, stride = 32·blocks) and 8 relaxed dots.
  (func (export "gemm_q8_relaxed_micro_1x8")
    (param $blocks i32) (param $a i32) (param $panel i32) (param $out i32)
    (local $stride i32) (local $end i32) (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local $x v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128)
    (local.set $stride (i32.shl (local.get $blocks) (i32.const 5)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $blocks) (i32.const 4))))
    (local.set $b0 (local.get $panel))
    (local.set $b1 (i32.add (local.get $b0) (local.get $stride)))
    (local.set $b2 (i32.add (local.get $b1) (local.get $stride)))
    (local.set $b3 (i32.add (local.get $b2) (local.get $stride)))
    (loop $k
      (local.set $x (v128.load (local.get $a)))
      (local.set $c0 (i32x4.add (local.get $c0) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $x) (v128.load (local.get $b0))))))
      (local.set $c1 (i32x4.add (local.get $c1) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $x) (v128.load offset=16 (local.get $b0))))))
      (local.set $c2 (i32x4.add (local.get $c2) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $x) (v128.load (local.get $b1))))))
      (local.set $c3 (i32x4.add (local.get $c3) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $x) (v128.load offset=16 (local.get $b1))))))
      (local.set $c4 (i32x4.add (local.get $c4) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $x) (v128.load (local.get $b2))))))
      (local.set $c5 (i32x4.add (local.get $c5) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $x) (v128.load offset=16 (local.get $b2))))))
      (local.set $c6 (i32x4.add (local.get $c6) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $x) (v128.load (local.get $b3))))))
      (local.set $c7 (i32x4.add (local.get $c7) (i32x4.extadd_pairwise_i16x8_s (i16x8.dot_i8x16_i7x16_s (local.get $x) (v128.load offset=16 (local.get $b3))))))
      (local.set $b0 (i32.add (local.get $b0) (i32.const 32)))
      (local.set $b1 (i32.add (local.get $b1) (i32.const 32)))
      (local.set $b2 (i32.add (local.get $b2) (i32.const 32)))
      (local.set $b3 (i32.add (local.get $b3) (i32.const 32)))
      (br_if $k (i32.ne (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $end))))
    (v128.store (local.get $out)
      (call $lane_sums (local.get $c0) (local.get $c1) (local.get $c2) (local.get $c3)))
    (v128.store offset=16 (local.get $out)
      (call $lane_sums (local.get $c4) (local.get $c5) (local.get $c6) (local.get $c7))))

  ;; ---- The "u8" set: for engines whose relaxed dot reads the second operand as an exact unsigned
  ;; byte (V8 on x86 with AVX-VNNI lowers i32x4.relaxed_dot_i8x16_i7x16_add_s to one vpdpbusd, which
  ;; multiplies signed bytes by unsigned bytes with no intermediate saturation). There, every panel
  ;; byte in [0, 255] gives the exact sum, so full-range 8-bit weights need one dot per 16 k, and the
  ;; fused instruction (16 multiply-adds and the accumulate in one) replaces the three of the i7 set.
  ;; relaxed.mjs runs a self-check on saturating inputs before it installs this set.
  ;; Contract: as above, with 4 rows per group (16 bytes of each of rows 0..3 per block) and panel
  ;; bytes in [0, 255] read as unsigned.

  ;; 4 rows × 8 columns. For each column pair, 8 accumulators (4 rows × 2 columns): per 16-k block
  ;; 4 row loads, 2 column loads and 8 fused dots (128 multiply-adds); 8 accumulators + 4 rows +
  ;; 1 column = 13 live vectors, within x64's 16 (a register-only 3×8 version of this loop ran
  ;; ≈ 0.77× as fast in Chromium 156, scripts/bench_relaxed_browser.mjs).
  (func (export "gemm_q8_relaxed_u8_micro_4x8")
    (param $blocks i32) (param $a_group i32) (param $panel i32) (param $out i32)
    (local $pair i32) (local $a i32) (local $b i32) (local $n i32) (local $o i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $w v128)
    (local $c00 v128) (local $c01 v128) (local $c10 v128) (local $c11 v128)
    (local $c20 v128) (local $c21 v128) (local $c30 v128) (local $c31 v128)
    (local $r01 v128) (local $r23 v128) (local $ab v128) (local $cd v128)
    (local.set $b (local.get $panel))
    (loop $pairs
      (local.set $a (local.get $a_group))
      (local.set $n (local.get $blocks))
      (local.set $c00 (v128.const i64x2 0 0)) (local.set $c01 (v128.const i64x2 0 0))
      (local.set $c10 (v128.const i64x2 0 0)) (local.set $c11 (v128.const i64x2 0 0))
      (local.set $c20 (v128.const i64x2 0 0)) (local.set $c21 (v128.const i64x2 0 0))
      (local.set $c30 (v128.const i64x2 0 0)) (local.set $c31 (v128.const i64x2 0 0))
      (loop $k
        (local.set $a0 (v128.load (local.get $a)))
        (local.set $a1 (v128.load offset=16 (local.get $a)))
        (local.set $a2 (v128.load offset=32 (local.get $a)))
        (local.set $a3 (v128.load offset=48 (local.get $a)))
        (local.set $w (v128.load (local.get $b)))  ;; column 2·pair
        (local.set $c00 (i32x4.dot_i8x16_i7x16_add_s (local.get $a0) (local.get $w) (local.get $c00)))
        (local.set $c10 (i32x4.dot_i8x16_i7x16_add_s (local.get $a1) (local.get $w) (local.get $c10)))
        (local.set $c20 (i32x4.dot_i8x16_i7x16_add_s (local.get $a2) (local.get $w) (local.get $c20)))
        (local.set $c30 (i32x4.dot_i8x16_i7x16_add_s (local.get $a3) (local.get $w) (local.get $c30)))
        (local.set $w (v128.load offset=16 (local.get $b)))  ;; column 2·pair + 1
        (local.set $c01 (i32x4.dot_i8x16_i7x16_add_s (local.get $a0) (local.get $w) (local.get $c01)))
        (local.set $c11 (i32x4.dot_i8x16_i7x16_add_s (local.get $a1) (local.get $w) (local.get $c11)))
        (local.set $c21 (i32x4.dot_i8x16_i7x16_add_s (local.get $a2) (local.get $w) (local.get $c21)))
        (local.set $c31 (i32x4.dot_i8x16_i7x16_add_s (local.get $a3) (local.get $w) (local.get $c31)))
        (local.set $a (i32.add (local.get $a) (i32.const 64)))
        (local.set $b (i32.add (local.get $b) (i32.const 32)))
        (br_if $k (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
      ;; [r0j0, r0j1, r1j0, r1j1] and [r2j0, r2j1, r3j0, r3j1]: 64-bit halves to out[r*8 + 2·pair].
      (local.set $r01 (block (result v128)
        (local.set $ab (i32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c00) (local.get $c01)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c00) (local.get $c01))))
        (local.set $cd (i32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c10) (local.get $c11)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c10) (local.get $c11))))
        (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd)))))
      (local.set $r23 (block (result v128)
        (local.set $ab (i32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c20) (local.get $c21)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c20) (local.get $c21))))
        (local.set $cd (i32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c30) (local.get $c31)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c30) (local.get $c31))))
        (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd)))))
      (local.set $o (i32.add (local.get $out) (i32.shl (local.get $pair) (i32.const 3))))
      (v128.store64_lane 0 (local.get $o) (local.get $r01))
      (v128.store64_lane offset=32 1 (local.get $o) (local.get $r01))
      (v128.store64_lane offset=64 0 (local.get $o) (local.get $r23))
      (v128.store64_lane offset=96 1 (local.get $o) (local.get $r23))
      (br_if $pairs (i32.lt_u
        (local.tee $pair (i32.add (local.get $pair) (i32.const 1))) (i32.const 4)))))

  ;; 1 row × 8 columns of the u8 set: the layout of gemm_q8_relaxed_micro_1x8, fused dots.
  (func (export "gemm_q8_relaxed_u8_micro_1x8")
    (param $blocks i32) (param $a i32) (param $panel i32) (param $out i32)
    (local $stride i32) (local $end i32) (local $b0 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local $x v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128)
    (local $c4 v128) (local $c5 v128) (local $c6 v128) (local $c7 v128) (local $ab v128) (local $cd v128)
    (local.set $stride (i32.shl (local.get $blocks) (i32.const 5)))
    (local.set $end (i32.add (local.get $a) (i32.shl (local.get $blocks) (i32.const 4))))
    (local.set $b0 (local.get $panel))
    (local.set $b1 (i32.add (local.get $b0) (local.get $stride)))
    (local.set $b2 (i32.add (local.get $b1) (local.get $stride)))
    (local.set $b3 (i32.add (local.get $b2) (local.get $stride)))
    (loop $k
      (local.set $x (v128.load (local.get $a)))
      (local.set $c0 (i32x4.dot_i8x16_i7x16_add_s (local.get $x) (v128.load (local.get $b0)) (local.get $c0)))
      (local.set $c1 (i32x4.dot_i8x16_i7x16_add_s (local.get $x) (v128.load offset=16 (local.get $b0)) (local.get $c1)))
      (local.set $c2 (i32x4.dot_i8x16_i7x16_add_s (local.get $x) (v128.load (local.get $b1)) (local.get $c2)))
      (local.set $c3 (i32x4.dot_i8x16_i7x16_add_s (local.get $x) (v128.load offset=16 (local.get $b1)) (local.get $c3)))
      (local.set $c4 (i32x4.dot_i8x16_i7x16_add_s (local.get $x) (v128.load (local.get $b2)) (local.get $c4)))
      (local.set $c5 (i32x4.dot_i8x16_i7x16_add_s (local.get $x) (v128.load offset=16 (local.get $b2)) (local.get $c5)))
      (local.set $c6 (i32x4.dot_i8x16_i7x16_add_s (local.get $x) (v128.load (local.get $b3)) (local.get $c6)))
      (local.set $c7 (i32x4.dot_i8x16_i7x16_add_s (local.get $x) (v128.load offset=16 (local.get $b3)) (local.get $c7)))
      (local.set $b0 (i32.add (local.get $b0) (i32.const 32)))
      (local.set $b1 (i32.add (local.get $b1) (i32.const 32)))
      (local.set $b2 (i32.add (local.get $b2) (i32.const 32)))
      (local.set $b3 (i32.add (local.get $b3) (i32.const 32)))
      (br_if $k (i32.ne (local.tee $a (i32.add (local.get $a) (i32.const 16))) (local.get $end))))
    (v128.store (local.get $out)
      (block (result v128)
        (local.set $ab (i32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c0) (local.get $c1)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c0) (local.get $c1))))
        (local.set $cd (i32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c2) (local.get $c3)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c2) (local.get $c3))))
        (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd)))))
    (v128.store offset=16 (local.get $out)
      (block (result v128)
        (local.set $ab (i32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c4) (local.get $c5)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c4) (local.get $c5))))
        (local.set $cd (i32x4.add (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $c6) (local.get $c7)) (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $c6) (local.get $c7))))
        (i32x4.add (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $ab) (local.get $cd))
          (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $ab) (local.get $cd)))))))
