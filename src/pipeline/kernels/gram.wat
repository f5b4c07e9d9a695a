;; The linear Gram matrix G = X Xᵀ of a refit's residual stream (compare/cka.ts), in float64 as
;; the paper's CKA is: two lanes of f64x2 with relaxed-SIMD FMA (see matmul.wat on determinism),
;; row i against four rows j at a time. G is exactly symmetric: each entry is computed once, for
;; j <= i, and mirrored.
;; Built by `npm run kernels` (wabt) into gram.wasm, which is committed; a test rebuilds it.
(module
  (import "env" "memory" (memory 1))

  (func $hsum (param $v v128) (result f64)
    (f64.add (f64x2.extract_lane 0 (local.get $v)) (f64x2.extract_lane 1 (local.get $v))))

  ;; x: float64 [n, d]; g: float64 [n, n].
  (func (export "gram") (param $x i32) (param $n i32) (param $d i32) (param $g i32)
    (local $i i32) (local $j i32) (local $k i32) (local $row i32) (local $d2 i32) (local $end i32)
    (local $xi i32) (local $x0 i32) (local $x1 i32) (local $x2 i32) (local $x3 i32)
    (local $a v128) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local $t0 f64) (local $t1 f64) (local $t2 f64) (local $t3 f64) (local $u f64)
    (local.set $row (i32.shl (local.get $d) (i32.const 3)))
    (local.set $d2 (i32.shl (i32.and (local.get $d) (i32.const -2)) (i32.const 3)))
    (block $iDone (loop $iLoop
      (br_if $iDone (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $xi (i32.add (local.get $x) (i32.mul (local.get $i) (local.get $row))))
      (local.set $j (i32.const 0))
      ;; Four rows j..j+3 <= i at a time, then one at a time up to i.
      (block $jDone (loop $jLoop
        (br_if $jDone (i32.gt_u (i32.add (local.get $j) (i32.const 3)) (local.get $i)))
        (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $j) (local.get $row))))
        (local.set $x1 (i32.add (local.get $x0) (local.get $row)))
        (local.set $x2 (i32.add (local.get $x1) (local.get $row)))
        (local.set $x3 (i32.add (local.get $x2) (local.get $row)))
        (local.set $s0 (v128.const f64x2 0 0)) (local.set $s1 (v128.const f64x2 0 0))
        (local.set $s2 (v128.const f64x2 0 0)) (local.set $s3 (v128.const f64x2 0 0))
        (local.set $k (i32.const 0))
        (block $kDone (loop $kLoop
          (br_if $kDone (i32.ge_u (local.get $k) (local.get $d2)))
          (local.set $a (v128.load (i32.add (local.get $xi) (local.get $k))))
          (local.set $s0 (f64x2.relaxed_madd (local.get $a) (v128.load (i32.add (local.get $x0) (local.get $k))) (local.get $s0)))
          (local.set $s1 (f64x2.relaxed_madd (local.get $a) (v128.load (i32.add (local.get $x1) (local.get $k))) (local.get $s1)))
          (local.set $s2 (f64x2.relaxed_madd (local.get $a) (v128.load (i32.add (local.get $x2) (local.get $k))) (local.get $s2)))
          (local.set $s3 (f64x2.relaxed_madd (local.get $a) (v128.load (i32.add (local.get $x3) (local.get $k))) (local.get $s3)))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br $kLoop)))
        (local.set $t0 (call $hsum (local.get $s0))) (local.set $t1 (call $hsum (local.get $s1)))
        (local.set $t2 (call $hsum (local.get $s2))) (local.set $t3 (call $hsum (local.get $s3)))
        ;; An odd d leaves one column.
        (if (i32.lt_u (local.get $k) (local.get $row))
          (then
            (local.set $u (f64.load (i32.add (local.get $xi) (local.get $k))))
            (local.set $t0 (f64.add (local.get $t0) (f64.mul (local.get $u) (f64.load (i32.add (local.get $x0) (local.get $k))))))
            (local.set $t1 (f64.add (local.get $t1) (f64.mul (local.get $u) (f64.load (i32.add (local.get $x1) (local.get $k))))))
            (local.set $t2 (f64.add (local.get $t2) (f64.mul (local.get $u) (f64.load (i32.add (local.get $x2) (local.get $k))))))
            (local.set $t3 (f64.add (local.get $t3) (f64.mul (local.get $u) (f64.load (i32.add (local.get $x3) (local.get $k))))))))
        (call $put (local.get $g) (local.get $n) (local.get $i) (local.get $j) (local.get $t0))
        (call $put (local.get $g) (local.get $n) (local.get $i) (i32.add (local.get $j) (i32.const 1)) (local.get $t1))
        (call $put (local.get $g) (local.get $n) (local.get $i) (i32.add (local.get $j) (i32.const 2)) (local.get $t2))
        (call $put (local.get $g) (local.get $n) (local.get $i) (i32.add (local.get $j) (i32.const 3)) (local.get $t3))
        (local.set $j (i32.add (local.get $j) (i32.const 4)))
        (br $jLoop)))
      (block $restDone (loop $rest
        (br_if $restDone (i32.gt_u (local.get $j) (local.get $i)))
        (local.set $x0 (i32.add (local.get $x) (i32.mul (local.get $j) (local.get $row))))
        (local.set $s0 (v128.const f64x2 0 0))
        (local.set $k (i32.const 0))
        (block $kDone (loop $kLoop
          (br_if $kDone (i32.ge_u (local.get $k) (local.get $d2)))
          (local.set $s0 (f64x2.relaxed_madd (v128.load (i32.add (local.get $xi) (local.get $k))) (v128.load (i32.add (local.get $x0) (local.get $k))) (local.get $s0)))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br $kLoop)))
        (local.set $t0 (call $hsum (local.get $s0)))
        (if (i32.lt_u (local.get $k) (local.get $row))
          (then (local.set $t0 (f64.add (local.get $t0)
            (f64.mul (f64.load (i32.add (local.get $xi) (local.get $k))) (f64.load (i32.add (local.get $x0) (local.get $k))))))))
        (call $put (local.get $g) (local.get $n) (local.get $i) (local.get $j) (local.get $t0))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $rest)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $iLoop))))

  ;; G[i][j] = G[j][i] = v
  (func $put (param $g i32) (param $n i32) (param $i i32) (param $j i32) (param $v f64)
    (f64.store (i32.add (local.get $g) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3))) (local.get $v))
    (f64.store (i32.add (local.get $g) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $n)) (local.get $i)) (i32.const 3))) (local.get $v)))
)
