// The blas path's native elementwise kernels (native/elementwise.c) must give the wasm path's bits
// exactly, so that moving work into them never changes a blas run: checked against the wasm ops
// they replace, on values spread over the whole float32 range (by bit pattern) and on values as
// training sees them, with lengths that leave a tail shorter than a vector.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { leanVariableGrads } from "../../../src/pipeline/model/backprop.ts";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { type BlasAddon, loadBlas } from "../../../src/pipeline/model/blas.ts";
import { GPT2_SETTINGS, type GptConfig } from "../../../src/pipeline/model/config.ts";
import { crossEntropy, forward, initParams } from "../../../src/pipeline/model/gpt.ts";
import {
  causalSoftmax,
  causalSoftmaxGrad,
  crossEntropyGrad,
  fusedAdam,
  geluGrad,
  geluInner,
  layerNormBackward,
  layerNormForward,
  softmaxRows,
  useBlas,
} from "../../../src/pipeline/model/wasm-kernels.ts";
import { skipUnless } from "../../helpers/requires.ts";

const blas = loadBlas();
const noBlas = "unavailable" in blas ? `${blas.unavailable} (Debian packages build-essential and libopenblas-dev, then npm run blas)` : null;
const addon = () => (blas as { addon: BlasAddon }).addon;

const K = 2 * Math.sqrt(2 / Math.PI);
const C = 0.044715;

/** Every 4,099th float32 bit pattern (both signs, zeros, subnormals, up to the largest finite), then a tail. */
function acrossRange(): Float32Array {
  const n = Math.floor(2 ** 32 / 4099) + 13;
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) bits[i] = (i * 4099) >>> 0;
  const x = new Float32Array(bits.buffer);
  for (let i = 0; i < n; i++) if (!Number.isFinite(x[i])) x[i] = (i % 17) - 8;
  return x;
}

/** Deterministic values like pre-activations: a sum of uniforms, scaled, n = 1,000,003. */
function likeTraining(): Float32Array {
  let s = 7;
  const next = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32);
  return Float32Array.from({ length: 1_000_003 }, () => (next() + next() + next() - 1.5) * 3);
}

/** gelu_new and its gradient as the wasm path computes them: geluInner, tfjs's sigmoid and multiply, geluGrad. */
function wasmGelu(x: Float32Array, dh: Float32Array): { h: Float32Array; dx: Float32Array } {
  return tf.tidy(() => {
    const xt = tf.tensor1d(x);
    const s = tf.sigmoid(geluInner(xt, K, C));
    return { h: tf.mul(xt, s).dataSync() as Float32Array, dx: geluGrad(tf.tensor1d(dh), xt, s, K, C).dataSync() as Float32Array };
  });
}

/** The addon's gelu and geluBackward on one ArrayBuffer laid out as x | dh | h | dx, and h again. */
function nativeGelu(x: Float32Array, dh: Float32Array): { h: Float32Array; dx: Float32Array; hAgain: Float32Array } {
  const n = x.length;
  const memory = new Float32Array(5 * n);
  memory.set(x, 0);
  memory.set(dh, n);
  addon().gelu(memory.buffer, 0, 4 * 4 * n, n, K, C);
  addon().geluBackward(memory.buffer, 0, 4 * n, 4 * 2 * n, 4 * 3 * n, n, K, C);
  return { h: memory.slice(2 * n, 3 * n), dx: memory.slice(3 * n, 4 * n), hAgain: memory.slice(4 * n, 5 * n) };
}

/** Indices where two arrays differ in bits (NaNs compare equal to NaNs). */
function differing(a: Float32Array, b: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length && out.length < 5; i++) if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) out.push(i);
  return out;
}

describe.skipIf(skipUnless(noBlas))("native elementwise kernels", () => {
  beforeAll(async () => {
    await initBackend("wasm", { kernels: "wasm" });
  });

  it.each([
    ["across the float32 range", acrossRange],
    ["on values like pre-activations", likeTraining],
  ])("give the wasm path's GELU and GELU gradient bit for bit %s", (_, values) => {
    const x = values();
    const dh = x.map((v, i) => Math.sin(i) * (1 + (i % 5)));
    const wasm = wasmGelu(x, dh);
    const native = nativeGelu(x, dh);
    expect(differing(native.hAgain, wasm.h)).toEqual([]);
    expect(differing(native.h, wasm.h)).toEqual([]);
    expect(differing(native.dx, wasm.dx)).toEqual([]);
    // Not trivially: the kernel computes a GELU (hand-worked: gelu_new(1) = 0.841192)
    const one = nativeGelu(Float32Array.of(1), Float32Array.of(1));
    expect(one.h[0]).toBeCloseTo(0.841192, 6);
  });

  it("adds a bias to every row of a product, as tfjs's Add after it would", () => {
    const [m, n, k] = [5, 19, 3];
    const memory = new Float32Array(m * k + k * n + n + m * n);
    memory.forEach((_, i) => (memory[i] = Math.fround(Math.cos(i) * 2)));
    const [a, b, bias, c] = [0, m * k, m * k + k * n, m * k + k * n + n].map((f) => 4 * f);
    addon().sgemm(memory.buffer, a, b, c, 1, m, n, k, 0, 0, -1);
    const plain = memory.slice(c / 4);
    addon().sgemm(memory.buffer, a, b, c, 1, m, n, k, 0, 0, bias);
    const withBias = memory.slice(c / 4);
    expect(Array.from(withBias)).toEqual(Array.from(plain, (v, i) => Math.fround(v + memory[bias / 4 + (i % n)])));
    // and it is x·w + b: tfjs's own product and add agree to float32 precision
    const want = tf.tidy(() => {
      const [x, w, b] = [tf.tensor2d(memory.slice(0, m * k), [m, k]), tf.tensor2d(memory.slice(m * k, m * k + k * n), [k, n]), tf.tensor1d(memory.slice(bias / 4, bias / 4 + n))];
      return tf.add(tf.matMul(x, w), b).dataSync();
    });
    want.forEach((v, i) => expect(withBias[i]).toBeCloseTo(v, 5));
  });

  /** Runs `f` on the wasm kernels and again with the native ones in their place: both results' bits. */
  function bothPaths(f: () => tf.Tensor[]): [Float32Array[], Float32Array[]] {
    const run = () => tf.tidy(() => f().map((t) => t.dataSync() as Float32Array));
    const wasm = run();
    useBlas(addon());
    try {
      return [wasm, run()];
    } finally {
      useBlas(null);
    }
  }

  /** Scores as attention sees them, with some far outside exp's range (clamped, or exactly 0). */
  const scores = (shape: number[], seed: number) =>
    tf.tidy(() => tf.where(tf.greater(tf.randomUniform(shape, 0, 1, "float32", seed), 0.97), tf.mul(tf.randomNormal(shape, 0, 1, "float32", seed + 1), 400), tf.randomNormal(shape, 0, 3, "float32", seed + 2)));

  it.each([1, 3, 4, 16, 17, 35, 64, 131])("give the wasm path's causal softmax and its gradient bit for bit (T = %i)", (T) => {
    const [wasm, native] = bothPaths(() => {
      const y = causalSoftmax(scores([2, 3, T, T], T), 0.35);
      return [y, causalSoftmaxGrad(y, tf.randomNormal([2, 3, T, T], 0, 1, "float32", 9), 0.35)];
    });
    wasm.forEach((w, i) => expect(differing(native[i], w)).toEqual([]));
    // row 0 sees only key 0: its weight is exactly 1, key 1's exactly 0
    expect(native[0][0]).toBe(1);
    if (T > 1) expect(native[0][1]).toBe(0);
  });

  it.each([5, 257, 1000])("give the wasm path's loss softmax and its gradient bit for bit (V = %i)", (V) => {
    const n = 37;
    const targets = tf.tensor1d(Array.from({ length: n }, (_, i) => (i * 7919) % V), "int32");
    const [wasm, native] = bothPaths(() => {
      const parts = softmaxRows(scores([n, V], V) as tf.Tensor2D, targets);
      return [...parts, crossEntropyGrad(parts[0], targets, tf.scalar(1.7))];
    });
    wasm.forEach((w, i) => expect(differing(native[i], w)).toEqual([]));
    useBlas(addon());
    try {
      const bad = tf.tensor1d([0, V], "int32");
      expect(() => softmaxRows(tf.zeros([2, V]) as tf.Tensor2D, bad)).toThrow(`a target id is outside the vocabulary of ${V}`);
      expect(() => crossEntropyGrad(tf.zeros([2, V]), bad, tf.scalar(1))).toThrow(`a target id is outside the vocabulary of ${V}`);
    } finally {
      useBlas(null);
    }
  });

  it.each([4, 20, 128, 132])("give the wasm path's LayerNorm and its gradient bit for bit (D = %i)", (D) => {
    const [wasm, native] = bothPaths(() => {
      const x = tf.add(tf.mul(tf.randomNormal([37, D], 0, 2, "float32", D), 3), 1) as tf.Tensor2D;
      const [g, b] = [tf.randomNormal([D], 1, 0.3, "float32", 2), tf.randomNormal([D], 0, 0.3, "float32", 3)];
      const [y, mean, rstd] = layerNormForward(x, g, b, 1e-5)!;
      return [y, mean, rstd, ...layerNormBackward(tf.randomNormal([37, D], 0, 1, "float32", 4), x, g, mean, rstd)];
    });
    wasm.forEach((w, i) => expect(differing(native[i], w), `output ${i}`).toEqual([]));
  });

  it.each([
    ["AdamW", 0.999, 0],
    ["Adam with L2 decay", 1, 0.01],
  ])("give the wasm path's fused %s step bit for bit", (_, decay, l2) => {
    const [wasm, native] = bothPaths(() => {
      const [p, m, v] = [1, 2, 3].map((seed) => tf.variable(tf.abs(tf.randomNormal([1003], 0, 1, "float32", seed))));
      const g = tf.randomNormal([1003], 0, 1, "float32", 4);
      for (let step = 0; step < 3; step++) expect(fusedAdam(p, g, m, v, { beta1: 0.9, beta2: 0.95, bc2Sqrt: 0.3, eps: 1e-8, stepSize: 1e-3, decay, l2 })).toBe(true);
      const out = [p, m, v].map((t) => tf.clone(t));
      tf.dispose([p, m, v]);
      return out;
    });
    wasm.forEach((w, i) => expect(differing(native[i], w), `output ${i}`).toEqual([]));
  });

  // Hooking z sends a layer through the op-by-op attention (slices, transposes, separate products)
  // on the same blas path, so the two paths' loss and gradients can be compared bit for bit.
  it.each([
    [128, 4, 64, 4],
    [96, 3, 37, 3],
    [512, 8, 128, 1],
  ])("native attention gives the op-by-op path's loss and gradients bit for bit (d %i, %i heads, T %i, batch %i)", (dModel, nHeads, T, B) => {
    const c: GptConfig = { nLayers: 2, dModel, nHeads, dMlp: 4 * dModel, vocabSize: 257, nCtx: T, ...GPT2_SETTINGS };
    useBlas(addon());
    try {
      const params = initParams(c, 3);
      const tokens = tf.tensor2d(Array.from({ length: B * T }, (_, i) => (i * 31 + 7) % 257), [B, T], "int32");
      const targets = tf.tensor1d(Array.from({ length: B * T }, (_, i) => (i * 17 + 3) % 257), "int32");
      const gradsOf = (capture?: Set<"hook_z">) => {
        const { value, grads } = leanVariableGrads(() => crossEntropy(forward(params, c, tokens, { capture }).logits, targets), params);
        return [value.dataSync()[0], Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, g.dataSync() as Float32Array]))] as const;
      };
      const [nativeLoss, native] = gradsOf();
      const [opsLoss, ops] = gradsOf(new Set(["hook_z"]));
      expect(nativeLoss).toBe(opsLoss);
      for (const [name, g] of Object.entries(ops)) expect(differing(native[name], g), name).toEqual([]);
      tf.dispose([...params.values(), tokens, targets]);
    } finally {
      useBlas(null);
    }
  });

  it("refuse operands outside the memory", () => {
    const memory = new ArrayBuffer(64);
    expect(() => addon().gelu(memory, 0, 32, 9, K, C)).toThrow(/outside the memory/);
    expect(() => addon().geluBackward(memory, 0, 4, 8, 12, 20, K, C)).toThrow(/outside the memory/);
    expect(() => addon().sgemm(memory, 0, 0, 0, 1, 2, 2, 2, 0, 0, 60)).toThrow(/outside the memory/);
    expect(() => addon().gelu(memory, 2, 32, 1, K, C)).toThrow(/outside the memory/);
  });
});
