;; The ceiling for Refit's kernels (`bench:train --kernels`): independent chains of 128-bit
;; relaxed-SIMD multiply-adds, s = s·x + y, with nothing else in the loop. One chain waits for
;; its FMA's latency; enough chains keep every FMA unit busy, so the best of these is the peak
;; a WebAssembly kernel can reach on this CPU (8 flops per f32x4 FMA). Returns a sum so that no
;; chain is dead code.
(module
  (func (export "chains8") (param $n i32) (result f32)
    (local $x v128) (local $y v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $s4 v128) (local $s5 v128) (local $s6 v128) (local $s7 v128)
    (local.set $x (f32x4.splat (f32.const 0.5)))
    (local.set $y (f32x4.splat (f32.const 0.25)))
    (loop $next
      (local.set $s0 (f32x4.relaxed_madd (local.get $s0) (local.get $x) (local.get $y)))
      (local.set $s1 (f32x4.relaxed_madd (local.get $s1) (local.get $x) (local.get $y)))
      (local.set $s2 (f32x4.relaxed_madd (local.get $s2) (local.get $x) (local.get $y)))
      (local.set $s3 (f32x4.relaxed_madd (local.get $s3) (local.get $x) (local.get $y)))
      (local.set $s4 (f32x4.relaxed_madd (local.get $s4) (local.get $x) (local.get $y)))
      (local.set $s5 (f32x4.relaxed_madd (local.get $s5) (local.get $x) (local.get $y)))
      (local.set $s6 (f32x4.relaxed_madd (local.get $s6) (local.get $x) (local.get $y)))
      (local.set $s7 (f32x4.relaxed_madd (local.get $s7) (local.get $x) (local.get $y)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f32x4.extract_lane 0 (f32x4.add
      (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (f32x4.add (local.get $s2) (local.get $s3)))
      (f32x4.add (f32x4.add (local.get $s4) (local.get $s5)) (f32x4.add (local.get $s6) (local.get $s7))))))

  (func (export "chains12") (param $n i32) (result f32)
    (local $x v128) (local $y v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $s4 v128) (local $s5 v128)
    (local $s6 v128) (local $s7 v128) (local $s8 v128) (local $s9 v128) (local $s10 v128) (local $s11 v128)
    (local.set $x (f32x4.splat (f32.const 0.5)))
    (local.set $y (f32x4.splat (f32.const 0.25)))
    (loop $next
      (local.set $s0 (f32x4.relaxed_madd (local.get $s0) (local.get $x) (local.get $y)))
      (local.set $s1 (f32x4.relaxed_madd (local.get $s1) (local.get $x) (local.get $y)))
      (local.set $s2 (f32x4.relaxed_madd (local.get $s2) (local.get $x) (local.get $y)))
      (local.set $s3 (f32x4.relaxed_madd (local.get $s3) (local.get $x) (local.get $y)))
      (local.set $s4 (f32x4.relaxed_madd (local.get $s4) (local.get $x) (local.get $y)))
      (local.set $s5 (f32x4.relaxed_madd (local.get $s5) (local.get $x) (local.get $y)))
      (local.set $s6 (f32x4.relaxed_madd (local.get $s6) (local.get $x) (local.get $y)))
      (local.set $s7 (f32x4.relaxed_madd (local.get $s7) (local.get $x) (local.get $y)))
      (local.set $s8 (f32x4.relaxed_madd (local.get $s8) (local.get $x) (local.get $y)))
      (local.set $s9 (f32x4.relaxed_madd (local.get $s9) (local.get $x) (local.get $y)))
      (local.set $s10 (f32x4.relaxed_madd (local.get $s10) (local.get $x) (local.get $y)))
      (local.set $s11 (f32x4.relaxed_madd (local.get $s11) (local.get $x) (local.get $y)))
      (br_if $next (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (f32x4.extract_lane 0 (f32x4.add
      (f32x4.add
        (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (f32x4.add (local.get $s2) (local.get $s3)))
        (f32x4.add (f32x4.add (local.get $s4) (local.get $s5)) (f32x4.add (local.get $s6) (local.get $s7))))
      (f32x4.add (f32x4.add (local.get $s8) (local.get $s9)) (f32x4.add (local.get $s10) (local.get $s11)))))))
