;; LayerNorm over the last axis of x [N, D] (D a multiple of 4), forward and backward, each one
;; pass over the rows instead of the ~10 tfjs ops (and their temporaries) of model/gpt.ts's
;; composed version. Same formulas, float32, fixed order: biased variance, eps inside the root.
;;   forward:  mean, rstd = 1 / sqrt(var + eps), y = (x - mean) · rstd · g + b
;;   backward: xhat = (x - mean) · rstd, dxhat = dy · g,
;;             dx = rstd · (dxhat - mean(dxhat) - xhat · mean(dxhat · xhat)),
;;             dg = sum over rows of dy · xhat, db = sum over rows of dy
;; Built by `npm run kernels` (wabt) into layernorm.wasm, which is committed; a test rebuilds it.
(module
  (import "env" "memory" (memory 1))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Writes y [N, D], mean [N] and rstd [N].
  (func (export "forward") (param $x i32) (param $g i32) (param $b i32) (param $y i32) (param $mean i32) (param $rstd i32)
        (param $n i32) (param $d i32) (param $eps f32)
    (local $row i32) (local $k i32) (local $end i32) (local $acc v128) (local $c v128) (local $m f32) (local $r f32)
    (local $vm v128) (local $vr v128) (local $invD f32)
    (local.set $end (i32.shl (local.get $d) (i32.const 2)))
    (local.set $invD (f32.div (f32.const 1) (f32.convert_i32_u (local.get $d))))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $n)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
          (local.set $acc (f32x4.add (local.get $acc) (v128.load (i32.add (local.get $x) (local.get $k)))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br $next)))
        (local.set $m (f32.mul (call $hsum (local.get $acc)) (local.get $invD)))
        (local.set $vm (f32x4.splat (local.get $m)))
        (local.set $acc (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
          (local.set $c (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $k))) (local.get $vm)))
          (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $c) (local.get $c))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br $next)))
        (local.set $r (f32.div (f32.const 1)
          (f32.sqrt (f32.add (f32.mul (call $hsum (local.get $acc)) (local.get $invD)) (local.get $eps)))))
        (local.set $vr (f32x4.splat (local.get $r)))
        (local.set $k (i32.const 0))
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
          (v128.store (i32.add (local.get $y) (local.get $k))
            (f32x4.add
              (f32x4.mul
                (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $k))) (local.get $vm)) (local.get $vr))
                (v128.load (i32.add (local.get $g) (local.get $k))))
              (v128.load (i32.add (local.get $b) (local.get $k)))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br $next)))
        (f32.store (i32.add (local.get $mean) (i32.shl (local.get $row) (i32.const 2))) (local.get $m))
        (f32.store (i32.add (local.get $rstd) (i32.shl (local.get $row) (i32.const 2))) (local.get $r))
        (local.set $x (i32.add (local.get $x) (local.get $end)))
        (local.set $y (i32.add (local.get $y) (local.get $end)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows))))

  ;; Writes dx [N, D], dg [D] and db [D] from dy, x, g and the forward's mean and rstd.
  (func (export "backward") (param $dy i32) (param $x i32) (param $g i32) (param $mean i32) (param $rstd i32)
        (param $dx i32) (param $dg i32) (param $db i32) (param $n i32) (param $d i32)
    (local $row i32) (local $k i32) (local $end i32) (local $invD f32)
    (local $vm v128) (local $vr v128) (local $xhat v128) (local $dxhat v128) (local $dyk v128)
    (local $sa v128) (local $sc v128) (local $va v128) (local $vc v128)
    (local.set $end (i32.shl (local.get $d) (i32.const 2)))
    (local.set $invD (f32.div (f32.const 1) (f32.convert_i32_u (local.get $d))))
    (memory.fill (local.get $dg) (i32.const 0) (local.get $end))
    (memory.fill (local.get $db) (i32.const 0) (local.get $end))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $row) (local.get $n)))
        (local.set $vm (v128.load32_splat (i32.add (local.get $mean) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $vr (v128.load32_splat (i32.add (local.get $rstd) (i32.shl (local.get $row) (i32.const 2)))))
        (local.set $sa (v128.const i32x4 0 0 0 0))
        (local.set $sc (v128.const i32x4 0 0 0 0))
        (local.set $k (i32.const 0))
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
          (local.set $xhat (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $k))) (local.get $vm)) (local.get $vr)))
          (local.set $dxhat (f32x4.mul (v128.load (i32.add (local.get $dy) (local.get $k))) (v128.load (i32.add (local.get $g) (local.get $k)))))
          (local.set $sa (f32x4.add (local.get $sa) (local.get $dxhat)))
          (local.set $sc (f32x4.add (local.get $sc) (f32x4.mul (local.get $dxhat) (local.get $xhat))))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br $next)))
        (local.set $va (f32x4.splat (f32.mul (call $hsum (local.get $sa)) (local.get $invD))))
        (local.set $vc (f32x4.splat (f32.mul (call $hsum (local.get $sc)) (local.get $invD))))
        (local.set $k (i32.const 0))
        (block $done (loop $next
          (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
          (local.set $xhat (f32x4.mul (f32x4.sub (v128.load (i32.add (local.get $x) (local.get $k))) (local.get $vm)) (local.get $vr)))
          (local.set $dyk (v128.load (i32.add (local.get $dy) (local.get $k))))
          (local.set $dxhat (f32x4.mul (local.get $dyk) (v128.load (i32.add (local.get $g) (local.get $k)))))
          (v128.store (i32.add (local.get $dx) (local.get $k))
            (f32x4.mul (local.get $vr)
              (f32x4.sub (f32x4.sub (local.get $dxhat) (local.get $va)) (f32x4.mul (local.get $xhat) (local.get $vc)))))
          (v128.store (i32.add (local.get $dg) (local.get $k))
            (f32x4.add (v128.load (i32.add (local.get $dg) (local.get $k))) (f32x4.mul (local.get $dyk) (local.get $xhat))))
          (v128.store (i32.add (local.get $db) (local.get $k))
            (f32x4.add (v128.load (i32.add (local.get $db) (local.get $k))) (local.get $dyk)))
          (local.set $k (i32.add (local.get $k) (i32.const 16)))
          (br $next)))
        (local.set $x (i32.add (local.get $x) (local.get $end)))
        (local.set $dy (i32.add (local.get $dy) (local.get $end)))
        (local.set $dx (i32.add (local.get $dx) (local.get $end)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows))))
)
