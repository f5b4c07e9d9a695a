;; One Adam/AdamW step for one parameter tensor, in place, in a single pass: the dozen tfjs
;; elementwise ops of train/optimizer.ts (each a kernel dispatch and a temporary tensor) become
;; one call. It performs exactly their float32 operations in their order, with no FMA, so the
;; result is bit-identical to the op-by-op path:
;;   g' = g + p·l2 (only when l2 != 0: Adam's L2 decay)
;;   m  = m·b1 + g'·(1 - b1)            v = v·b2 + (g'·g')·(1 - b2)
;;   p  = p·decay - (m / (sqrt(v) / bc2 + eps))·stepSize    (decay = 1 - lr·wd for AdamW, else 1)
;; Built by `npm run kernels` (wabt) into adam.wasm, which is committed; a test rebuilds it.
(module
  (import "env" "memory" (memory 1))

  (func (export "adam") (param $p i32) (param $g i32) (param $m i32) (param $v i32) (param $n i32)
        (param $b1 f32) (param $c1 f32) (param $b2 f32) (param $c2 f32) (param $bc2 f32) (param $eps f32)
        (param $step f32) (param $decay f32) (param $l2 f32)
    (local $k i32) (local $end i32) (local $useL2 i32)
    (local $P v128) (local $G v128) (local $M v128) (local $V v128)
    (local $vb1 v128) (local $vc1 v128) (local $vb2 v128) (local $vc2 v128) (local $vbc2 v128) (local $veps v128)
    (local $vstep v128) (local $vdecay v128) (local $vl2 v128)
    (local $ps f32) (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $useL2 (f32.ne (local.get $l2) (f32.const 0)))
    (local.set $vb1 (f32x4.splat (local.get $b1)))
    (local.set $vc1 (f32x4.splat (local.get $c1)))
    (local.set $vb2 (f32x4.splat (local.get $b2)))
    (local.set $vc2 (f32x4.splat (local.get $c2)))
    (local.set $vbc2 (f32x4.splat (local.get $bc2)))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $vstep (f32x4.splat (local.get $step)))
    (local.set $vdecay (f32x4.splat (local.get $decay)))
    (local.set $vl2 (f32x4.splat (local.get $l2)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $P (v128.load (i32.add (local.get $p) (local.get $k))))
        (local.set $G (v128.load (i32.add (local.get $g) (local.get $k))))
        (if (local.get $useL2) (then (local.set $G (f32x4.add (local.get $G) (f32x4.mul (local.get $P) (local.get $vl2))))))
        (local.set $M (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $k))) (local.get $vb1))
          (f32x4.mul (local.get $G) (local.get $vc1))))
        (local.set $V (f32x4.add
          (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $k))) (local.get $vb2))
          (f32x4.mul (f32x4.mul (local.get $G) (local.get $G)) (local.get $vc2))))
        (v128.store (i32.add (local.get $m) (local.get $k)) (local.get $M))
        (v128.store (i32.add (local.get $v) (local.get $k)) (local.get $V))
        (v128.store (i32.add (local.get $p) (local.get $k))
          (f32x4.sub
            (f32x4.mul (local.get $P) (local.get $vdecay))
            (f32x4.mul
              (f32x4.div (local.get $M) (f32x4.add (f32x4.div (f32x4.sqrt (local.get $V)) (local.get $vbc2)) (local.get $veps)))
              (local.get $vstep))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $ps (f32.load (i32.add (local.get $p) (local.get $k))))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $k))))
        (if (local.get $useL2) (then (local.set $gs (f32.add (local.get $gs) (f32.mul (local.get $ps) (local.get $l2))))))
        (local.set $ms (f32.add
          (f32.mul (f32.load (i32.add (local.get $m) (local.get $k))) (local.get $b1))
          (f32.mul (local.get $gs) (local.get $c1))))
        (local.set $vs (f32.add
          (f32.mul (f32.load (i32.add (local.get $v) (local.get $k))) (local.get $b2))
          (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $c2))))
        (f32.store (i32.add (local.get $m) (local.get $k)) (local.get $ms))
        (f32.store (i32.add (local.get $v) (local.get $k)) (local.get $vs))
        (f32.store (i32.add (local.get $p) (local.get $k))
          (f32.sub
            (f32.mul (local.get $ps) (local.get $decay))
            (f32.mul
              (f32.div (local.get $ms) (f32.add (f32.div (f32.sqrt (local.get $vs)) (local.get $bc2)) (local.get $eps)))
              (local.get $step))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $next)))))
