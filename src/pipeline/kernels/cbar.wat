;; The compare stage's hot loop: sums of per-probe cosines between many attention rows
;; (docs/metrics.md: cbar before the max). C[i][j] += sum over segments s of
;;   dot(A_i[s], B_j[s']) / max(|A_i[s]| |B_j[s']|, 1e-8)
;; where a segment pairs a probe of A with a probe of B of the same length (the same probe for
;; cbar, a partner probe for the shuffled null). Rows are float32 with a common stride; norms
;; and C are float64. Within a segment, products are summed in float32 in four SIMD lanes, and
;; each segment's sum is then added in float64, so error grows with one probe's length, not with
;; K. Multiply-adds are relaxed-SIMD FMAs, fused on every x86-64 since 2013 and every arm64
;; (see matmul.wat): results are the same bit for bit on all such machines.
;; Built by `npm run kernels` (wabt) into cbar.wasm, which is committed; a test rebuilds it.
(module
  (import "env" "memory" (memory 1 65536 shared))

  (func $hsum (param $v v128) (result f64)
    (f64.add
      (f64.add (f64.promote_f32 (f32x4.extract_lane 0 (local.get $v))) (f64.promote_f32 (f32x4.extract_lane 1 (local.get $v))))
      (f64.add (f64.promote_f32 (f32x4.extract_lane 2 (local.get $v))) (f64.promote_f32 (f32x4.extract_lane 3 (local.get $v))))))

  ;; C[at] += (sum + tail) / max(na * nb, 1e-8)
  (func $fold (param $at i32) (param $sum f64) (param $na f64) (param $nb f64)
    (f64.store (local.get $at)
      (f64.add (f64.load (local.get $at))
        (f64.div (local.get $sum) (f64.max (f64.mul (local.get $na) (local.get $nb)) (f64.const 1e-8))))))

  ;; dot(a, b) over $len values with the lane arithmetic of $tile2x4 (float32 lanes, then a
  ;; float64 tail), so a row's norm and its cosine with itself agree to the last bit.
  (func $dot (param $a i32) (param $b i32) (param $len i32) (result f64)
    (local $k i32) (local $end i32) (local $acc v128) (local $tail f64)
    (local.set $end (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $acc (f32x4.relaxed_madd
          (v128.load (i32.add (local.get $a) (local.get $k))) (v128.load (i32.add (local.get $b) (local.get $k))) (local.get $acc)))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))
    (local.set $end (i32.shl (local.get $len) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $tail (f64.add (local.get $tail)
          (f64.mul (f64.promote_f32 (f32.load (i32.add (local.get $a) (local.get $k)))) (f64.promote_f32 (f32.load (i32.add (local.get $b) (local.get $k)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $next)))
    (f64.add (call $hsum (local.get $acc)) (local.get $tail)))

  ;; One row of A against one row of B over one segment of $len values.
  (func $tile1 (param $a i32) (param $b i32) (param $len i32) (param $c i32) (param $na f64) (param $nb f64)
    (call $fold (local.get $c) (call $dot (local.get $a) (local.get $b) (local.get $len)) (local.get $na) (local.get $nb)))

  ;; N[i * P + probe] = |row i on the segment| for the A side of every segment ($rows rows).
  (func (export "norms") (param $A i32) (param $rows i32) (param $ld i32) (param $segs i32) (param $nseg i32) (param $P i32) (param $N i32)
    (local $i i32) (local $s i32) (local $at i32) (local $row i32) (local $x i32)
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $rows)))
        (local.set $row (i32.add (local.get $A) (i32.shl (i32.mul (local.get $i) (local.get $ld)) (i32.const 2))))
        (local.set $s (i32.const 0))
        (block $segsDone
          (loop $seg
            (br_if $segsDone (i32.ge_u (local.get $s) (local.get $nseg)))
            (local.set $at (i32.add (local.get $segs) (i32.mul (local.get $s) (i32.const 20))))
            (local.set $x (i32.add (local.get $row) (i32.shl (i32.load (local.get $at)) (i32.const 2))))
            (f64.store
              (i32.add (local.get $N) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $P)) (i32.load offset=12 (local.get $at))) (i32.const 3)))
              (f64.sqrt (call $dot (local.get $x) (local.get $x) (i32.load offset=8 (local.get $at)))))
            (local.set $s (i32.add (local.get $s) (i32.const 1)))
            (br $seg)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $rowLoop))))

  ;; Two rows of A (a, a + $lda bytes) against four rows of B (b + 0..3 * $ldb bytes): eight
  ;; accumulators plus three operands fit the 16 SIMD registers V8 uses, with no spills.
  ;; C rows are $ldc bytes apart; $na/$nb point at the first norm, rows $pa/$pb bytes apart.
  (func $tile2x4 (param $a i32) (param $lda i32) (param $b i32) (param $ldb i32) (param $len i32)
                 (param $c i32) (param $ldc i32) (param $na i32) (param $pa i32) (param $nb i32) (param $pb i32)
    (local $k i32) (local $end i32) (local $a1 i32) (local $b1 i32) (local $b2 i32) (local $b3 i32)
    (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $c00 v128) (local $c01 v128) (local $c02 v128) (local $c03 v128)
    (local $c10 v128) (local $c11 v128) (local $c12 v128) (local $c13 v128)
    (local $t00 f64) (local $t01 f64) (local $t02 f64) (local $t03 f64)
    (local $t10 f64) (local $t11 f64) (local $t12 f64) (local $t13 f64)
    (local $u0 f64) (local $u1 f64)
    (local.set $a1 (i32.add (local.get $a) (local.get $lda)))
    (local.set $b1 (i32.add (local.get $b) (local.get $ldb)))
    (local.set $b2 (i32.add (local.get $b1) (local.get $ldb)))
    (local.set $b3 (i32.add (local.get $b2) (local.get $ldb)))
    (local.set $end (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $x0 (v128.load (i32.add (local.get $a) (local.get $k))))
        (local.set $x1 (v128.load (i32.add (local.get $a1) (local.get $k))))
        (local.set $y (v128.load (i32.add (local.get $b) (local.get $k))))
        (local.set $c00 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $c00)))
        (local.set $c10 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $c10)))
        (local.set $y (v128.load (i32.add (local.get $b1) (local.get $k))))
        (local.set $c01 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $c01)))
        (local.set $c11 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $c11)))
        (local.set $y (v128.load (i32.add (local.get $b2) (local.get $k))))
        (local.set $c02 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $c02)))
        (local.set $c12 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $c12)))
        (local.set $y (v128.load (i32.add (local.get $b3) (local.get $k))))
        (local.set $c03 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $c03)))
        (local.set $c13 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $c13)))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))
    ;; The last len % 4 values, in float64.
    (local.set $end (i32.shl (local.get $len) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $u0 (f64.promote_f32 (f32.load (i32.add (local.get $a) (local.get $k)))))
        (local.set $u1 (f64.promote_f32 (f32.load (i32.add (local.get $a1) (local.get $k)))))
        (local.set $t00 (f64.add (local.get $t00) (f64.mul (local.get $u0) (f64.promote_f32 (f32.load (i32.add (local.get $b) (local.get $k)))))))
        (local.set $t01 (f64.add (local.get $t01) (f64.mul (local.get $u0) (f64.promote_f32 (f32.load (i32.add (local.get $b1) (local.get $k)))))))
        (local.set $t02 (f64.add (local.get $t02) (f64.mul (local.get $u0) (f64.promote_f32 (f32.load (i32.add (local.get $b2) (local.get $k)))))))
        (local.set $t03 (f64.add (local.get $t03) (f64.mul (local.get $u0) (f64.promote_f32 (f32.load (i32.add (local.get $b3) (local.get $k)))))))
        (local.set $t10 (f64.add (local.get $t10) (f64.mul (local.get $u1) (f64.promote_f32 (f32.load (i32.add (local.get $b) (local.get $k)))))))
        (local.set $t11 (f64.add (local.get $t11) (f64.mul (local.get $u1) (f64.promote_f32 (f32.load (i32.add (local.get $b1) (local.get $k)))))))
        (local.set $t12 (f64.add (local.get $t12) (f64.mul (local.get $u1) (f64.promote_f32 (f32.load (i32.add (local.get $b2) (local.get $k)))))))
        (local.set $t13 (f64.add (local.get $t13) (f64.mul (local.get $u1) (f64.promote_f32 (f32.load (i32.add (local.get $b3) (local.get $k)))))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $next)))
    (local.set $u0 (f64.load (local.get $na)))
    (local.set $u1 (f64.load (i32.add (local.get $na) (local.get $pa))))
    (call $fold (local.get $c) (f64.add (call $hsum (local.get $c00)) (local.get $t00)) (local.get $u0) (f64.load (local.get $nb)))
    (call $fold (i32.add (local.get $c) (i32.const 8)) (f64.add (call $hsum (local.get $c01)) (local.get $t01)) (local.get $u0)
      (f64.load (i32.add (local.get $nb) (local.get $pb))))
    (call $fold (i32.add (local.get $c) (i32.const 16)) (f64.add (call $hsum (local.get $c02)) (local.get $t02)) (local.get $u0)
      (f64.load (i32.add (local.get $nb) (i32.mul (local.get $pb) (i32.const 2)))))
    (call $fold (i32.add (local.get $c) (i32.const 24)) (f64.add (call $hsum (local.get $c03)) (local.get $t03)) (local.get $u0)
      (f64.load (i32.add (local.get $nb) (i32.mul (local.get $pb) (i32.const 3)))))
    (local.set $c (i32.add (local.get $c) (local.get $ldc)))
    (call $fold (local.get $c) (f64.add (call $hsum (local.get $c10)) (local.get $t10)) (local.get $u1) (f64.load (local.get $nb)))
    (call $fold (i32.add (local.get $c) (i32.const 8)) (f64.add (call $hsum (local.get $c11)) (local.get $t11)) (local.get $u1)
      (f64.load (i32.add (local.get $nb) (local.get $pb))))
    (call $fold (i32.add (local.get $c) (i32.const 16)) (f64.add (call $hsum (local.get $c12)) (local.get $t12)) (local.get $u1)
      (f64.load (i32.add (local.get $nb) (i32.mul (local.get $pb) (i32.const 2)))))
    (call $fold (i32.add (local.get $c) (i32.const 24)) (f64.add (call $hsum (local.get $c13)) (local.get $t13)) (local.get $u1)
      (f64.load (i32.add (local.get $nb) (i32.mul (local.get $pb) (i32.const 3))))))

  ;; C (m x n, float64, row-major) += the sum over $nseg segments of cosines between row i of A
  ;; and row j of B. A and B are float32 rows $ld values apart; segment s is five int32 at
  ;; $segs + 20 s: begin in A's row, begin in B's row, length, A's probe, B's probe. Norms are
  ;; float64, NA[i * P + probe] for A and NB[j * P + probe] for B. Segments run outermost so one
  ;; probe's slice of every row stays in cache while all tiles use it.
  (func (export "cbar_sum") (param $A i32) (param $m i32) (param $B i32) (param $n i32) (param $ld i32)
        (param $segs i32) (param $nseg i32) (param $NA i32) (param $NB i32) (param $P i32) (param $C i32)
    (local $s i32) (local $at i32) (local $ba i32) (local $bb i32) (local $len i32) (local $pa i32) (local $pb i32)
    (local $i i32) (local $j i32) (local $m2 i32) (local $n4 i32) (local $ldb i32) (local $ldc i32) (local $pstride i32)
    (local.set $m2 (i32.and (local.get $m) (i32.const -2)))
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $ldb (i32.shl (local.get $ld) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $n) (i32.const 3)))
    (local.set $pstride (i32.shl (local.get $P) (i32.const 3)))
    (block $segsDone
      (loop $seg
        (br_if $segsDone (i32.ge_u (local.get $s) (local.get $nseg)))
        (local.set $at (i32.add (local.get $segs) (i32.mul (local.get $s) (i32.const 20))))
        (local.set $ba (i32.shl (i32.load (local.get $at)) (i32.const 2)))
        (local.set $bb (i32.shl (i32.load offset=4 (local.get $at)) (i32.const 2)))
        (local.set $len (i32.load offset=8 (local.get $at)))
        (local.set $pa (i32.shl (i32.load offset=12 (local.get $at)) (i32.const 3)))
        (local.set $pb (i32.shl (i32.load offset=16 (local.get $at)) (i32.const 3)))
        ;; Four columns of B at a time; for each, every pair of A rows, then an odd last row.
        (local.set $j (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $j) (local.get $n4)))
            (local.set $i (i32.const 0))
            (block $rowsDone
              (loop $rows
                (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $m2)))
                (call $tile2x4
                  (i32.add (local.get $A) (i32.add (i32.mul (local.get $i) (local.get $ldb)) (local.get $ba))) (local.get $ldb)
                  (i32.add (local.get $B) (i32.add (i32.mul (local.get $j) (local.get $ldb)) (local.get $bb))) (local.get $ldb)
                  (local.get $len)
                  (i32.add (local.get $C) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3))) (local.get $ldc)
                  (i32.add (local.get $NA) (i32.add (i32.mul (local.get $i) (local.get $pstride)) (local.get $pa))) (local.get $pstride)
                  (i32.add (local.get $NB) (i32.add (i32.mul (local.get $j) (local.get $pstride)) (local.get $pb))) (local.get $pstride))
                (local.set $i (i32.add (local.get $i) (i32.const 2)))
                (br $rows)))
            (if (i32.lt_u (local.get $m2) (local.get $m))
              (then
                (call $column4 (local.get $A) (local.get $m2) (local.get $B) (local.get $j) (local.get $n) (local.get $ldb) (local.get $ba) (local.get $bb)
                  (local.get $len) (local.get $pa) (local.get $pb) (local.get $NA) (local.get $NB) (local.get $pstride) (local.get $C))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $cols)))
        ;; The last n % 4 columns, one row at a time.
        (block $restDone
          (loop $rest
            (br_if $restDone (i32.ge_u (local.get $j) (local.get $n)))
            (local.set $i (i32.const 0))
            (block $rowsDone
              (loop $rows
                (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $m)))
                (call $one (local.get $A) (local.get $i) (local.get $B) (local.get $j) (local.get $n) (local.get $ldb) (local.get $ba) (local.get $bb)
                  (local.get $len) (local.get $pa) (local.get $pb) (local.get $NA) (local.get $NB) (local.get $pstride) (local.get $C))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $rows)))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $rest)))
        (local.set $s (i32.add (local.get $s) (i32.const 1)))
        (br $seg))))

  ;; Row i of A against columns j..j+3 of B, one at a time.
  (func $column4 (param $A i32) (param $i i32) (param $B i32) (param $j i32) (param $n i32) (param $ldb i32) (param $ba i32) (param $bb i32)
                 (param $len i32) (param $pa i32) (param $pb i32) (param $NA i32) (param $NB i32) (param $pstride i32) (param $C i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $j) (i32.const 4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $end)))
        (call $one (local.get $A) (local.get $i) (local.get $B) (local.get $j) (local.get $n) (local.get $ldb) (local.get $ba) (local.get $bb)
          (local.get $len) (local.get $pa) (local.get $pb) (local.get $NA) (local.get $NB) (local.get $pstride) (local.get $C))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br $next))))

  ;; Row i of A against row j of B over the current segment.
  (func $one (param $A i32) (param $i i32) (param $B i32) (param $j i32) (param $n i32) (param $ldb i32) (param $ba i32) (param $bb i32)
             (param $len i32) (param $pa i32) (param $pb i32) (param $NA i32) (param $NB i32) (param $pstride i32) (param $C i32)
    (call $tile1
      (i32.add (local.get $A) (i32.add (i32.mul (local.get $i) (local.get $ldb)) (local.get $ba)))
      (i32.add (local.get $B) (i32.add (i32.mul (local.get $j) (local.get $ldb)) (local.get $bb)))
      (local.get $len)
      (i32.add (local.get $C) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3)))
      (f64.load (i32.add (local.get $NA) (i32.add (i32.mul (local.get $i) (local.get $pstride)) (local.get $pa))))
      (f64.load (i32.add (local.get $NB) (i32.add (i32.mul (local.get $j) (local.get $pstride)) (local.get $pb)))))))
