;; Float32 matrix products for training on tfjs-backend-wasm 4.22, whose stock BatchMatMul runs
;; batched and transposed products (attention, every gradient) on a naive loop at about
;; 2 GFLOP/s and 2-D ones on an XNNPACK build without FMA (docs/kernels.md). The module
;; shares tfjs's own WebAssembly memory, so it reads and writes tensors in place. Batch b uses
;; A + b·m·k, B + b·n·k (or b·k·n) and C + b·m·n floats. Multiply-adds are relaxed-SIMD
;; f32x4.relaxed_madd: one FMA on CPUs that have it (every x86-64 since 2013, every arm64), so
;; results are bit-identical run to run and across such machines; a CPU without FMA would round
;; each product and so differ in the last bits. Sums run in a fixed order.
;; Built by `npm run kernels` (wabt) into matmul.wasm, which is committed; a test rebuilds it.
(module
  (import "env" "memory" (memory 1))

  ;; C[i][j] = sum_p a(i, p) · b(j, p) one element at a time, for the rows and columns the tiles
  ;; leave over; a(i, p) = A[i·sai + p·sap] and b(j, p) = B[j·sbj + p·sbp] (strides in bytes).
  (func $scalar (param $A i32) (param $sai i32) (param $sap i32) (param $B i32) (param $sbj i32) (param $sbp i32)
                (param $C i32) (param $n i32) (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32) (param $k i32)
    (local $i i32) (local $j i32) (local $p i32) (local $acc f32)
    (local.set $i (local.get $i0))
    (block $iDone
      (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $i1)))
        (local.set $j (local.get $j0))
        (block $jDone
          (loop $jLoop
            (br_if $jDone (i32.ge_u (local.get $j) (local.get $j1)))
            (local.set $acc (f32.const 0))
            (local.set $p (i32.const 0))
            (block $pDone
              (loop $pLoop
                (br_if $pDone (i32.ge_u (local.get $p) (local.get $k)))
                (local.set $acc (f32.add (local.get $acc) (f32.mul
                  (f32.load (i32.add (local.get $A) (i32.add (i32.mul (local.get $i) (local.get $sai)) (i32.mul (local.get $p) (local.get $sap)))))
                  (f32.load (i32.add (local.get $B) (i32.add (i32.mul (local.get $j) (local.get $sbj)) (i32.mul (local.get $p) (local.get $sbp))))))))
                (local.set $p (i32.add (local.get $p) (i32.const 1)))
                (br $pLoop)))
            (f32.store (i32.add (local.get $C) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 2))) (local.get $acc))
            (local.set $j (i32.add (local.get $j) (i32.const 1)))
            (br $jLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $iLoop))))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Dot-product form, two rows of A (a0, a1) by four rows of B (b, b + ldb, ...) over k values:
  ;; four lanes while four remain, then one at a time. Writes C at c0 (four floats) and c1; for
  ;; an odd last row the caller passes a1 = a0, c1 = c0.
  (func $ntTile (param $a0 i32) (param $a1 i32) (param $b0 i32) (param $ldb i32) (param $k i32) (param $c0 i32) (param $c1 i32)
    (local $p i32) (local $k4 i32) (local $kb i32) (local $b1 i32) (local $b2 i32) (local $b3 i32) (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128)
    (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128)
    (local.set $b1 (i32.add (local.get $b0) (local.get $ldb)))
    (local.set $b2 (i32.add (local.get $b1) (local.get $ldb)))
    (local.set $b3 (i32.add (local.get $b2) (local.get $ldb)))
    (local.set $k4 (i32.shl (i32.and (local.get $k) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $k4)))
        (local.set $x0 (v128.load (i32.add (local.get $a0) (local.get $p))))
        (local.set $x1 (v128.load (i32.add (local.get $a1) (local.get $p))))
        (local.set $y (v128.load (i32.add (local.get $b0) (local.get $p))))
        (local.set $s00 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s00)))
        (local.set $s10 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s10)))
        (local.set $y (v128.load (i32.add (local.get $b1) (local.get $p))))
        (local.set $s01 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s01)))
        (local.set $s11 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s11)))
        (local.set $y (v128.load (i32.add (local.get $b2) (local.get $p))))
        (local.set $s02 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s02)))
        (local.set $s12 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s12)))
        (local.set $y (v128.load (i32.add (local.get $b3) (local.get $p))))
        (local.set $s03 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s03)))
        (local.set $s13 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s13)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $next)))
    ;; The last k % 4 values go into lane 0, one at a time, so the tail needs no extra locals.
    (local.set $kb (i32.shl (local.get $k) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $kb)))
        (local.set $x0 (v128.load32_zero (i32.add (local.get $a0) (local.get $p))))
        (local.set $x1 (v128.load32_zero (i32.add (local.get $a1) (local.get $p))))
        (local.set $y (v128.load32_zero (i32.add (local.get $b0) (local.get $p))))
        (local.set $s00 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s00)))
        (local.set $s10 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s10)))
        (local.set $y (v128.load32_zero (i32.add (local.get $b1) (local.get $p))))
        (local.set $s01 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s01)))
        (local.set $s11 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s11)))
        (local.set $y (v128.load32_zero (i32.add (local.get $b2) (local.get $p))))
        (local.set $s02 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s02)))
        (local.set $s12 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s12)))
        (local.set $y (v128.load32_zero (i32.add (local.get $b3) (local.get $p))))
        (local.set $s03 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s03)))
        (local.set $s13 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s13)))
        (local.set $p (i32.add (local.get $p) (i32.const 4)))
        (br $next)))
    (f32.store offset=0 (local.get $c1) (call $hsum (local.get $s10)))
    (f32.store offset=4 (local.get $c1) (call $hsum (local.get $s11)))
    (f32.store offset=8 (local.get $c1) (call $hsum (local.get $s12)))
    (f32.store offset=12 (local.get $c1) (call $hsum (local.get $s13)))
    (f32.store offset=0 (local.get $c0) (call $hsum (local.get $s00)))
    (f32.store offset=4 (local.get $c0) (call $hsum (local.get $s01)))
    (f32.store offset=8 (local.get $c0) (call $hsum (local.get $s02)))
    (f32.store offset=12 (local.get $c0) (call $hsum (local.get $s03))))

  ;; C_b = A_b · B_bᵀ: A_b is [m, k], B_b is [n, k], both row-major (q·kᵀ, and dP = dZ·vᵀ).
  (func (export "matmul_nt") (param $A i32) (param $B i32) (param $C i32) (param $batch i32) (param $m i32) (param $n i32) (param $k i32)
    (local $b i32) (local $i i32) (local $j i32) (local $i2 i32) (local $n4 i32) (local $ld i32) (local $ldc i32)
    (local.set $n4 (i32.and (local.get $n) (i32.const -4)))
    (local.set $ld (i32.shl (local.get $k) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $n) (i32.const 2)))
    (block $batchDone
      (loop $batchLoop
        (br_if $batchDone (i32.ge_u (local.get $b) (local.get $batch)))
        (local.set $i (i32.const 0))
        (block $iDone
          (loop $iLoop
            (br_if $iDone (i32.ge_u (local.get $i) (local.get $m)))
            ;; The second row of the pair, or the first again when m is odd.
            (local.set $i2 (select (i32.add (local.get $i) (i32.const 1)) (local.get $i)
              (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $m))))
            (local.set $j (i32.const 0))
            (block $jDone
              (loop $jLoop
                (br_if $jDone (i32.ge_u (local.get $j) (local.get $n4)))
                (call $ntTile
                  (i32.add (local.get $A) (i32.mul (local.get $i) (local.get $ld)))
                  (i32.add (local.get $A) (i32.mul (local.get $i2) (local.get $ld)))
                  (i32.add (local.get $B) (i32.mul (local.get $j) (local.get $ld))) (local.get $ld) (local.get $k)
                  (i32.add (local.get $C) (i32.add (i32.mul (local.get $i) (local.get $ldc)) (i32.shl (local.get $j) (i32.const 2))))
                  (i32.add (local.get $C) (i32.add (i32.mul (local.get $i2) (local.get $ldc)) (i32.shl (local.get $j) (i32.const 2)))))
                (local.set $j (i32.add (local.get $j) (i32.const 4)))
                (br $jLoop)))
            (local.set $i (i32.add (local.get $i) (i32.const 2)))
            (br $iLoop)))
        (call $scalar (local.get $A) (local.get $ld) (i32.const 4) (local.get $B) (local.get $ld) (i32.const 4)
          (local.get $C) (local.get $n) (i32.const 0) (local.get $m) (local.get $n4) (local.get $n) (local.get $k))
        (local.set $A (i32.add (local.get $A) (i32.mul (local.get $m) (local.get $ld))))
        (local.set $B (i32.add (local.get $B) (i32.mul (local.get $n) (local.get $ld))))
        (local.set $C (i32.add (local.get $C) (i32.mul (local.get $m) (local.get $ldc))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $batchLoop))))

  ;; Broadcast form, two rows of A by sixteen columns of B: each step splats a(i, p) and
  ;; multiplies row p of B. a0/a1 step by $sap bytes, B rows by $ldb; writes c0 and c1, adding to
  ;; what they hold when $acc is set (the second and later blocks of k).
  (func $nnTile (param $a0 i32) (param $a1 i32) (param $sap i32) (param $b i32) (param $ldb i32) (param $k i32) (param $c0 i32) (param $c1 i32) (param $acc i32)
    (local $p i32) (local $x0 v128) (local $x1 v128) (local $y v128)
    (local $s00 v128) (local $s01 v128) (local $s02 v128) (local $s03 v128)
    (local $s10 v128) (local $s11 v128) (local $s12 v128) (local $s13 v128)
    (if (local.get $acc)
      (then
        (local.set $s00 (v128.load offset=0 (local.get $c0)))
        (local.set $s01 (v128.load offset=16 (local.get $c0)))
        (local.set $s02 (v128.load offset=32 (local.get $c0)))
        (local.set $s03 (v128.load offset=48 (local.get $c0)))
        (local.set $s10 (v128.load offset=0 (local.get $c1)))
        (local.set $s11 (v128.load offset=16 (local.get $c1)))
        (local.set $s12 (v128.load offset=32 (local.get $c1)))
        (local.set $s13 (v128.load offset=48 (local.get $c1)))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $k)))
        (local.set $x0 (v128.load32_splat (local.get $a0)))
        (local.set $x1 (v128.load32_splat (local.get $a1)))
        (local.set $y (v128.load offset=0 (local.get $b)))
        (local.set $s00 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s00)))
        (local.set $s10 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s10)))
        (local.set $y (v128.load offset=16 (local.get $b)))
        (local.set $s01 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s01)))
        (local.set $s11 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s11)))
        (local.set $y (v128.load offset=32 (local.get $b)))
        (local.set $s02 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s02)))
        (local.set $s12 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s12)))
        (local.set $y (v128.load offset=48 (local.get $b)))
        (local.set $s03 (f32x4.relaxed_madd (local.get $x0) (local.get $y) (local.get $s03)))
        (local.set $s13 (f32x4.relaxed_madd (local.get $x1) (local.get $y) (local.get $s13)))
        (local.set $a0 (i32.add (local.get $a0) (local.get $sap)))
        (local.set $a1 (i32.add (local.get $a1) (local.get $sap)))
        (local.set $b (i32.add (local.get $b) (local.get $ldb)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $next)))
    (v128.store offset=0 (local.get $c1) (local.get $s10))
    (v128.store offset=16 (local.get $c1) (local.get $s11))
    (v128.store offset=32 (local.get $c1) (local.get $s12))
    (v128.store offset=48 (local.get $c1) (local.get $s13))
    (v128.store offset=0 (local.get $c0) (local.get $s00))
    (v128.store offset=16 (local.get $c0) (local.get $s01))
    (v128.store offset=32 (local.get $c0) (local.get $s02))
    (v128.store offset=48 (local.get $c0) (local.get $s03)))

  ;; The broadcast form packs, per block of 128 values of k, the sixteen-column slices of B it
  ;; multiplies (and, with $transA, op(A)'s pairs of rows) into contiguous scratch memory where
  ;; that pays (see matmul_nn). Read in place, a slice of B is 128 rows a row length apart: at
  ;; 512 B or more that maps them onto a few of L1's 64 sets (more rows than ways, so they evict
  ;; each other), and at 4 KB (n = 1024) onto 128 pages; Aᵀ's pairs are the same with m for n.
  ;; Packing copies values and leaves the arithmetic as it was. Scratch layout: B's slices first
  ;; (slice s, row p at 64·(s·kb + p)), then op(A)'s pairs (pair q, value p at 8·(q·kb + p)).

  ;; Bytes of scratch matmul_nn needs at $work for these sizes (and 64 to start it on a cache line).
  (func (export "matmul_nn_work") (param $m i32) (param $n i32) (result i32)
    (i32.add (i32.shl (i32.add (local.get $n) (i32.add (local.get $m) (i32.const 1))) (i32.const 9)) (i32.const 64)))

  ;; Rows 0..kb of B (a row length ldb bytes apart), columns 0..n16, into slices of sixteen columns.
  (func $packB (param $B i32) (param $ldb i32) (param $kb i32) (param $n16 i32) (param $W i32)
    (local $p i32) (local $s i32) (local $src i32) (local $dst i32) (local $step i32) (local $end i32)
    (local.set $step (i32.shl (local.get $kb) (i32.const 6)))
    (block $pDone
      (loop $pLoop
        (br_if $pDone (i32.ge_u (local.get $p) (local.get $kb)))
        (local.set $src (i32.add (local.get $B) (i32.mul (local.get $p) (local.get $ldb))))
        (local.set $end (i32.add (local.get $src) (i32.shl (local.get $n16) (i32.const 2))))
        (local.set $dst (i32.add (local.get $W) (i32.shl (local.get $p) (i32.const 6))))
        (block $sDone
          (loop $sLoop
            (br_if $sDone (i32.ge_u (local.get $src) (local.get $end)))
            (v128.store offset=0 (local.get $dst) (v128.load offset=0 (local.get $src)))
            (v128.store offset=16 (local.get $dst) (v128.load offset=16 (local.get $src)))
            (v128.store offset=32 (local.get $dst) (v128.load offset=32 (local.get $src)))
            (v128.store offset=48 (local.get $dst) (v128.load offset=48 (local.get $src)))
            (local.set $src (i32.add (local.get $src) (i32.const 64)))
            (local.set $dst (i32.add (local.get $dst) (local.get $step)))
            (br $sLoop)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $pLoop))))

  ;; Rows 0..kb of A stored [k, m] (a row length lda bytes apart) as pairs of op(A)'s rows
  ;; (2q, 2q + 1); for odd m the last pair holds row m - 1 twice. Sixteen rows of op(A) (one
  ;; cache line of a row of A) at a time, so each line of A is read once and eight pairs fill.
  (func $packAT (param $A i32) (param $lda i32) (param $kb i32) (param $m i32) (param $W i32)
    (local $p i32) (local $i i32) (local $src i32) (local $dst i32) (local $step i32) (local $m16 i32) (local $x v128) (local $y f32)
    (local.set $step (i32.shl (local.get $kb) (i32.const 3)))
    (local.set $m16 (i32.and (local.get $m) (i32.const -16)))
    (block $iDone
      (loop $iLoop
        (br_if $iDone (i32.ge_u (local.get $i) (local.get $m16)))
        (local.set $src (i32.add (local.get $A) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $dst (i32.add (local.get $W) (i32.mul (i32.shr_u (local.get $i) (i32.const 1)) (local.get $step))))
        (local.set $p (i32.const 0))
        (block $pDone
          (loop $pLoop
            (br_if $pDone (i32.ge_u (local.get $p) (local.get $kb)))
            (local.set $x (v128.load offset=0 (local.get $src)))
            (v128.store64_lane 0 (local.get $dst) (local.get $x))
            (v128.store64_lane 1 (i32.add (local.get $dst) (local.get $step)) (local.get $x))
            (local.set $x (v128.load offset=16 (local.get $src)))
            (v128.store64_lane 0 (i32.add (local.get $dst) (i32.shl (local.get $step) (i32.const 1))) (local.get $x))
            (v128.store64_lane 1 (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 3))) (local.get $x))
            (local.set $x (v128.load offset=32 (local.get $src)))
            (v128.store64_lane 0 (i32.add (local.get $dst) (i32.shl (local.get $step) (i32.const 2))) (local.get $x))
            (v128.store64_lane 1 (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 5))) (local.get $x))
            (local.set $x (v128.load offset=48 (local.get $src)))
            (v128.store64_lane 0 (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 6))) (local.get $x))
            (v128.store64_lane 1 (i32.add (local.get $dst) (i32.mul (local.get $step) (i32.const 7))) (local.get $x))
            (local.set $src (i32.add (local.get $src) (local.get $lda)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $pLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $iLoop)))
    ;; The last m % 16 rows a pair at a time, then an odd last row twice.
    (block $iDone
      (loop $iLoop
        (br_if $iDone (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $m)))
        (local.set $src (i32.add (local.get $A) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $dst (i32.add (local.get $W) (i32.mul (i32.shr_u (local.get $i) (i32.const 1)) (local.get $step))))
        (local.set $p (i32.const 0))
        (block $pDone
          (loop $pLoop
            (br_if $pDone (i32.ge_u (local.get $p) (local.get $kb)))
            (i64.store (local.get $dst) (i64.load (local.get $src)))
            (local.set $src (i32.add (local.get $src) (local.get $lda)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $pLoop)))
        (local.set $i (i32.add (local.get $i) (i32.const 2)))
        (br $iLoop)))
    (if (i32.lt_u (local.get $i) (local.get $m))
      (then
        (local.set $src (i32.add (local.get $A) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $dst (i32.add (local.get $W) (i32.mul (i32.shr_u (local.get $i) (i32.const 1)) (local.get $step))))
        (local.set $p (i32.const 0))
        (block $pDone
          (loop $pLoop
            (br_if $pDone (i32.ge_u (local.get $p) (local.get $kb)))
            (local.set $y (f32.load (local.get $src)))
            (f32.store offset=0 (local.get $dst) (local.get $y))
            (f32.store offset=4 (local.get $dst) (local.get $y))
            (local.set $src (i32.add (local.get $src) (local.get $lda)))
            (local.set $dst (i32.add (local.get $dst) (i32.const 8)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (br $pLoop))))))

  ;; C_b = op(A_b) · B_b with B_b [k, n] row-major; op(A) = A ([m, k]) or, with $transA, Aᵀ
  ;; (A_b stored [k, m]): x·W, xᵀ·dy, pattern·v, dQ = dS·k, and dV = Pᵀ·dZ, dK = dSᵀ·q. $work
  ;; is matmul_nn_work(m, n) bytes of scratch.
  (func (export "matmul_nn") (param $A i32) (param $B i32) (param $C i32) (param $batch i32) (param $m i32) (param $n i32) (param $k i32) (param $transA i32) (param $work i32)
    (local $b i32) (local $i i32) (local $j i32) (local $i2 i32) (local $n16 i32) (local $sai i32) (local $sap i32) (local $ldb i32) (local $ldc i32) (local $p0 i32) (local $kb i32)
    (local $wa i32) (local $bs i32) (local $bstep i32) (local $ldbt i32) (local $a0 i32) (local $a1 i32) (local $as i32) (local $packA i32) (local $packB i32)
    (local.set $n16 (i32.and (local.get $n) (i32.const -16)))
    (local.set $sai (select (i32.const 4) (i32.shl (local.get $k) (i32.const 2)) (local.get $transA)))
    (local.set $sap (select (i32.shl (local.get $m) (i32.const 2)) (i32.const 4) (local.get $transA)))
    (local.set $ldb (i32.shl (local.get $n) (i32.const 2)))
    (local.set $ldc (i32.shl (local.get $n) (i32.const 2)))
    (local.set $work (i32.and (i32.add (local.get $work) (i32.const 63)) (i32.const -64)))
    (local.set $wa (i32.add (local.get $work) (i32.shl (local.get $n16) (i32.const 9))))
    ;; Packing pays where a stride is 512 B or more (below, the rows spread over enough sets) and
    ;; what is packed is reused enough: B's slices by at least 64 pairs of rows, Aᵀ's pairs (then
    ;; m·4 bytes apart, 512 or more) by B's eight slices or more. With less (the column sums
    ;; ones·dy, and xᵀ·dy at d_model 32 and 64), copying cost more than it saved.
    (local.set $packB (i32.and (i32.ge_u (local.get $m) (i32.const 128)) (i32.ge_u (local.get $ldb) (i32.const 512))))
    (local.set $packA (i32.and (local.get $packB) (local.get $transA)))
    ;; Packed pairs step 8 bytes per value of k; unpacked rows of A, $sap.
    (local.set $as (select (i32.const 8) (local.get $sap) (local.get $packA)))
    (block $batchDone
      (loop $batchLoop
        (br_if $batchDone (i32.ge_u (local.get $b) (local.get $batch)))
        ;; k in blocks of 128, so that a block's packed slices stay in cache while every tile uses
        ;; them; tiles add each block to the sums of the ones before.
        (local.set $p0 (i32.const 0))
        (block $pDone
          (loop $pLoop
            (br_if $pDone (i32.ge_u (local.get $p0) (local.get $k)))
            (local.set $kb (select (i32.sub (local.get $k) (local.get $p0)) (i32.const 128)
              (i32.lt_u (i32.sub (local.get $k) (local.get $p0)) (i32.const 128))))
            (if (local.get $packB)
              (then
                (call $packB (i32.add (local.get $B) (i32.mul (local.get $p0) (local.get $ldb))) (local.get $ldb) (local.get $kb) (local.get $n16) (local.get $work))
                (local.set $bs (local.get $work))
                (local.set $bstep (i32.shl (local.get $kb) (i32.const 6)))
                (local.set $ldbt (i32.const 64)))
              (else
                (local.set $bs (i32.add (local.get $B) (i32.mul (local.get $p0) (local.get $ldb))))
                (local.set $bstep (i32.const 64))
                (local.set $ldbt (local.get $ldb))))
            (if (local.get $packA)
              (then (call $packAT (i32.add (local.get $A) (i32.mul (local.get $p0) (local.get $sap))) (local.get $sap) (local.get $kb) (local.get $m) (local.get $wa))))
            ;; Columns outermost: a packed 16-column slice (8 KB) stays in L1 while every pair of
            ;; rows of A streams past it.
            (local.set $j (i32.const 0))
            (block $jDone
              (loop $jLoop
                (br_if $jDone (i32.ge_u (local.get $j) (local.get $n16)))
                (local.set $i (i32.const 0))
                (block $iDone
                  (loop $iLoop
                    (br_if $iDone (i32.ge_u (local.get $i) (local.get $m)))
                    (local.set $i2 (select (i32.add (local.get $i) (i32.const 1)) (local.get $i)
                      (i32.lt_u (i32.add (local.get $i) (i32.const 1)) (local.get $m))))
                    (if (local.get $packA)
                      (then
                        (local.set $a0 (i32.add (local.get $wa) (i32.mul (i32.shr_u (local.get $i) (i32.const 1)) (i32.shl (local.get $kb) (i32.const 3)))))
                        (local.set $a1 (i32.add (local.get $a0) (i32.const 4))))
                      (else
                        (local.set $a0 (i32.add (local.get $A) (i32.add (i32.mul (local.get $i) (local.get $sai)) (i32.mul (local.get $p0) (local.get $sap)))))
                        (local.set $a1 (i32.add (local.get $A) (i32.add (i32.mul (local.get $i2) (local.get $sai)) (i32.mul (local.get $p0) (local.get $sap)))))))
                    (call $nnTile (local.get $a0) (local.get $a1) (local.get $as) (local.get $bs) (local.get $ldbt) (local.get $kb)
                      (i32.add (local.get $C) (i32.add (i32.mul (local.get $i) (local.get $ldc)) (i32.shl (local.get $j) (i32.const 2))))
                      (i32.add (local.get $C) (i32.add (i32.mul (local.get $i2) (local.get $ldc)) (i32.shl (local.get $j) (i32.const 2))))
                      (local.get $p0))
                    (local.set $i (i32.add (local.get $i) (i32.const 2)))
                    (br $iLoop)))
                (local.set $bs (i32.add (local.get $bs) (local.get $bstep)))
                (local.set $j (i32.add (local.get $j) (i32.const 16)))
                (br $jLoop)))
            (local.set $p0 (i32.add (local.get $p0) (i32.const 128)))
            (br $pLoop)))
        (call $scalar (local.get $A) (local.get $sai) (local.get $sap) (local.get $B) (i32.const 4) (local.get $ldb)
          (local.get $C) (local.get $n) (i32.const 0) (local.get $m) (local.get $n16) (local.get $n) (local.get $k))
        (local.set $A (i32.add (local.get $A) (i32.shl (i32.mul (local.get $m) (local.get $k)) (i32.const 2))))
        (local.set $B (i32.add (local.get $B) (i32.mul (local.get $k) (local.get $ldb))))
        (local.set $C (i32.add (local.get $C) (i32.mul (local.get $m) (local.get $ldc))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $batchLoop)))))
