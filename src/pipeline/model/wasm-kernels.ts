// Replaces tfjs-backend-wasm's BatchMatMul with kernels/matmul.wat, working in place on tfjs's own
// memory. The stock kernel runs batched and transposed products (all of attention, every
// gradient) on a naive loop at about 2 GFLOP/s, and 2-D ones on XNNPACK without FMA; measured per
// shape of the reference model, the kernels here beat both (bench:train has the totals).
// Broadcast batches and A^T.B^T keep the stock kernel. Installed by initBackend with wasm.
// Registered once; `stock` keeps the original for every case the kernels do not cover.
import * as tf from "@tensorflow/tfjs-core";
import { kernelModule } from "../kernels/load.ts";
import type { BlasAddon } from "./blas.ts";

interface WasmBackend {
  wasm: { asm: { memory: WebAssembly.Memory }; _malloc(bytes: number): number; _free(at: number): void };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
  incRef(dataId: object): void;
}

interface Kernels {
  matmul: {
    matmul_nt(A: number, B: number, C: number, batch: number, m: number, n: number, k: number): void;
    matmul_nn(A: number, B: number, C: number, batch: number, m: number, n: number, k: number, transA: number, work: number): void;
    matmul_nn_work(m: number, n: number): number;
  };
  adam: {
    adam(p: number, g: number, m: number, v: number, n: number, b1: number, c1: number, b2: number, c2: number, bc2: number, eps: number, step: number, decay: number, l2: number): void;
  };
  layernorm: {
    forward(x: number, g: number, b: number, y: number, mean: number, rstd: number, n: number, d: number, eps: number): void;
    backward(dy: number, x: number, g: number, mean: number, rstd: number, dx: number, dg: number, db: number, n: number, d: number): void;
  };
  rows: {
    gather(table: number, nRows: number, ids: number, n: number, d: number, out: number): void;
    scatter_add(rows: number, ids: number, n: number, d: number, table: number, nRows: number): void;
  };
  softmax: {
    causal_softmax(x: number, y: number, mats: number, T: number, s: number): void;
    causal_softmax_grad(y: number, dy: number, dx: number, mats: number, T: number, s: number): void;
    softmax_rows(x: number, targets: number, p: number, m: number, sum: number, picked: number, n: number, V: number): void;
    cross_entropy_grad(p: number, targets: number, dloss: number, dx: number, n: number, V: number): void;
  };
  gelu: {
    inner(x: number, u: number, n: number, K: number, c: number): void;
    grad(dy: number, x: number, s: number, dx: number, n: number, K: number, c: number): void;
  };
}

// One instance of each kernel module per backend, bound to that backend's memory.
const instances = new WeakMap<object, Partial<Kernels>>();
function instanceOf<K extends keyof Kernels>(backend: WasmBackend, name: K): Kernels[K] {
  let mine = instances.get(backend);
  if (!mine) instances.set(backend, (mine = {}));
  return (mine[name] ??= new WebAssembly.Instance(kernelModule(name), { env: { memory: backend.wasm.asm.memory } }).exports as unknown as Kernels[K]);
}
function kernelsOf<K extends keyof Kernels>(backend: WasmBackend, name: K): Kernels[K] {
  const exports = instanceOf(backend, name);
  return observer ? timedExports(name, exports) : exports;
}

// Scratch for matmul_nn's packed operands: one block of tfjs's memory per backend, never a
// tensor (so tf.memory() does not count it), replaced by a larger one when a product needs more.
const scratch = new WeakMap<object, { at: number; bytes: number }>();
function matmulScratch(backend: WasmBackend, m: number, n: number): number {
  const bytes = instanceOf(backend, "matmul").matmul_nn_work(m, n);
  let mine = scratch.get(backend);
  if (!mine || mine.bytes < bytes) {
    if (mine) backend.wasm._free(mine.at);
    mine = { at: backend.wasm._malloc(bytes) >>> 0, bytes };
    scratch.set(backend, mine);
  }
  return mine.at;
}

/** Told of every kernel call while set: "module.function", its arguments and its milliseconds. */
export type KernelCallObserver = (kernel: string, args: number[], ms: number) => void;
let observer: KernelCallObserver | null = null;

/** Times every kernel call from now on (`bench:train --profile`), or stops with null; results are unchanged. */
export function observeKernelCalls(o: KernelCallObserver | null): void {
  observer = o;
}

const timed = new WeakMap<object, object>();
function timedExports<T extends object>(name: string, exports: T): T {
  let wrapped = timed.get(exports);
  if (!wrapped) {
    const entries = Object.entries(exports).map(([fn, f]) => [
      fn,
      (...args: number[]) => {
        const t0 = performance.now();
        const result = (f as (...a: number[]) => unknown)(...args);
        observer?.(`${name}.${fn}`, args, performance.now() - t0);
        return result;
      },
    ]);
    timed.set(exports, (wrapped = Object.fromEntries(entries)));
  }
  return wrapped as T;
}

const offsetIn = (backend: WasmBackend, t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;

/** Float32 scalars of one Adam step, as optimizer.ts defines them. */
export interface AdamScalars {
  beta1: number;
  beta2: number;
  bc2Sqrt: number;
  eps: number;
  stepSize: number;
  /** 1 - lr·wd for AdamW with decay, else 1. */
  decay: number;
  /** wd for Adam's L2 decay, else 0. */
  l2: number;
}

/**
 * The whole Adam update of one parameter in one kernel call, in place on p, m and v, bit-identical
 * to optimizer.ts's op-by-op update; returns false (doing nothing) unless the backend is wasm.
 */
export function fusedAdam(p: tf.Variable, g: tf.Tensor, m: tf.Variable, v: tf.Variable, s: AdamScalars): boolean {
  if (tf.getBackend() !== "wasm" || [p, g, m, v].some((t) => t.dtype !== "float32")) return false;
  const backend = tf.backend() as unknown as WasmBackend;
  const at = (t: tf.Tensor) => offsetIn(backend, t);
  (blas ? nativeOf(backend).adam : kernelsOf(backend, "adam").adam)(at(p), at(g), at(m), at(v), p.size, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.bc2Sqrt, s.eps, s.stepSize, s.decay, s.l2);
  return true;
}

/** True when the fused kernels below apply: the wasm backend and float32 tensors. */
export const onWasm = (...ts: tf.Tensor[]): boolean => tf.getBackend() === "wasm" && ts.every((t) => t.dtype === "float32");

/**
 * LayerNorm of x [N, D] over D on one kernel call: [y, mean [N, 1], rstd [N, 1]], or null unless the
 * backend is wasm and D is a multiple of 4 (the caller then composes tfjs ops).
 */
export function layerNormForward(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor[] | null {
  if (!onWasm(x, g, b) || x.shape[1] % 4 !== 0) return null;
  return tf.engine().runKernel("RefitLayerNorm", { x, g, b }, { eps }) as tf.Tensor[];
}

/** The gradient of layerNormForward: [dx, dg, db] from dy and what the forward returned. */
export function layerNormBackward(dy: tf.Tensor, x: tf.Tensor, g: tf.Tensor, mean: tf.Tensor, rstd: tf.Tensor): tf.Tensor[] {
  return tf.engine().runKernel("RefitLayerNormGrad", { dy, x, g, mean, rstd }, {}) as tf.Tensor[];
}

/** gelu_new's inner polynomial u = K (x + c x^3) in one pass (wasm only: check onWasm). */
export function geluInner(x: tf.Tensor, K: number, c: number): tf.Tensor {
  return tf.engine().runKernel("RefitGeluInner", { x }, { K, c }) as tf.Tensor;
}

/** d gelu_new / dx times dy, from x and s = sigmoid(u), in one pass. */
export function geluGrad(dy: tf.Tensor, x: tf.Tensor, s: tf.Tensor, K: number, c: number): tf.Tensor {
  return tf.engine().runKernel("RefitGeluGrad", { dy, x, s }, { K, c }) as tf.Tensor;
}

/** Rows ids[i] of table [V, D] (the embedding lookup); wasm only, D a multiple of 4: check embedRowsApply. */
export function gatherRows(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  return idsChecked("token", table.shape[0], () => tf.engine().runKernel("RefitGatherRows", { table, ids }, {}) as tf.Tensor2D);
}

/** Its gradient: [V, D] with row v = sum of rows[i] over ids[i] = v, summed in order of i. */
export function scatterAddRows(rows: tf.Tensor, ids: tf.Tensor1D, nRows: number): tf.Tensor2D {
  return idsChecked("token", nRows, () => tf.engine().runKernel("RefitScatterAddRows", { rows, ids }, { nRows }) as tf.Tensor2D);
}

/** Kernels that index by id trap on one out of range; say so in words. */
function idsChecked<T>(what: "token" | "target", limit: number, run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) throw new Error(`a ${what} id is outside the vocabulary of ${limit}`);
    throw e;
  }
}

export const embedRowsApply = (table: tf.Tensor2D, ids: tf.Tensor1D): boolean => onWasm(table) && ids.dtype === "int32" && table.shape[1] % 4 === 0;

/** softmax(scale · scores) over keys j <= query i, 0 above: scores [..., T, T] (wasm only: check onWasm). */
export function causalSoftmax(scores: tf.Tensor, scale: number): tf.Tensor {
  return tf.engine().runKernel("RefitCausalSoftmax", { x: scores }, { scale }) as tf.Tensor;
}

/** Its gradient with respect to the scores, from the pattern y and dy. */
export function causalSoftmaxGrad(y: tf.Tensor, dy: tf.Tensor, scale: number): tf.Tensor {
  return tf.engine().runKernel("RefitCausalSoftmaxGrad", { y, dy }, { scale }) as tf.Tensor;
}

/** Row softmax of logits [N, V] with, per row, the max, the sum of exp and the target's logit: [p, m, sum, picked]. */
export function softmaxRows(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor[] {
  return idsChecked("target", logits.shape[1], () => tf.engine().runKernel("RefitSoftmaxRows", { x: logits, targets }, {}) as tf.Tensor[]);
}

/** (p - onehot(targets)) · dLoss / N: the mean cross-entropy's gradient with respect to the logits. */
export function crossEntropyGrad(p: tf.Tensor, targets: tf.Tensor1D, dLoss: tf.Tensor): tf.Tensor {
  return idsChecked("target", p.shape.at(-1)!, () => tf.engine().runKernel("RefitCrossEntropyGrad", { p, targets, dLoss }, {}) as tf.Tensor);
}

/** True on the blas path (the BLAS addon in use, float32 tensors): the native ops below then apply. */
export const onNative = (...ts: tf.Tensor[]): boolean => blas !== null && onWasm(...ts);

/** x·w + b as one product with the bias added in the same call (blas path: check onNative). */
export function matMulBias(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.engine().runKernel("RefitMatMulBias", { x, w, b }, {}) as tf.Tensor2D;
}

/** gelu_new(x) in one native pass, bit-identical to geluInner, tfjs's sigmoid and multiply (blas path). */
export function geluNative(x: tf.Tensor, K: number, c: number): tf.Tensor {
  return tf.engine().runKernel("RefitGelu", { x }, { K, c }) as tf.Tensor;
}

/** [gelu_new(x), dh · gelu_new'(x)] in one native pass from x alone (blas path). */
export function geluBackwardNative(x: tf.Tensor, dh: tf.Tensor, K: number, c: number): tf.Tensor[] {
  return tf.engine().runKernel("RefitGeluBackward", { x, dh }, { K, c }) as tf.Tensor[];
}

/** Attention's shape: batch, positions, heads and the softmax's scale. */
export interface AttentionShape {
  B: number;
  T: number;
  H: number;
  scale: number;
}

/** [z [B·T, D], pattern [B, H, T, T]] from c_attn's output qkv [B·T, 3D], natively (blas path). */
export function attentionNative(qkv: tf.Tensor2D, a: AttentionShape): [tf.Tensor2D, tf.Tensor4D] {
  return tf.engine().runKernel("RefitAttention", { qkv }, { ...a }) as unknown as [tf.Tensor2D, tf.Tensor4D];
}

/** dqkv [B·T, 3D] from dz [B·T, D] and what attentionNative took and gave. */
export function attentionBackwardNative(qkv: tf.Tensor, pattern: tf.Tensor, dz: tf.Tensor, a: AttentionShape): tf.Tensor2D {
  return tf.engine().runKernel("RefitAttentionGrad", { qkv, pattern, dz }, { ...a }) as tf.Tensor2D;
}

/** c_attn's input gradient [N, D] from dqkv [N, 3D] and its weight [D, 3D], as three layers' would sum. */
export function qkvInputGrad(dqkv: tf.Tensor, w: tf.Tensor): tf.Tensor2D {
  return tf.engine().runKernel("RefitQkvInputGrad", { dqkv, w }, {}) as tf.Tensor2D;
}

/** A wasm kernel whose outputs are fresh float32 tensors; `run` gets every tensor's offset. */
function registerWasm(
  kernelName: string,
  shapes: (inputs: Record<string, tf.TensorInfo>, attrs: Record<string, number>) => number[][],
  run: (backend: WasmBackend, at: (t: tf.TensorInfo) => number, inputs: Record<string, tf.TensorInfo>, outputs: tf.TensorInfo[], attrs: Record<string, number>) => void,
): void {
  tf.registerKernel({
    kernelName,
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as unknown as WasmBackend;
      const named = inputs as Record<string, tf.TensorInfo>;
      const outputs = shapes(named, attrs as Record<string, number>).map((shape) => be.makeOutput(shape, "float32"));
      run(be, (t) => offsetIn(be, t), named, outputs, attrs as Record<string, number>);
      return outputs.length === 1 ? outputs[0] : outputs;
    },
  });
}

function registerFusedOps(): void {
  // On the blas path LayerNorm, Adam and the softmaxes run natively, with the same bits (native/).
  registerWasm("RefitLayerNorm", ({ x }) => [x.shape, [x.shape[0], 1], [x.shape[0], 1]], (be, at, { x, g, b }, [y, mean, rstd], { eps }) =>
    (blas ? nativeOf(be).layerNorm : kernelsOf(be, "layernorm").forward)(at(x), at(g), at(b), at(y), at(mean), at(rstd), x.shape[0], x.shape[1], eps),
  );
  registerWasm("RefitLayerNormGrad", ({ x }) => [x.shape, [x.shape[1]], [x.shape[1]]], (be, at, { dy, x, g, mean, rstd }, [dx, dg, db]) =>
    (blas ? nativeOf(be).layerNormBackward : kernelsOf(be, "layernorm").backward)(at(dy), at(x), at(g), at(mean), at(rstd), at(dx), at(dg), at(db), x.shape[0], x.shape[1]),
  );
  registerWasm("RefitGatherRows", ({ table, ids }) => [[ids.shape[0], table.shape[1]]], (be, at, { table, ids }, [out]) =>
    kernelsOf(be, "rows").gather(at(table), table.shape[0], at(ids), ids.shape[0], table.shape[1], at(out)),
  );
  registerWasm("RefitScatterAddRows", ({ rows }, { nRows }) => [[nRows, rows.shape[1]]], (be, at, { rows, ids }, [table], { nRows }) =>
    kernelsOf(be, "rows").scatter_add(at(rows), at(ids), ids.shape[0], rows.shape[1], at(table), nRows),
  );
  const size = (t: tf.TensorInfo) => t.shape.reduce((a, b) => a * b, 1);
  const T = (t: tf.TensorInfo) => t.shape[t.shape.length - 1];
  registerWasm("RefitCausalSoftmax", ({ x }) => [x.shape], (be, at, { x }, [y], { scale }) =>
    (blas ? nativeOf(be).causalSoftmax : kernelsOf(be, "softmax").causal_softmax)(at(x), at(y), size(x) / T(x) ** 2, T(x), scale),
  );
  registerWasm("RefitCausalSoftmaxGrad", ({ y }) => [y.shape], (be, at, { y, dy }, [dx], { scale }) =>
    (blas ? nativeOf(be).causalSoftmaxGrad : kernelsOf(be, "softmax").causal_softmax_grad)(at(y), at(dy), at(dx), size(y) / T(y) ** 2, T(y), scale),
  );
  registerWasm("RefitSoftmaxRows", ({ x }) => [x.shape, [x.shape[0]], [x.shape[0]], [x.shape[0]]], (be, at, { x, targets }, [p, m, sum, picked]) => {
    const args = [at(x), at(targets), at(p), at(m), at(sum), at(picked), x.shape[0], x.shape[1]] as const;
    if (blas) trapOn(nativeOf(be).softmaxRows(...args));
    else kernelsOf(be, "softmax").softmax_rows(...args);
  });
  registerWasm("RefitCrossEntropyGrad", ({ p }) => [p.shape], (be, at, { p, targets, dLoss }, [dx]) => {
    const args = [at(p), at(targets), at(dLoss), at(dx), p.shape[0], p.shape[1]] as const;
    if (blas) trapOn(nativeOf(be).crossEntropyGrad(...args));
    else kernelsOf(be, "softmax").cross_entropy_grad(...args);
  });
  registerWasm("RefitMatMulBias", ({ x, w }) => [[x.shape[0], w.shape[1]]], (be, at, { x, w, b }, [y]) => {
    if (x.shape[1] !== w.shape[0]) throw new Error(`matMul: inner dimensions ${x.shape[1]} and ${w.shape[0]} of shapes [${x.shape}] and [${w.shape}] differ`);
    nativeOf(be).sgemm(at(x), at(w), at(y), 1, x.shape[0], w.shape[1], x.shape[1], 0, 0, at(b));
  });
  const headWidth = (qkv: tf.TensorInfo, H: number) => qkv.shape[1] / 3 / H;
  registerWasm("RefitAttention", ({ qkv }, { B, T, H }) => [[B * T, qkv.shape[1] / 3], [B, H, T, T]], (be, at, { qkv }, [z, pattern], { B, T, H, scale }) =>
    nativeOf(be).attention(at(qkv), at(pattern), at(z), B, T, H, headWidth(qkv, H), scale),
  );
  registerWasm("RefitAttentionGrad", ({ qkv }) => [qkv.shape], (be, at, { qkv, pattern, dz }, [dqkv], { B, T, H, scale }) =>
    nativeOf(be).attentionBackward(at(qkv), at(pattern), at(dz), at(dqkv), B, T, H, headWidth(qkv, H), scale),
  );
  registerWasm("RefitQkvInputGrad", ({ dqkv, w }) => [[dqkv.shape[0], w.shape[0]]], (be, at, { dqkv, w }, [dx]) =>
    nativeOf(be).qkvInputGrad(at(dqkv), at(w), at(dx), dqkv.shape[0], w.shape[0]),
  );
  registerWasm("RefitGelu", ({ x }) => [x.shape], (be, at, { x }, [h], { K, c }) => nativeOf(be).gelu(at(x), at(h), size(x), K, c));
  registerWasm("RefitGeluBackward", ({ x }) => [x.shape, x.shape], (be, at, { x, dh }, [h, dx], { K, c }) =>
    nativeOf(be).geluBackward(at(x), at(dh), at(h), at(dx), size(x), K, c),
  );
  registerWasm("RefitGeluInner", ({ x }) => [x.shape], (be, at, { x }, [u], { K, c }) => kernelsOf(be, "gelu").inner(at(x), at(u), size(x), K, c));
  registerWasm("RefitGeluGrad", ({ x }) => [x.shape], (be, at, { dy, x, s }, [dx], { K, c }) =>
    kernelsOf(be, "gelu").grad(at(dy), at(x), at(s), at(dx), size(x), K, c),
  );
}

let stock: tf.KernelConfig | undefined;
let blas: BlasAddon | null = null;

/** The addon's kernels bound to the backend's memory (its buffer is re-read on every call: memory grows), timed while observed. */
type Native = { [K in Exclude<keyof BlasAddon, "identity">]: BlasAddon[K] extends (memory: ArrayBuffer, ...rest: infer A) => infer R ? (...rest: A) => R : never };
const natives = new WeakMap<object, Native>();
function nativeOf(backend: WasmBackend): Native {
  let bound = natives.get(backend);
  if (!bound) {
    const addon = blas!;
    const memory = () => backend.wasm.asm.memory.buffer as ArrayBuffer;
    const names = Object.getOwnPropertyNames(addon).filter((k) => k !== "identity") as (keyof Native)[];
    bound = Object.fromEntries(names.map((k) => [k, (...a: number[]) => (addon[k] as (m: ArrayBuffer, ...rest: number[]) => unknown)(memory(), ...a)])) as Native;
    natives.set(backend, bound);
  }
  return observer ? timedExports("blas", bound) : bound;
}

/** A native kernel's bad-target row (>= 0) as the wasm kernel's trap, which idsChecked words. */
function trapOn(row: number): void {
  if (row >= 0) throw new WebAssembly.RuntimeError(`target id of row ${row} out of range`);
}

/** Sends the dense products to the BLAS addon, in place on tfjs's memory, or back to matmul.wasm with null. */
export function useBlas(addon: BlasAddon | null): void {
  blas = addon;
}

/** Registers the replacement once (the kernel registry is global); safe to call again. */
export function installWasmKernels(): void {
  if (stock) return;
  stock = tf.getKernel("BatchMatMul", "wasm");
  if (!stock) throw new Error("wasm backend has no BatchMatMul kernel to replace");
  const original = stock.kernelFunc;

  const batched: tf.KernelFunc = (args) => {
    const backend = args.backend as unknown as WasmBackend;
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const { transposeA, transposeB } = args.attrs as { transposeA: boolean; transposeB: boolean };
    const rank = a.shape.length;
    const batchDims = a.shape.slice(0, -2);
    const batch = batchDims.reduce((x, y) => x * y, 1);
    const eligible =
      rank >= 2 && b.shape.length === rank && a.dtype === "float32" && b.dtype === "float32" &&
      !(transposeA && transposeB) && batchDims.every((d, i) => d === b.shape[i]);
    if (!eligible) return original(args);
    const [ar, ac] = a.shape.slice(-2);
    const [br, bc] = b.shape.slice(-2);
    const [m, k] = transposeA ? [ac, ar] : [ar, ac];
    const [kb, n] = transposeB ? [bc, br] : [br, bc];
    if (k !== kb) throw new Error(`matMul: inner dimensions ${k} and ${kb} of shapes [${a.shape}] and [${b.shape}] differ`);
    const out = backend.makeOutput([...batchDims, m, n], "float32");
    const offset = (t: tf.TensorInfo) => offsetIn(backend, t);
    const kernels = kernelsOf(backend, "matmul");
    if (blas) nativeOf(backend).sgemm(offset(a), offset(b), offset(out), batch, m, n, k, transposeA ? 1 : 0, transposeB ? 1 : 0, -1);
    else if (transposeB) kernels.matmul_nt(offset(a), offset(b), offset(out), batch, m, n, k);
    else kernels.matmul_nn(offset(a), offset(b), offset(out), batch, m, n, k, transposeA ? 1 : 0, matmulScratch(backend, m, n));
    return out;
  };

  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...stock, kernelFunc: batched });
  registerFusedOps();
  shareIdentity();
}

/**
 * tfjs-backend-wasm's Identity copies its input, and every tensor the tape saves for a gradient
 * is such a clone, so training held a second copy of its activations (docs/kernels.md, "Memory").
 * Here it shares the input's buffer, as the wasm Reshape and the cpu backend's Identity do: tfjs
 * never writes a tensor in place, and Refit's one in-place kernel, fused Adam, writes variables
 * after the tape's clones are freed. The values are the same bits, so nothing numeric changes.
 */
function shareIdentity(): void {
  const copying = tf.getKernel("Identity", "wasm")!;
  tf.unregisterKernel("Identity", "wasm");
  tf.registerKernel({
    ...copying,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: tf.TensorInfo };
      if (x.dtype === "string") return copying.kernelFunc(args);
      (args.backend as unknown as WasmBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}
