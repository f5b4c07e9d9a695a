;; Softmax kernels with exp computed here (tfjs-backend-wasm's Exp is scalar, ~10 ns a value):
;; attention's causal softmax, with the 1/sqrt(dh) scale and the causal mask folded in (no mask
;; tensor, no scaled copy), and the softmax half of the cross-entropy loss; each with its gradient.
;; exp follows Cephes' expf: x = n ln2 + r (ln2 split in two for exactness), a degree-7 polynomial
;; for e^r, then 2^n through the exponent bits; under -87.3 it returns exactly 0, as masked
;; positions need. Float32 throughout, fixed order; error against float64 exp about 1e-7 relative.
;; Maxima use pmax/pmin (one SSE instruction each): wasm's max/min also order NaN and -0, which
;; costs several instructions and is not needed here.
;;   causal_softmax:      y[i][j] = exp(s x[i][j] - m_i) / sum_{j' <= i} ..., for j <= i; 0 for j > i
;;   causal_softmax_grad: dx[i][j] = s y[i][j] (dy[i][j] - sum_{j' <= i} y[i][j'] dy[i][j'])
;;   softmax_rows:        p = softmax(x) per row, with each row's max m, sum of exp s and x[target]
;;   cross_entropy_grad:  dx = (p - onehot(target)) · dLoss / N
;; Built by `npm run kernels` (wabt) into softmax.wasm, which is committed; a test rebuilds it.
(module
  (import "env" "memory" (memory 1))

  (func $exp4 (param $x v128) (result v128)
    (local $t v128) (local $n v128) (local $r v128) (local $p v128) (local $under v128)
    (local.set $under (f32x4.lt (local.get $x) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)))
    (local.set $x (f32x4.pmin (f32x4.pmax (local.get $x) (v128.const f32x4 -87.3 -87.3 -87.3 -87.3)) (v128.const f32x4 88.3 88.3 88.3 88.3)))
    ;; n = round(x / ln2) by adding 1.5·2^23, which leaves n in the low mantissa bits of t.
    (local.set $t (f32x4.add (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341)) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $n (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
    (local.set $r (f32x4.sub
      (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375)))
      (f32x4.mul (local.get $n) (v128.const f32x4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4 -2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    ;; 2^n: n + 127 into the exponent field (t's bits minus those of 1.5·2^23 are n).
    (v128.andnot
      (f32x4.mul (local.get $p)
        (i32x4.shl (i32x4.add (i32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)) (v128.const i32x4 127 127 127 127)) (i32.const 23)))
      (local.get $under)))

  (func $exp (param $x f32) (result f32)
    (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (local.get $x)))))

  (func $hmax (param $v v128) (result f32)
    (f32.max
      (f32.max (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.max (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; One row: y[j] = exp(s x[j] - m) / sum for j < len, where m is the row's max of s x and sum the
  ;; sum of the exps; returns m and sum (softmax_rows keeps them for the loss).
  (func $softmaxRow (param $x i32) (param $y i32) (param $len i32) (param $s f32) (result f32 f32)
    (local $k i32) (local $end i32) (local $end4 i32) (local $vm v128) (local $acc v128) (local $e v128)
    (local $m f32) (local $sum f32) (local $one f32) (local $vs v128)
    (local.set $vs (f32x4.splat (local.get $s)))
    (local.set $end4 (i32.shl (i32.and (local.get $len) (i32.const -4)) (i32.const 2)))
    (local.set $end (i32.shl (local.get $len) (i32.const 2)))
    (local.set $acc (f32x4.splat (f32.const -inf)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end4)))
      (local.set $acc (f32x4.pmax (local.get $acc) (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $k))) (local.get $vs))))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $next)))
    (local.set $m (call $hmax (local.get $acc)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $m (f32.max (local.get $m) (f32.mul (f32.load (i32.add (local.get $x) (local.get $k))) (local.get $s))))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $next)))
    (local.set $vm (f32x4.splat (local.get $m)))
    (local.set $acc (v128.const i32x4 0 0 0 0))
    (local.set $k (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end4)))
      (local.set $e (call $exp4 (f32x4.sub (f32x4.mul (v128.load (i32.add (local.get $x) (local.get $k))) (local.get $vs)) (local.get $vm))))
      (v128.store (i32.add (local.get $y) (local.get $k)) (local.get $e))
      (local.set $acc (f32x4.add (local.get $acc) (local.get $e)))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $next)))
    (local.set $sum (call $hsum (local.get $acc)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
      (local.set $one (call $exp (f32.sub (f32.mul (f32.load (i32.add (local.get $x) (local.get $k))) (local.get $s)) (local.get $m))))
      (f32.store (i32.add (local.get $y) (local.get $k)) (local.get $one))
      (local.set $sum (f32.add (local.get $sum) (local.get $one)))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $next)))
    (local.set $vm (f32x4.splat (local.get $sum)))
    (local.set $k (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end4)))
      (v128.store (i32.add (local.get $y) (local.get $k)) (f32x4.div (v128.load (i32.add (local.get $y) (local.get $k))) (local.get $vm)))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
      (f32.store (i32.add (local.get $y) (local.get $k)) (f32.div (f32.load (i32.add (local.get $y) (local.get $k))) (local.get $sum)))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $next)))
    (local.get $m) (local.get $sum))

  ;; x, y: [mats, T, T].
  (func (export "causal_softmax") (param $x i32) (param $y i32) (param $mats i32) (param $T i32) (param $s f32)
    (local $rows i32) (local $r i32) (local $i i32) (local $row i32)
    (local.set $rows (i32.mul (local.get $mats) (local.get $T)))
    (local.set $row (i32.shl (local.get $T) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $i (i32.rem_u (local.get $r) (local.get $T)))
      (call $softmaxRow (local.get $x) (local.get $y) (i32.add (local.get $i) (i32.const 1)) (local.get $s))
      drop drop
      (memory.fill (i32.add (local.get $y) (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2))) (i32.const 0)
        (i32.shl (i32.sub (i32.sub (local.get $T) (local.get $i)) (i32.const 1)) (i32.const 2)))
      (local.set $x (i32.add (local.get $x) (local.get $row)))
      (local.set $y (i32.add (local.get $y) (local.get $row)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next))))

  ;; y, dy, dx: [mats, T, T].
  (func (export "causal_softmax_grad") (param $y i32) (param $dy i32) (param $dx i32) (param $mats i32) (param $T i32) (param $s f32)
    (local $rows i32) (local $r i32) (local $i i32) (local $row i32) (local $k i32) (local $end i32) (local $end4 i32)
    (local $acc v128) (local $dot f32) (local $vdot v128) (local $vs v128)
    (local.set $rows (i32.mul (local.get $mats) (local.get $T)))
    (local.set $row (i32.shl (local.get $T) (i32.const 2)))
    (local.set $vs (f32x4.splat (local.get $s)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (local.set $i (i32.rem_u (local.get $r) (local.get $T)))
      (local.set $end (i32.shl (i32.add (local.get $i) (i32.const 1)) (i32.const 2)))
      (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
      (local.set $acc (v128.const i32x4 0 0 0 0))
      (local.set $k (i32.const 0))
      (block $d1 (loop $n1
        (br_if $d1 (i32.ge_u (local.get $k) (local.get $end4)))
        (local.set $acc (f32x4.add (local.get $acc)
          (f32x4.mul (v128.load (i32.add (local.get $y) (local.get $k))) (v128.load (i32.add (local.get $dy) (local.get $k))))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $n1)))
      (local.set $dot (call $hsum (local.get $acc)))
      (block $d2 (loop $n2
        (br_if $d2 (i32.ge_u (local.get $k) (local.get $end)))
        (local.set $dot (f32.add (local.get $dot)
          (f32.mul (f32.load (i32.add (local.get $y) (local.get $k))) (f32.load (i32.add (local.get $dy) (local.get $k))))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $n2)))
      (local.set $vdot (f32x4.splat (local.get $dot)))
      (local.set $k (i32.const 0))
      (block $d3 (loop $n3
        (br_if $d3 (i32.ge_u (local.get $k) (local.get $end4)))
        (v128.store (i32.add (local.get $dx) (local.get $k))
          (f32x4.mul (local.get $vs) (f32x4.mul (v128.load (i32.add (local.get $y) (local.get $k)))
            (f32x4.sub (v128.load (i32.add (local.get $dy) (local.get $k))) (local.get $vdot)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $n3)))
      (block $d4 (loop $n4
        (br_if $d4 (i32.ge_u (local.get $k) (local.get $end)))
        (f32.store (i32.add (local.get $dx) (local.get $k))
          (f32.mul (local.get $s) (f32.mul (f32.load (i32.add (local.get $y) (local.get $k)))
            (f32.sub (f32.load (i32.add (local.get $dy) (local.get $k))) (local.get $dot)))))
        (local.set $k (i32.add (local.get $k) (i32.const 4)))
        (br $n4)))
      (memory.fill (i32.add (local.get $dx) (local.get $end)) (i32.const 0) (i32.sub (local.get $row) (local.get $end)))
      (local.set $y (i32.add (local.get $y) (local.get $row)))
      (local.set $dy (i32.add (local.get $dy) (local.get $row)))
      (local.set $dx (i32.add (local.get $dx) (local.get $row)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $next))))

  ;; x, p: [N, V]; targets: int32 [N] (checked against V); m, sum, picked: [N].
  (func (export "softmax_rows") (param $x i32) (param $targets i32) (param $p i32) (param $m i32) (param $sum i32) (param $picked i32)
        (param $n i32) (param $V i32)
    (local $i i32) (local $t i32) (local $row i32) (local $ms f32) (local $ss f32)
    (local.set $row (i32.shl (local.get $V) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $t (i32.load (i32.add (local.get $targets) (i32.shl (local.get $i) (i32.const 2)))))
      (if (i32.ge_u (local.get $t) (local.get $V)) (then unreachable))
      (call $softmaxRow (local.get $x) (local.get $p) (local.get $V) (f32.const 1))
      (local.set $ss)
      (local.set $ms)
      (f32.store (i32.add (local.get $m) (i32.shl (local.get $i) (i32.const 2))) (local.get $ms))
      (f32.store (i32.add (local.get $sum) (i32.shl (local.get $i) (i32.const 2))) (local.get $ss))
      (f32.store (i32.add (local.get $picked) (i32.shl (local.get $i) (i32.const 2)))
        (f32.load (i32.add (local.get $x) (i32.shl (local.get $t) (i32.const 2)))))
      (local.set $x (i32.add (local.get $x) (local.get $row)))
      (local.set $p (i32.add (local.get $p) (local.get $row)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))

  ;; dx = (p - onehot(targets)) · (dLoss / n), dLoss the float32 scalar at $dloss.
  (func (export "cross_entropy_grad") (param $p i32) (param $targets i32) (param $dloss i32) (param $dx i32) (param $n i32) (param $V i32)
    (local $c f32) (local $vc v128) (local $k i32) (local $end i32) (local $end4 i32) (local $at i32)
    (local.set $c (f32.div (f32.load (local.get $dloss)) (f32.convert_i32_u (local.get $n))))
    (local.set $vc (f32x4.splat (local.get $c)))
    (local.set $end (i32.shl (i32.mul (local.get $n) (local.get $V)) (i32.const 2)))
    (local.set $end4 (i32.and (local.get $end) (i32.const -16)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end4)))
      (v128.store (i32.add (local.get $dx) (local.get $k)) (f32x4.mul (v128.load (i32.add (local.get $p) (local.get $k))) (local.get $vc)))
      (local.set $k (i32.add (local.get $k) (i32.const 16)))
      (br $next)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $end)))
      (f32.store (i32.add (local.get $dx) (local.get $k)) (f32.mul (f32.load (i32.add (local.get $p) (local.get $k))) (local.get $c)))
      (local.set $k (i32.add (local.get $k) (i32.const 4)))
      (br $next)))
    ;; Each row's target: (p - 1) · c.
    (local.set $k (i32.const 0))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $k) (local.get $n)))
      (local.set $at (i32.shl (i32.add (i32.mul (local.get $k) (local.get $V))
        (i32.load (i32.add (local.get $targets) (i32.shl (local.get $k) (i32.const 2))))) (i32.const 2)))
      (f32.store (i32.add (local.get $dx) (local.get $at))
        (f32.mul (f32.sub (f32.load (i32.add (local.get $p) (local.get $at))) (f32.const 1)) (local.get $c)))
      (local.set $k (i32.add (local.get $k) (i32.const 1)))
      (br $next)))))
