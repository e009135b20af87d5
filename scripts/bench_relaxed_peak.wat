;; Register-only peak loops for scripts/bench_relaxed_browser.mjs (a benchmark, not a kernel):
;; 6 independent accumulators, each with its own first operand so no two dots are the same value
;; (an engine may compute identical pure dots once, which inflates such loops).
;;   relaxed: 6 × i32x4.relaxed_dot_i8x16_i7x16_add_s per iteration = 6 × 32 operations
;;   simd128: 6 × (i32x4.dot_i16x8_s + i32x4.add)       per iteration = 6 × 16 operations
;; wabt 1.0.32 spells the relaxed dot i32x4.dot_i8x16_i7x16_add_s.
(module
  (func (export "relaxed") (param $n i32) (result i32)
    (local $y v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $x4 v128) (local $x5 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128)
    (local.set $y (i8x16.splat (i32.const 3)))
    (local.set $x0 (i32x4.splat (local.get $n)))
    (local.set $x1 (i32x4.splat (i32.add (local.get $n) (i32.const 1))))
    (local.set $x2 (i32x4.splat (i32.add (local.get $n) (i32.const 2))))
    (local.set $x3 (i32x4.splat (i32.add (local.get $n) (i32.const 3))))
    (local.set $x4 (i32x4.splat (i32.add (local.get $n) (i32.const 4))))
    (local.set $x5 (i32x4.splat (i32.add (local.get $n) (i32.const 5))))
    (loop $l
      (local.set $c0 (i32x4.dot_i8x16_i7x16_add_s (local.get $x0) (local.get $y) (local.get $c0)))
      (local.set $c1 (i32x4.dot_i8x16_i7x16_add_s (local.get $x1) (local.get $y) (local.get $c1)))
      (local.set $c2 (i32x4.dot_i8x16_i7x16_add_s (local.get $x2) (local.get $y) (local.get $c2)))
      (local.set $c3 (i32x4.dot_i8x16_i7x16_add_s (local.get $x3) (local.get $y) (local.get $c3)))
      (local.set $c4 (i32x4.dot_i8x16_i7x16_add_s (local.get $x4) (local.get $y) (local.get $c4)))
      (local.set $c5 (i32x4.dot_i8x16_i7x16_add_s (local.get $x5) (local.get $y) (local.get $c5)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32x4.extract_lane 0 (i32x4.add (i32x4.add (i32x4.add (local.get $c0) (local.get $c1))
      (i32x4.add (local.get $c2) (local.get $c3))) (i32x4.add (local.get $c4) (local.get $c5)))))
  (func (export "simd128") (param $n i32) (result i32)
    (local $y v128)
    (local $x0 v128) (local $x1 v128) (local $x2 v128) (local $x3 v128) (local $x4 v128) (local $x5 v128)
    (local $c0 v128) (local $c1 v128) (local $c2 v128) (local $c3 v128) (local $c4 v128) (local $c5 v128)
    (local.set $y (i16x8.splat (i32.const 3)))
    (local.set $x0 (i32x4.splat (local.get $n)))
    (local.set $x1 (i32x4.splat (i32.add (local.get $n) (i32.const 1))))
    (local.set $x2 (i32x4.splat (i32.add (local.get $n) (i32.const 2))))
    (local.set $x3 (i32x4.splat (i32.add (local.get $n) (i32.const 3))))
    (local.set $x4 (i32x4.splat (i32.add (local.get $n) (i32.const 4))))
    (local.set $x5 (i32x4.splat (i32.add (local.get $n) (i32.const 5))))
    (loop $l
      (local.set $c0 (i32x4.add (local.get $c0) (i32x4.dot_i16x8_s (local.get $x0) (local.get $y))))
      (local.set $c1 (i32x4.add (local.get $c1) (i32x4.dot_i16x8_s (local.get $x1) (local.get $y))))
      (local.set $c2 (i32x4.add (local.get $c2) (i32x4.dot_i16x8_s (local.get $x2) (local.get $y))))
      (local.set $c3 (i32x4.add (local.get $c3) (i32x4.dot_i16x8_s (local.get $x3) (local.get $y))))
      (local.set $c4 (i32x4.add (local.get $c4) (i32x4.dot_i16x8_s (local.get $x4) (local.get $y))))
      (local.set $c5 (i32x4.add (local.get $c5) (i32x4.dot_i16x8_s (local.get $x5) (local.get $y))))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (i32x4.extract_lane 0 (i32x4.add (i32x4.add (i32x4.add (local.get $c0) (local.get $c1))
      (i32x4.add (local.get $c2) (local.get $c3))) (i32x4.add (local.get $c4) (local.get $c5))))))
