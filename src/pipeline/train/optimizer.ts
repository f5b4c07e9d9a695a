// Adam and AdamW with PyTorch semantics (torch.optim.Adam / AdamW, single-tensor path):
// Adam adds weightDecay·p to the gradient (L2); AdamW shrinks p by (1 - lr·weightDecay) before
// the update (decoupled). tfjs ships neither AdamW nor an inspectable Adam state, so both are
// written here over plain variables whose moments can be checkpointed bit-exactly.
// As in nanoGPT, weight decay applies to matrices only (not to biases or LayerNorm gains).
import * as tf from "@tensorflow/tfjs-core";
import { fusedAdam } from "../model/wasm-kernels.ts";

export interface AdamOptions {
  kind: "adam" | "adamw";
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
}

export interface AdamState {
  /** Steps taken so far (PyTorch's `state["step"]`). */
  step: number;
  m: Map<string, tf.Variable>;
  v: Map<string, tf.Variable>;
}

export function initAdamState(params: Map<string, tf.Variable>): AdamState {
  const zerosLike = (p: tf.Variable) => {
    const zeros = tf.zerosLike(p);
    const v = tf.variable(zeros, false);
    zeros.dispose(); // the variable keeps its own reference, and so owns the buffer the fused step writes
    return v;
  };
  return {
    step: 0,
    m: new Map([...params].map(([n, p]) => [n, zerosLike(p)])),
    v: new Map([...params].map(([n, p]) => [n, zerosLike(p)])),
  };
}

export const decays = (p: tf.Tensor): boolean => p.rank >= 2;

/**
 * Scales grads in place of PyTorch's clip_grad_norm_; resolves to the pre-clip global norm. The
 * squares are summed by a chain of adds, not AddN: tfjs-webgpu's AddN binds one buffer per input,
 * more than a device allows for a model's worth of gradients, and on wasm the chain is the same
 * float32 sums in the same order. The norm is read asynchronously, as a GPU backend needs.
 */
export async function clipGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): Promise<{ grads: tf.NamedTensorMap; norm: number }> {
  const total = tf.tidy(() => tf.sqrt(Object.values(grads).map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b))));
  const norm = (await total.data())[0];
  total.dispose();
  const coef = maxNorm / (norm + 1e-6);
  if (coef >= 1) return { grads, norm };
  const clipped: tf.NamedTensorMap = {};
  for (const [n, g] of Object.entries(grads)) clipped[n] = tf.mul(g, coef);
  tf.dispose(grads);
  return { grads: clipped, norm };
}

/** Frees the moments (variables live until disposed, so every finished or failed run must). */
export const disposeAdamState = (state: AdamState): void => tf.dispose([...state.m.values(), ...state.v.values()]);

/**
 * One optimizer step at learning rate lr; updates params and state in place. `fused: false` forces
 * the op-by-op path on wasm too (tests check the two agree bit for bit).
 */
export function adamStep(params: Map<string, tf.Variable>, grads: tf.NamedTensorMap, state: AdamState, lr: number, o: AdamOptions, { fused = true } = {}): void {
  state.step += 1;
  const bc1 = 1 - o.beta1 ** state.step;
  const bc2Sqrt = Math.sqrt(1 - o.beta2 ** state.step);
  const stepSize = lr / bc1;
  for (const [name, p] of params) {
    const g0 = grads[name];
    if (!g0) throw new Error(`optimizer: no gradient for parameter ${name}`);
    const wd = decays(p) ? o.weightDecay : 0;
    const m = state.m.get(name)!;
    const v = state.v.get(name)!;
    // AdamW decays p before the update; Adam adds wd·p to the gradient (L2). Both paths read these.
    const decay = o.kind === "adamw" && wd > 0 ? 1 - lr * wd : 1;
    const l2 = o.kind === "adam" ? wd : 0;
    // On wasm one fused kernel does the same float32 operations in place (kernels/adam.wat).
    if (fused && fusedAdam(p, g0, m, v, { beta1: o.beta1, beta2: o.beta2, bc2Sqrt, eps: o.eps, stepSize, decay, l2 })) continue;
    tf.tidy(() => {
      const g = l2 !== 0 ? tf.add(g0, tf.mul(p, l2)) : g0;
      m.assign(tf.add(tf.mul(m, o.beta1), tf.mul(g, 1 - o.beta1)));
      v.assign(tf.add(tf.mul(v, o.beta2), tf.mul(tf.mul(g, g), 1 - o.beta2)));
      const decayed = decay !== 1 ? tf.mul(p, decay) : p;
      const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), o.eps);
      p.assign(tf.sub(decayed, tf.mul(tf.div(m, denom), stepSize)));
    });
  }
}
