// Replaces tfjs-backend-wasm's BatchMatMul with kernels/matmul.wat, working in place on tfjs's own
// memory. The stock kernel runs batched and transposed products (all of attention, every
// gradient) on a naive loop at about 2 GFLOP/s, and 2-D ones on XNNPACK without FMA; measured per
// shape of the reference model, the kernels here beat both (bench:train has the totals).
// Broadcast batches and A^T.B^T keep the stock kernel. Installed by initBackend with wasm.
// Registered once; `stock` keeps the original for every case the kernels do not cover.
import * as tf from "@tensorflow/tfjs-core";
import { kernelModule } from "../kernels/load.ts";

interface WasmBackend {
  wasm: { asm: { memory: WebAssembly.Memory } };
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: "float32"): tf.TensorInfo;
}

interface Kernels {
  matmul: {
    matmul_nt(A: number, B: number, C: number, batch: number, m: number, n: number, k: number): void;
    matmul_nn(A: number, B: number, C: number, batch: number, m: number, n: number, k: number, transA: number): void;
  };
  adam: {
    adam(p: number, g: number, m: number, v: number, n: number, b1: number, c1: number, b2: number, c2: number, bc2: number, eps: number, step: number, decay: number, l2: number): void;
  };
  layernorm: {
    forward(x: number, g: number, b: number, y: number, mean: number, rstd: number, n: number, d: number, eps: number): void;
    backward(dy: number, x: number, g: number, mean: number, rstd: number, dx: number, dg: number, db: number, n: number, d: number): void;
  };
}

// One instance of each kernel module per backend, bound to that backend's memory.
const instances = new WeakMap<object, Partial<Kernels>>();
function kernelsOf<K extends keyof Kernels>(backend: WasmBackend, name: K): Kernels[K] {
  let mine = instances.get(backend);
  if (!mine) instances.set(backend, (mine = {}));
  return (mine[name] ??= new WebAssembly.Instance(kernelModule(name), { env: { memory: backend.wasm.asm.memory } }).exports as unknown as Kernels[K]);
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
  kernelsOf(backend, "adam").adam(at(p), at(g), at(m), at(v), p.size, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.bc2Sqrt, s.eps, s.stepSize, s.decay, s.l2);
  return true;
}

/**
 * LayerNorm of x [N, D] over D on one kernel call: [y, mean [N, 1], rstd [N, 1]], or null unless the
 * backend is wasm and D is a multiple of 4 (the caller then composes tfjs ops).
 */
export function layerNormForward(x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor[] | null {
  if (tf.getBackend() !== "wasm" || x.shape[1] % 4 !== 0 || x.dtype !== "float32") return null;
  return tf.engine().runKernel(LAYER_NORM, { x, g, b }, { eps }) as tf.Tensor[];
}

/** The gradient of layerNormForward: [dx, dg, db] from dy and what the forward returned. */
export function layerNormBackward(dy: tf.Tensor, x: tf.Tensor, g: tf.Tensor, mean: tf.Tensor, rstd: tf.Tensor): tf.Tensor[] {
  return tf.engine().runKernel(LAYER_NORM_GRAD, { dy, x, g, mean, rstd }, {}) as tf.Tensor[];
}

const LAYER_NORM = "RefitLayerNorm";
const LAYER_NORM_GRAD = "RefitLayerNormGrad";

function registerLayerNorm(): void {
  tf.registerKernel({
    kernelName: LAYER_NORM,
    backendName: "wasm",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as unknown as WasmBackend;
      const { x, g, b } = inputs as Record<string, tf.TensorInfo>;
      const [n, d] = x.shape;
      const [y, mean, rstd] = [be.makeOutput([n, d], "float32"), be.makeOutput([n, 1], "float32"), be.makeOutput([n, 1], "float32")];
      const at = (t: tf.TensorInfo) => offsetIn(be, t);
      kernelsOf(be, "layernorm").forward(at(x), at(g), at(b), at(y), at(mean), at(rstd), n, d, (attrs as { eps: number }).eps);
      return [y, mean, rstd];
    },
  });
  tf.registerKernel({
    kernelName: LAYER_NORM_GRAD,
    backendName: "wasm",
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as unknown as WasmBackend;
      const { dy, x, g, mean, rstd } = inputs as Record<string, tf.TensorInfo>;
      const [n, d] = x.shape;
      const [dx, dg, db] = [be.makeOutput([n, d], "float32"), be.makeOutput([d], "float32"), be.makeOutput([d], "float32")];
      const at = (t: tf.TensorInfo) => offsetIn(be, t);
      kernelsOf(be, "layernorm").backward(at(dy), at(x), at(g), at(mean), at(rstd), at(dx), at(dg), at(db), n, d);
      return [dx, dg, db];
    },
  });
}

let stock: tf.KernelConfig | undefined;

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
    if (transposeB) kernels.matmul_nt(offset(a), offset(b), offset(out), batch, m, n, k);
    else kernels.matmul_nn(offset(a), offset(b), offset(out), batch, m, n, k, transposeA ? 1 : 0);
    return out;
  };

  tf.unregisterKernel("BatchMatMul", "wasm");
  tf.registerKernel({ ...stock, kernelFunc: batched });
  registerLayerNorm();
}
