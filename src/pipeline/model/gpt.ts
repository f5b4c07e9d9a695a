// GPT-2 style decoder in tfjs: token + learned position embeddings, pre-LayerNorm blocks,
// causal multi-head attention, GELU (tanh form "gelu_new", or the erf form of some checkpoints) MLP
// or attention-only, final LayerNorm, unembedding. Follows nanoGPT's model.py; parameters are keyed by Hugging
// Face GPT-2 names (without the `transformer.` prefix, shapes in config.ts) so checkpoint.ts is a
// name map.
import * as tf from "@tensorflow/tfjs-core";
import { paramShapes, type Activation, type GptConfig, type Weights } from "./config.ts";
import { type Hook, hookName } from "./hooks.ts";
import {
  type AttentionShape,
  attentionBackwardNative,
  attentionNative,
  causalSoftmax,
  causalSoftmaxGrad,
  crossEntropyGrad,
  embedRowsApply,
  gatherRows,
  geluBackwardNative,
  geluGrad,
  geluInner,
  geluNative,
  layerNormBackward,
  layerNormForward,
  matMulBias,
  onNative,
  onWasm,
  qkvInputGrad,
  scatterAddRows,
  softmaxRows,
} from "./wasm-kernels.ts";

export type Params = Map<string, tf.Variable>;

const INIT_STD = 0.02;

/** A 32-bit mix of (seed, index), so every tensor draws from its own stream. */
function tensorSeed(seed: number, index: number): number {
  let x = (Math.imul(seed + 1, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  return (x ^ (x >>> 15)) >>> 0;
}

/** GPT-2 initialisation: N(0, 0.02), residual projections scaled by 1/sqrt(2L), zero biases, unit LN gains. */
export function initParams(c: GptConfig, seed: number): Params {
  const params: Params = new Map();
  [...paramShapes(c)].forEach(([name, shape], index) => {
    const init = tf.tidy(() => {
      if (name.endsWith(".bias")) return tf.zeros(shape);
      if (/ln_\w+\.weight$/.test(name)) return tf.ones(shape);
      const std = name.endsWith("c_proj.weight") ? INIT_STD / Math.sqrt(2 * c.nLayers) : INIT_STD;
      return tf.randomNormal(shape, 0, std, "float32", tensorSeed(seed, index));
    });
    params.set(name, tf.variable(init, true));
    init.dispose();
  });
  return params;
}

/** Variables holding given weights (e.g. a loaded checkpoint); every parameter must be present with its shape. */
export function paramsFromWeights(c: GptConfig, weights: Weights): Params {
  const params: Params = new Map();
  for (const [name, shape] of paramShapes(c)) {
    const w = weights.get(name);
    if (!w || w.shape.join() !== shape.join()) throw new Error(`weights: "${name}" is ${w ? `[${w.shape}]` : "missing"}, expected [${shape}]`);
    const value = tf.tensor(w.data, shape);
    params.set(name, tf.variable(value, true));
    value.dispose(); // the variable keeps its own reference to the data
  }
  return params;
}

// Dense layers, the embedding, LayerNorm and the loss carry hand-written gradients shaped for the
// wasm backend (docs/kernels.md): products pass transpose flags, which Refit's matmul
// kernels (model/wasm-kernels.ts) read in place, and column sums (bias and gain gradients) are
// ones·dy matmuls, since a reduction over the outer axis transposes internally.
type Grad = tf.GradSaveFunc;

/** ones[1, N] · x: the column sums of a [N, F] matrix as one fast matmul, shape [F]. */
function columnSums(x: tf.Tensor2D): tf.Tensor1D {
  return tf.reshape(tf.matMul(tf.ones([1, x.shape[0]]) as tf.Tensor2D, x), [x.shape[1]]);
}

/** x·w + b: on the blas path one call that adds the bias as the product is written (same bits). */
const affine = (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D => (onNative(x, w, b) ? matMulBias(x, w, b) : tf.add(tf.matMul(x, w), b));

const dense = tf.customGrad((...args: (tf.Tensor | Grad)[]) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, Grad];
  save([x, w]);
  return {
    value: affine(x, w, b),
    gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, ws as tf.Tensor2D, false, true),
      tf.matMul(xs as tf.Tensor2D, dy as tf.Tensor2D, true, false),
      columnSums(dy as tf.Tensor2D),
    ],
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

const denseNoBias = tf.customGrad((...args: (tf.Tensor | Grad)[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, Grad];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, ws as tf.Tensor2D, false, true),
      tf.matMul(xs as tf.Tensor2D, dy as tf.Tensor2D, true, false),
    ],
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

function linear(x: tf.Tensor2D, w: tf.Tensor, b?: tf.Tensor): tf.Tensor2D {
  return b ? dense(x, w as tf.Tensor2D, b as tf.Tensor1D) : denseNoBias(x, w as tf.Tensor2D);
}

/** Rows of wte for flat token ids [N] -> [N, D]: gather forward; its gradient (UnsortedSegmentSum, absent on wasm) as one-hotᵀ · dy, or kernels on wasm. */
function embed(wte: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const f = tf.customGrad((...args: (tf.Tensor | Grad)[]) => {
    const [w] = args as [tf.Tensor2D];
    // On wasm, row copies and an ordered scatter-add (kernels/rows.wat): its GatherV2 is slow.
    if (embedRowsApply(w, ids)) return { value: gatherRows(w, ids), gradFunc: (dy: tf.Tensor) => scatterAddRows(dy, ids, w.shape[0]) };
    return {
      value: tf.gather(w, ids),
      gradFunc: (dy: tf.Tensor) => tf.matMul(tf.cast(tf.oneHot(ids, w.shape[0]), "float32") as tf.Tensor2D, dy as tf.Tensor2D, true, false),
    };
  }) as (w: tf.Tensor2D) => tf.Tensor2D;
  return f(wte);
}

/**
 * LayerNorm over the last axis (biased variance, as PyTorch), with its closed-form gradient: on
 * wasm two fused kernels (kernels/layernorm.wat), elsewhere the same formulas in ops.
 */
const layerNormWith = (eps: number) =>
  tf.customGrad((...args: (tf.Tensor | Grad)[]) => {
    const [x, g, b, save] = args as [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D, Grad];
    const fused = layerNormForward(x, g, b, eps);
    if (fused) {
      const [y, mean, rstd] = fused;
      save([x, g, mean, rstd]);
      return { value: y, gradFunc: (dy: tf.Tensor, [xs, gs, ms, rs]: tf.Tensor[]) => layerNormBackward(dy, xs, gs, ms, rs) };
    }
    const { mean, variance } = tf.moments(x, -1, true);
    const rstd = tf.rsqrt(tf.add(variance, eps)); // [N, 1]
    const xhat = tf.mul(tf.sub(x, mean), rstd) as tf.Tensor2D;
    save([xhat, rstd, g]);
    return {
      value: tf.add(tf.mul(xhat, g), b),
      gradFunc: (dy: tf.Tensor, [xh, rs, gs]: tf.Tensor[]) => {
        const dxhat = tf.mul(dy, gs);
        const centred = tf.sub(tf.sub(dxhat, tf.mean(dxhat, -1, true)), tf.mul(xh, tf.mean(tf.mul(dxhat, xh), -1, true)));
        return [tf.mul(rs, centred), columnSums(tf.mul(dy, xh) as tf.Tensor2D), columnSums(dy as tf.Tensor2D)];
      },
    };
  }) as (x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;

// gelu_new = 0.5x(1 + tanh(u)) = x·sigmoid(2u), u = sqrt(2/pi)(x + 0.044715x^3); sigmoid and x*x*x are
// much faster than tanh and pow on wasm. There, the polynomial and the whole gradient are fused
// kernels (kernels/gelu.wat) around tfjs's sigmoid, and the GELU is one op with the MLP's second
// dense layer (geluDense); on the blas path the whole GELU is one native pass each way, with the
// same float32 operations (native/elementwise.c); elsewhere, ops and autodiff.
const GELU_K = 2 * Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;

/** sigmoid(u) and gelu_new(x) = x·sigmoid(u) on wasm's kernels. */
function geluParts(x: tf.Tensor): { s: tf.Tensor; h: tf.Tensor2D } {
  const s = tf.sigmoid(geluInner(x, GELU_K, GELU_C));
  return { s, h: tf.mul(x, s) as tf.Tensor2D };
}

/**
 * gelu_new(x)·w + b, saving only x: the backward recomputes sigmoid(u) and the GELU's output from
 * it (the same kernels on the same input, so the same bits), where saving them held two [N, dMlp]
 * activations per layer from the forward to the backward (docs/kernels.md, "Memory").
 */
const geluDense = tf.customGrad((...args: (tf.Tensor | Grad)[]) => {
  const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, Grad];
  save([x, w]);
  const native = onNative(x);
  return {
    value: affine((native ? geluNative(x, GELU_K, GELU_C) : geluParts(x).h) as tf.Tensor2D, w, b),
    gradFunc: (dy: tf.Tensor, [xs, ws]: tf.Tensor[]) => {
      const dh = tf.matMul(dy as tf.Tensor2D, ws as tf.Tensor2D, false, true);
      const [h, dx] = native ? geluBackwardNative(xs, dh, GELU_K, GELU_C) : geluBackward(xs, dh);
      return [dx, tf.matMul(h as tf.Tensor2D, dy as tf.Tensor2D, true, false), columnSums(dy as tf.Tensor2D)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** [gelu_new(x), dh · gelu_new'(x)] on wasm's kernels, recomputing sigmoid(u) from x. */
function geluBackward(x: tf.Tensor, dh: tf.Tensor): tf.Tensor[] {
  const { s, h } = geluParts(x);
  return [h, geluGrad(dh, x, s, GELU_K, GELU_C)];
}

const geluNew = (x: tf.Tensor): tf.Tensor => tf.mul(x, tf.sigmoid(tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), GELU_C)), GELU_K)));

/** The exact GELU, 0.5x(1 + erf(x / sqrt 2)), of checkpoints trained with it; tfjs's Erf and autodiff. */
const geluErf = (x: tf.Tensor): tf.Tensor => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));

const ACTIVATION: Record<Activation, (x: tf.Tensor) => tf.Tensor> = { gelu_new: geluNew, gelu: geluErf };

/** Upper-triangle additive mask [T, T]: 0 on and below the diagonal, -1e9 above (exp underflows to exactly 0). */
function causalMask(T: number): tf.Tensor2D {
  return tf.tidy(() => tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9) as tf.Tensor2D);
}

const causalSoftmaxFused = (scale: number) =>
  tf.customGrad((...args: (tf.Tensor | Grad)[]) => {
    const [scores, save] = args as [tf.Tensor, Grad];
    const pattern = causalSoftmax(scores, scale);
    save([pattern]);
    return { value: pattern, gradFunc: (dy: tf.Tensor, [y]: tf.Tensor[]) => causalSoftmaxGrad(y, dy, scale) };
  }) as (scores: tf.Tensor) => tf.Tensor;

/** softmax(scale · q·kᵀ + causal mask) over the last axis: one fused kernel each way on wasm (kernels/softmax.wat). */
function attentionPattern(scores: tf.Tensor, scale: number, mask: tf.Tensor2D | null): tf.Tensor {
  if (onWasm(scores)) return causalSoftmaxFused(scale)(scores);
  return tf.softmax(tf.add(tf.mul(scores, scale), mask!));
}

// The two ops below are tfjs's own (the same kernels forward and back, so the same bits) as ops
// that save nothing for the backward: tfjs's Reshape and Add save their inputs only to read their
// shapes, which kept every dense layer's output alive from the forward to the backward.

/** [B·T, D] to heads [B, H, T, dh]: a reshape, then a transpose; the gradient undoes both. */
const splitHeads = (B: number, T: number, H: number) =>
  tf.customGrad((...args: (tf.Tensor | Grad)[]) => {
    const [x] = args as [tf.Tensor2D];
    const shape = x.shape;
    return {
      value: tf.transpose(tf.reshape(x, [B, T, H, shape[1] / H]), [0, 2, 1, 3]),
      gradFunc: (dy: tf.Tensor) => tf.reshape(tf.transpose(dy, [0, 2, 1, 3]), shape),
    };
  }) as (x: tf.Tensor2D) => tf.Tensor;

/** The residual stream plus a branch of the same shape; each gradient is dy, as tfjs's Add gives it. */
const residual = tf.customGrad((...args: (tf.Tensor | Grad)[]) => {
  const [x, branch] = args as [tf.Tensor2D, tf.Tensor2D];
  const shape = x.shape;
  return { value: tf.add(x, branch), gradFunc: (dy: tf.Tensor) => [tf.reshape(dy, shape), tf.reshape(dy, shape)] };
}) as (x: tf.Tensor2D, branch: tf.Tensor2D) => tf.Tensor2D;

export interface ForwardOptions {
  /** Hooks to return, per layer. */
  capture?: ReadonlySet<Hook>;
  /** Heads whose z is zeroed, as [layer, head] pairs. */
  ablate?: readonly (readonly [number, number])[];
  /**
   * Every head of this layer ablated in one pass: from the layer on, the batch holds H + 1 copies
   * of the B sequences (copy h with head h's z zeroed, copy H with none; logits [(H+1)·B·T, V] in
   * that order), so the layers before it run once and the products after it are H + 1 times taller.
   */
  ablateEachHeadAt?: number;
  /**
   * Start at this layer from its input residual [B*T, D] (hook_resid_pre of an earlier pass over the
   * same tokens), so passes that differ only from a layer on (the head ablation) run the layers
   * below once. The embedding and those layers are skipped; their hooks are not returned.
   */
  from?: { layer: number; resid: tf.Tensor2D };
  /** c_attn's q, k and v blocks sliced once (attentionBlocks), for passes that do not train. */
  qkv?: AttentionBlocks;
}

/** Per layer, q, k and v's [D, D] weight and [D] bias: column blocks of c_attn's weight and bias. */
export type AttentionBlocks = readonly (readonly (readonly [tf.Tensor, tf.Tensor])[])[];

/** c_attn's column block i (0 q, 1 k, 2 v) of layer l: slices of the weight and bias. */
function attentionBlock(params: Params, D: number, l: number, i: number): [tf.Tensor, tf.Tensor] {
  return [tf.slice(params.get(`h.${l}.attn.c_attn.weight`)!, [0, i * D], [D, D]), tf.slice(params.get(`h.${l}.attn.c_attn.bias`)!, [i * D], [D])];
}

/**
 * Every layer's q, k and v blocks, sliced once for many passes that do not train (capture,
 * ablation): on wasm a slice reads the whole [D, 3D] weight, which per pass costs more than the
 * pass's own products at batch 1. The same values as forward's own slices; dispose them after.
 */
export function attentionBlocks(params: Params, c: GptConfig): AttentionBlocks {
  return Array.from({ length: c.nLayers }, (_, l) => [0, 1, 2].map((i) => attentionBlock(params, c.dModel, l, i)));
}

/** The 0/1 mask [B, 1, H, 1] on z at layer l (copy h of ablateEachHeadAt's H + 1 zeroes head h), or null where none is ablated. */
function zMask(l: number, B: number, H: number, opts: ForwardOptions): tf.Tensor | null {
  if (l === opts.ablateEachHeadAt) {
    const perCopy = B / (H + 1);
    return tf.tensor4d(Array.from({ length: B * H }, (_, i) => (Math.floor(Math.floor(i / H) / perCopy) === i % H ? 0 : 1)), [B, 1, H, 1]);
  }
  const ablated = (opts.ablate ?? []).filter(([al]) => al === l).map(([, ah]) => ah);
  return ablated.length === 0 ? null : tf.tensor4d(Array.from({ length: H }, (_, i) => (ablated.includes(i) ? 0 : 1)), [1, 1, H, 1]);
}

export interface ForwardResult {
  /** [B*T, V] */
  logits: tf.Tensor2D;
  /** hook name (see hooks.ts) -> tensor: pattern [B,H,T,T], z [B,T,H,dh], resid [B,T,D]. */
  captured: Map<string, tf.Tensor>;
}

/** tokens: [B, T] int32, T <= nCtx. Call inside tf.tidy (or dispose the result). */
export function forward(params: Params, c: GptConfig, tokens: tf.Tensor2D, opts: ForwardOptions = {}): ForwardResult {
  const { resid, captured } = residualStream(params, c, tokens, opts);
  return { logits: unembed(params, c, resid), captured };
}

/** The final LayerNorm and the unembedding: logits [N, V] of residuals [N, D]. */
export function unembed(params: Params, c: GptConfig, resid: tf.Tensor2D): tf.Tensor2D {
  const p = (name: string) => params.get(name)!;
  return linear(layerNormWith(c.layerNormEps)(resid, p("ln_f.weight"), p("ln_f.bias")), p("lm_head.weight")); // [BT, V]
}

/** The embedding of tokens [B, T]: token rows plus positions, [B*T, D]. */
function embedTokens(params: Params, c: GptConfig, tokens: tf.Tensor2D): tf.Tensor2D {
  const [B, T] = tokens.shape;
  const D = c.dModel;
  const pos = tf.slice(params.get("wpe.weight")!, [0, 0], [T, D]); // [T, D]
  const tok = embed(params.get("wte.weight") as tf.Tensor2D, tf.reshape(tokens, [B * T]) as tf.Tensor1D); // [BT, D]
  return tf.reshape(tf.add(tf.reshape(tok, [B, T, D]), pos), [B * T, D]) as tf.Tensor2D;
}

/** What one layer reads besides the residual stream. */
interface LayerContext {
  params: Params;
  c: GptConfig;
  B: number;
  T: number;
  opts: ForwardOptions;
  layerNorm: (x: tf.Tensor2D, g: tf.Tensor, b: tf.Tensor) => tf.Tensor2D;
  /** The composed softmax's causal mask; null on wasm, whose kernel masks by itself. */
  mask: tf.Tensor2D | null;
  keep: (hook: Hook, t: () => tf.Tensor) => void;
}

/**
 * ln_1's output [B·T, D] to the heads' outputs, merged [B·T, D], on the blas path: c_attn as one
 * product, then attention reading q, k and v in place (native/attention.c). The same float32
 * operations as the op-by-op path below, so the same bits, without its slices and transposes.
 */
const nativeAttention = (a: AttentionShape) =>
  tf.customGrad((...args: (tf.Tensor | Grad)[]) => {
    const [x, w, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D, Grad];
    const qkv = matMulBias(x, w, b);
    const [z, pattern] = attentionNative(qkv, a);
    save([x, w, qkv, pattern]);
    return {
      value: z,
      gradFunc: (dz: tf.Tensor, [xs, ws, qkvs, ps]: tf.Tensor[]) => {
        const dqkv = attentionBackwardNative(qkvs, ps, dz, a);
        return [qkvInputGrad(dqkv, ws), tf.matMul(xs as tf.Tensor2D, dqkv, true, false), columnSums(dqkv)];
      },
    };
  }) as (x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D) => tf.Tensor2D;

/** One pre-LayerNorm block, [B·T, D] to [B·T, D]: x + attention(ln_1(x)), then + MLP(ln_2(x)). */
function block(x: tf.Tensor2D, l: number, { params, c, B, T, opts, layerNorm, mask, keep }: LayerContext): tf.Tensor2D {
  const p = (name: string) => params.get(`h.${l}.${name}`)!;
  const [D, H] = [c.dModel, c.nHeads];
  const dh = D / H;
  keep("hook_resid_pre", () => tf.reshape(x, [B, T, D]));
  const ln1 = layerNorm(x, p("ln_1.weight"), p("ln_1.bias"));
  const scale = 1 / Math.sqrt(dh) / (c.scaleAttnByInverseLayerIdx ? l + 1 : 1);
  const zeroed = zMask(l, B, H, opts);
  const [cw, cb] = [p("attn.c_attn.weight") as tf.Tensor2D, p("attn.c_attn.bias") as tf.Tensor1D];
  const plain = !zeroed && !opts.qkv && !opts.capture?.has("hook_pattern") && !opts.capture?.has("hook_z");
  const z = plain && onNative(ln1, cw, cb) ? nativeAttention({ B, T, H, scale })(ln1, cw, cb) : attentionOps(ln1, l, { params, c, B, T, opts, mask, keep }, scale, zeroed);
  x = residual(x, linear(z, p("attn.c_proj.weight"), p("attn.c_proj.bias")));
  keep("hook_resid_mid", () => tf.reshape(x, [B, T, D]));
  if (c.dMlp === 0) return x;
  const fc = linear(layerNorm(x, p("ln_2.weight"), p("ln_2.bias")), p("mlp.c_fc.weight"), p("mlp.c_fc.bias"));
  const [w, b] = [p("mlp.c_proj.weight") as tf.Tensor2D, p("mlp.c_proj.bias") as tf.Tensor1D];
  return residual(x, c.activation === "gelu_new" && onWasm(fc) ? geluDense(fc, w, b) : linear(ACTIVATION[c.activation](fc) as tf.Tensor2D, w, b));
}

/** Attention op by op: the heads' outputs [B·T, D] of ln_1's output, with hooks and head ablation. */
function attentionOps(ln1: tf.Tensor2D, l: number, { params, c, B, T, opts, mask, keep }: Omit<LayerContext, "layerNorm">, scale: number, zeroed: tf.Tensor | null): tf.Tensor2D {
  const [D, H] = [c.dModel, c.nHeads];
  // q, k and v from column slices of c_attn's weight and bias ([D, D] each): slicing the small
  // weight costs far less than slicing the [BT, 3D] activations (and padding their gradients).
  const heads = (i: number) => {
    const [w, b] = opts.qkv?.[l][i] ?? attentionBlock(params, D, l, i);
    return splitHeads(B, T, H)(linear(ln1, w, b)); // [B, H, T, dh]
  };
  const [q, k, v] = [heads(0), heads(1), heads(2)];
  const pattern = attentionPattern(tf.matMul(q, k, false, true), scale, mask); // [B, H, T, T]
  keep("hook_pattern", () => pattern);
  let z = tf.transpose(tf.matMul(pattern, v), [0, 2, 1, 3]); // [B, T, H, dh]
  if (zeroed) z = tf.mul(z, zeroed);
  keep("hook_z", () => z);
  return tf.reshape(z, [B * T, D]) as tf.Tensor2D;
}

/**
 * The residual stream after the last block, [B*T, D] (B times H + 1 with ablateEachHeadAt), and the
 * hooks asked for: forward without the unembedding.
 */
export function residualStream(params: Params, c: GptConfig, tokens: tf.Tensor2D, opts: ForwardOptions = {}): { resid: tf.Tensor2D; captured: Map<string, tf.Tensor> } {
  const T = tokens.shape[1];
  let B = tokens.shape[0];
  const captured = new Map<string, tf.Tensor>();
  let x = opts.from ? opts.from.resid : embedTokens(params, c, tokens);
  const layerNorm = layerNormWith(c.layerNormEps);
  const mask = onWasm(x) ? null : causalMask(T);
  for (let l = opts.from?.layer ?? 0; l < c.nLayers; l++) {
    if (l === opts.ablateEachHeadAt) {
      x = tf.tile(x, [c.nHeads + 1, 1]);
      B *= c.nHeads + 1;
    }
    // Each layer in its own tidy: what no gradient reads (the attention scores, the products
    // before their transposes) is freed as the layer ends, not when the whole forward does.
    const hooks: [string, tf.Tensor][] = [];
    const keep = (hook: Hook, t: () => tf.Tensor) => {
      if (opts.capture?.has(hook)) hooks.push([hookName(l, hook), t()]);
    };
    const [next, ...kept] = tf.tidy(() => [block(x, l, { params, c, B, T, opts, layerNorm, mask, keep }), ...hooks.map(([, t]) => t)]);
    hooks.forEach(([name], i) => captured.set(name, kept[i]));
    x = next as tf.Tensor2D;
  }
  return { resid: x, captured };
}

/** Per row, max + log(sum of exp) - target logit: the NLL of softmaxRows's outputs. */
const rowLosses = (max: tf.Tensor, sum: tf.Tensor, picked: tf.Tensor): tf.Tensor1D => tf.sub(tf.add(max, tf.log(sum)), picked) as tf.Tensor1D;

/**
 * Each row's next-token NLL (nats) [N], without a gradient: the terms whose mean crossEntropy is,
 * for passes that need each position's or each sequence's loss (the head ablation).
 */
export function tokenNlls(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Tensor1D {
  if (onWasm(logits) && targets.dtype === "int32") {
    const [, max, sum, picked] = softmaxRows(logits, targets);
    return rowLosses(max, sum, picked);
  }
  return tf.neg(tf.sum(tf.mul(tf.logSoftmax(logits), tf.cast(tf.oneHot(targets, logits.shape[1]), "float32")), 1));
}

/**
 * Mean next-token cross-entropy (nats). targets: [B*T] int32. Gradient (softmax - onehot) / N in one
 * step; on wasm the row softmax and that gradient are kernels (kernels/softmax.wat) and the loss is
 * mean(max + log(sum of exp) - target logit).
 */
export function crossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D): tf.Scalar {
  const N = targets.shape[0];
  const f = tf.customGrad((...args: (tf.Tensor | Grad)[]) => {
    const [x, save] = args as [tf.Tensor2D, Grad];
    if (onWasm(x) && targets.dtype === "int32") {
      const [p, max, sum, picked] = softmaxRows(x, targets);
      save([p]);
      return {
        value: tf.div(tf.sum(rowLosses(max, sum, picked)), N) as tf.Scalar,
        gradFunc: (dy: tf.Tensor, [ps]: tf.Tensor[]) => crossEntropyGrad(ps, targets, dy),
      };
    }
    const logp = tf.logSoftmax(x);
    const oneHot = tf.cast(tf.oneHot(targets, x.shape[1]), "float32");
    save([logp, oneHot]);
    return {
      value: tf.div(tf.neg(tf.sum(tf.mul(logp, oneHot))), N) as tf.Scalar,
      gradFunc: (dy: tf.Tensor, [lp, oh]: tf.Tensor[]) => tf.mul(tf.sub(tf.exp(lp), oh), tf.div(dy, N)),
    };
  }) as (x: tf.Tensor2D) => tf.Scalar;
  return f(logits);
}
