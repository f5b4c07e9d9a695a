;; The token embedding as row copies: tfjs-backend-wasm 4.22's GatherV2 takes about 7 ms for
;; 1,024 rows of 128 floats (a slow general path), and its gradient (UnsortedSegmentSum) does not
;; exist there at all. Row ids are checked: one outside the table traps instead of reading
;; other memory.
;;   gather:      out[i] = table[ids[i]]
;;   scatter_add: table[ids[i]] += rows[i], in order of i (so the result is deterministic)
;; Built by `npm run kernels` (wabt) into rows.wasm, which is committed; a test rebuilds it.
(module
  (import "env" "memory" (memory 1))

  (func $row (param $table i32) (param $ids i32) (param $i i32) (param $nRows i32) (param $bytes i32) (result i32)
    (local $id i32)
    (local.set $id (i32.load (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2)))))
    (if (i32.ge_u (local.get $id) (local.get $nRows)) (then unreachable))
    (i32.add (local.get $table) (i32.mul (local.get $id) (local.get $bytes))))

  (func (export "gather") (param $table i32) (param $nRows i32) (param $ids i32) (param $n i32) (param $d i32) (param $out i32)
    (local $i i32) (local $bytes i32)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (memory.copy (i32.add (local.get $out) (i32.mul (local.get $i) (local.get $bytes)))
        (call $row (local.get $table) (local.get $ids) (local.get $i) (local.get $nRows) (local.get $bytes)) (local.get $bytes))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next))))

  ;; table [nRows, d] is zeroed first; d is a multiple of 4.
  (func (export "scatter_add") (param $rows i32) (param $ids i32) (param $n i32) (param $d i32) (param $table i32) (param $nRows i32)
    (local $i i32) (local $k i32) (local $bytes i32) (local $dst i32) (local $src i32)
    (local.set $bytes (i32.shl (local.get $d) (i32.const 2)))
    (memory.fill (local.get $table) (i32.const 0) (i32.mul (local.get $nRows) (local.get $bytes)))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $dst (call $row (local.get $table) (local.get $ids) (local.get $i) (local.get $nRows) (local.get $bytes)))
      (local.set $src (i32.add (local.get $rows) (i32.mul (local.get $i) (local.get $bytes))))
      (local.set $k (i32.const 0))
      (block $rowDone (loop $add
        (br_if $rowDone (i32.ge_u (local.get $k) (local.get $bytes)))
        (v128.store (i32.add (local.get $dst) (local.get $k))
          (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $k))) (v128.load (i32.add (local.get $src) (local.get $k)))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $add)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))))
