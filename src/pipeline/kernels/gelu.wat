;; The polynomial parts of GPT-2's gelu_new = x · sigmoid(u), u = K (x + c x³), K = 2 sqrt(2/pi),
;; c = 0.044715 (model/gpt.ts; the sigmoid itself is tfjs's own kernel), each one pass instead of
;; a chain of tfjs ops and temporaries. `inner` performs the composed forward's float32 operations
;; in its order, so the forward is bit-identical to it.
;;   inner: u = (x + ((x · x) · x) · c) · K
;;   grad:  dx = dy · (s + x · s · (1 - s) · K · (1 + 3 c x²)),  s = sigmoid(u)
;; Built by `npm run kernels` (wabt) into gelu.wasm, which is committed; a test rebuilds it.
(module
  (import "env" "memory" (memory 1))

  (func (export "inner") (param $x i32) (param $u i32) (param $n i32) (param $K f32) (param $c f32)
    (local $k i32) (local $end i32) (local $v v128) (local $vK v128) (local $vc v128) (local $s f32)
    (local.set $vK (f32x4.splat (local.get $K)))
    (local.set $vc (f32x4.splat (local.get $c)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $v (v128.load (i32.add (local.get $x) (local.get $k))))
      (v128.store (i32.add (local.get $u) (local.get $k))
        (f32x4.mul (f32x4.add (local.get $v) (f32x4.mul (f32x4.mul (f32x4.mul (local.get $v) (local.get $v)) (local.get $v)) (local.get $vc))) (local.get $vK)))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $s (f32.load (i32.add (local.get $x) (local.get $k))))
      (f32.store (i32.add (local.get $u) (local.get $k))
        (f32.mul (f32.add (local.get $s) (f32.mul (f32.mul (f32.mul (local.get $s) (local.get $s)) (local.get $s)) (local.get $c))) (local.get $K)))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $next))))

  (func (export "grad") (param $dy i32) (param $x i32) (param $s i32) (param $dx i32) (param $n i32) (param $K f32) (param $c f32)
    (local $k i32) (local $end i32) (local $vx v128) (local $vs v128) (local $vK v128) (local $v3c v128) (local $one v128)
    (local $fx f32) (local $fs f32)
    (local.set $vK (f32x4.splat (local.get $K)))
    (local.set $v3c (f32x4.splat (f32.mul (f32.const 3) (local.get $c))))
    (local.set $one (f32x4.splat (f32.const 1)))
    (local.set $end (i32.shl (i32.and (local.get $n) (i32.const -4)) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $vx (v128.load (i32.add (local.get $x) (local.get $k))))
      (local.set $vs (v128.load (i32.add (local.get $s) (local.get $k))))
      (v128.store (i32.add (local.get $dx) (local.get $k))
        (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $k)))
          (f32x4.add (local.get $vs)
            (f32x4.mul
              (f32x4.mul (f32x4.mul (local.get $vx) (local.get $vs)) (f32x4.sub (local.get $one) (local.get $vs)))
              (f32x4.mul (local.get $vK) (f32x4.add (local.get $one) (f32x4.mul (local.get $v3c) (f32x4.mul (local.get $vx) (local.get $vx)))))))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $next)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $fx (f32.load (i32.add (local.get $x) (local.get $k))))
      (local.set $fs (f32.load (i32.add (local.get $s) (local.get $k))))
      (f32.store (i32.add (local.get $dx) (local.get $k))
        (f32.mul (f32.load (i32.add (local.get $dy) (local.get $k)))
          (f32.add (local.get $fs)
            (f32.mul
              (f32.mul (f32.mul (local.get $fx) (local.get $fs)) (f32.sub (f32.const 1) (local.get $fs)))
              (f32.mul (local.get $K) (f32.add (f32.const 1) (f32.mul (f32.mul (f32.const 3) (local.get $c)) (f32.mul (local.get $fx) (local.get $fx)))))))))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $next)))))
