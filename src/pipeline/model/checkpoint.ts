// Hugging Face GPT-2 checkpoints (model.safetensors + config.json) to and from Refit's weights: a
// name map. Internal names are HF's without `transformer.`; the only layout change is lm_head,
// stored [D, V] internally (x·W, like Conv1D) but [V, D] by HF's nn.Linear. The model's shapes
// come from model/config.ts. Any GPT-2 reads: tied or untied head, gelu or gelu_new, any
// vocabulary, context and LayerNorm epsilon, scale_attn_by_inverse_layer_idx. Bad files are an
// InputError naming the file and the field or tensor. Plain Float32Arrays in and out: no tfjs here.
import * as path from "node:path";
import { z } from "zod";
import { InputError } from "../artifacts/input-error.ts";
import { decodeSafetensors, encodeSafetensors, writeSafetensors, type TensorEntry } from "../artifacts/safetensors.ts";
import { readBytes, readJson, writeFileAtomic, writeJsonAtomic } from "../artifacts/store.ts";
import { ModelSchema } from "../artifacts/suite.ts";
import { bytesTokenizer, TOKENIZERS, type TokenizerName } from "../data/tokenizer.ts";
import { tokenizerNamed } from "../data/tokenizers.ts";
import { paramShapes, type Activation, type GptConfig, type Weights } from "./config.ts";

/** Which tokenizer a checkpoint's model reads, and the id that begins every sequence. */
export interface CheckpointTokenizer {
  name: TokenizerName;
  bos: number;
}

export interface CheckpointOptions {
  config: GptConfig;
  /** Recorded as refit_tokenizer and bos/eos_token_id; Refit's refits read bytes (the default). */
  tokenizer?: CheckpointTokenizer;
  /** Extra config.json keys (Refit's own, e.g. run id); may not replace a standard key. */
  extra?: Record<string, unknown>;
}

export interface Checkpoint {
  config: GptConfig;
  params: Weights;
  /** From config.json's refit_tokenizer, else GPT-2's vocabulary size (50257) or the byte tokenizer's (257); null when it cannot tell. */
  tokenizer: CheckpointTokenizer | null;
}

/**
 * activation_function of an attention-only model. transformers builds every GPT-2 block's MLP with
 * ACT2FN[activation_function], so this value makes it refuse the checkpoint (a KeyError naming it)
 * instead of loading a GPT-2 whose MLP weights are silently random.
 */
export const ATTN_ONLY_ACTIVATION = "none_attention_only";
/** config.json's activation_function values Refit computes; gelu_pytorch_tanh and gelu_fast are gelu_new's formula. */
const HF_ACTIVATIONS: Record<string, Activation> = { gelu_new: "gelu_new", gelu_pytorch_tanh: "gelu_new", gelu_fast: "gelu_new", gelu: "gelu" };
const PREFIX = "transformer.";
const HEAD = "lm_head.weight";

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Row-major [rows, cols] -> [cols, rows]. */
function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  return out;
}

/** Weights whose values are read only when the file is written (a model's variables), one at a time. */
export type DeferredWeights = Map<string, { shape: number[]; data: () => Promise<Float32Array> }>;

/**
 * The file's tensors by HF name, each checked against the config (valuesOf counts an entry's
 * values); `head` turns lm_head's values into HF's [V, D] layout.
 */
function hfTensors<D>(params: Map<string, { shape: number[]; data: D }>, c: GptConfig, valuesOf: (p: { shape: number[]; data: D }) => number, head: (data: D) => D) {
  const expected = paramShapes(c);
  for (const name of params.keys()) {
    if (!expected.has(name)) throw new Error(`toHfCheckpoint: unexpected tensor "${name}" for this model config`);
  }
  const tensors = new Map<string, { dtype: "F32"; shape: number[]; data: D }>();
  for (const [name, shape] of expected) {
    const p = params.get(name);
    if (p === undefined) throw new Error(`toHfCheckpoint: missing tensor "${name}" [${shape}]`);
    if (!sameShape(p.shape, shape) || valuesOf(p) !== shape.reduce((n, d) => n * d, 1)) {
      throw new Error(`toHfCheckpoint: tensor "${name}" has shape [${p.shape}] (${valuesOf(p)} values), expected [${shape}]`);
    }
    if (name === HEAD) tensors.set(HEAD, { dtype: "F32", shape: [c.vocabSize, c.dModel], data: head(p.data) });
    else tensors.set(PREFIX + name, { dtype: "F32", shape: [...shape], data: p.data });
  }
  return tensors;
}

/** Export a parameter map as HF GPT-2 safetensors bytes plus config.json contents. */
export function toHfCheckpoint(params: Weights, opts: CheckpointOptions): { safetensors: Uint8Array; configJson: Record<string, unknown> } {
  const { dModel, vocabSize } = opts.config;
  const tensors: Map<string, TensorEntry> = hfTensors(params, opts.config, (p) => p.data.length, (data) => transpose(data, dModel, vocabSize));
  return { safetensors: encodeSafetensors(tensors, { format: "pt" }), configJson: hfConfig(opts) };
}

function hfConfig({ config: c, tokenizer = { name: "bytes", bos: bytesTokenizer.bos }, extra = {} }: CheckpointOptions): Record<string, unknown> {
  const config: Record<string, unknown> = {
    model_type: "gpt2",
    architectures: ["GPT2LMHeadModel"],
    vocab_size: c.vocabSize,
    n_positions: c.nCtx,
    n_ctx: c.nCtx,
    n_embd: c.dModel,
    n_layer: c.nLayers,
    n_head: c.nHeads,
    // null is HF's "4 * n_embd" (GPT-2's own width, and Refit's default); attention-only has no MLP.
    n_inner: c.dMlp === 0 || c.dMlp === 4 * c.dModel ? null : c.dMlp,
    activation_function: c.dMlp === 0 ? ATTN_ONLY_ACTIVATION : c.activation,
    layer_norm_epsilon: c.layerNormEps,
    resid_pdrop: 0,
    embd_pdrop: 0,
    attn_pdrop: 0,
    initializer_range: 0.02,
    tie_word_embeddings: false,
    scale_attn_by_inverse_layer_idx: c.scaleAttnByInverseLayerIdx,
    bos_token_id: tokenizer.bos,
    eos_token_id: tokenizer.bos,
    refit_attn_only: c.dMlp === 0,
    refit_tokenizer: tokenizer.name,
  };
  for (const [key, value] of Object.entries(extra)) {
    if (Object.hasOwn(config, key)) throw new Error(`toHfCheckpoint: extra config key "${key}" would replace a standard key`);
    config[key] = value;
  }
  return config;
}

/** The config.json keys Refit reads; everything else is kept by HF and ignored here. The
 *  architecture keys take the suite's bounds, so a checkpoint holds a model a suite could state. */
const HfConfigSchema = z.looseObject({
  model_type: z.literal("gpt2", { message: "Refit reads GPT-2 checkpoints (model_type gpt2)" }).optional(),
  vocab_size: z.int().min(1),
  n_positions: z.int().min(1).optional(),
  n_ctx: z.int().min(1).optional(),
  n_embd: ModelSchema.shape.dModel.unwrap(),
  n_layer: ModelSchema.shape.nLayers.unwrap(),
  n_head: ModelSchema.shape.nHeads.unwrap(),
  n_inner: ModelSchema.shape.dMlp.unwrap().nullable().optional(),
  activation_function: z.string().default("gelu_new"),
  layer_norm_epsilon: z.number().gt(0).lt(1).default(1e-5),
  // HF's default is true: a tied head is the transpose of wte, not a missing tensor.
  tie_word_embeddings: z.boolean().default(true),
  scale_attn_weights: z.literal(true, { message: "false (attention scores not divided by sqrt(d_head)) is not supported" }).optional(),
  scale_attn_by_inverse_layer_idx: z.boolean().default(false),
  add_cross_attention: z.literal(false, { message: "cross-attention is not part of a decoder-only GPT-2" }).optional(),
  refit_attn_only: z.boolean().default(false),
  refit_tokenizer: z.enum(TOKENIZERS).optional(),
  bos_token_id: z.int().min(0).nullable().optional(),
});

/** The tokenizer config.json names (refit_tokenizer), or the one its vocabulary size implies; null when neither tells. */
function tokenizerOf(c: z.infer<typeof HfConfigSchema>, configSource: string): CheckpointTokenizer | null {
  const byVocab: Partial<Record<number, TokenizerName>> = { 50257: "gpt2", 257: "bytes" };
  const name = c.refit_tokenizer ?? byVocab[c.vocab_size];
  if (name === undefined) return null;
  const tokenizer = tokenizerNamed(name);
  if (c.vocab_size < tokenizer.vocabSize) {
    throw new InputError(`${configSource}: vocab_size: ${c.vocab_size} is smaller than the ${name} tokenizer's ${tokenizer.vocabSize} tokens`);
  }
  const bos = c.bos_token_id ?? tokenizer.bos;
  if (bos >= c.vocab_size) throw new InputError(`${configSource}: bos_token_id: ${bos} is outside the vocabulary (vocab_size ${c.vocab_size})`);
  return { name, bos };
}

/**
 * Import an HF GPT-2 checkpoint (keys with or without `transformer.`). A missing lm_head is an
 * error unless config.json ties it to wte; attn.bias / attn.masked_bias buffers are skipped.
 */
export function fromHfCheckpoint(safetensorsBytes: Uint8Array, configJson: unknown, source: string): Checkpoint {
  const configSource = `${source}/config.json`;
  const weightsSource = `${source}/model.safetensors`;
  const parsed = HfConfigSchema.safeParse(configJson);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(`${configSource}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`);
  }
  const c = parsed.data;
  const nCtx = c.n_positions ?? c.n_ctx;
  if (nCtx === undefined) throw new InputError(`${configSource}: n_positions: missing (and no legacy n_ctx)`);
  if (c.n_embd % c.n_head !== 0) throw new InputError(`${configSource}: n_embd (${c.n_embd}) must be divisible by n_head (${c.n_head})`);
  const attnOnly = c.refit_attn_only || c.activation_function === ATTN_ONLY_ACTIVATION;
  const activation = HF_ACTIVATIONS[c.activation_function];
  if (!attnOnly && activation === undefined) {
    const known = Object.keys(HF_ACTIVATIONS).join(", ");
    throw new InputError(`${configSource}: activation_function: "${c.activation_function}" is not one Refit computes (${known}, or ${ATTN_ONLY_ACTIVATION})`);
  }
  const D = c.n_embd;
  const V = c.vocab_size;
  const config: GptConfig = {
    nLayers: c.n_layer,
    dModel: D,
    nHeads: c.n_head,
    dMlp: attnOnly ? 0 : (c.n_inner ?? 4 * D),
    vocabSize: V,
    nCtx,
    activation: activation ?? "gelu_new",
    layerNormEps: c.layer_norm_epsilon,
    scaleAttnByInverseLayerIdx: c.scale_attn_by_inverse_layer_idx,
  };
  const tokenizer = tokenizerOf(c, configSource);

  const { tensors } = decodeSafetensors(safetensorsBytes, weightsSource);
  const found = new Map<string, TensorEntry>();
  for (const [key, t] of tensors) {
    const name = key.startsWith(PREFIX) ? key.slice(PREFIX.length) : key;
    if (/\.attn\.(bias|masked_bias)$/.test(name)) continue;
    if (found.has(name)) throw new InputError(`${weightsSource}: tensor "${name}" appears both with and without the "${PREFIX}" prefix`);
    found.set(name, t);
  }

  const params: Weights = new Map();
  for (const [name, shape] of paramShapes(config)) {
    if (name === HEAD) continue;
    params.set(name, { shape, data: f32Tensor(found, name, shape, weightsSource) });
  }
  if (c.tie_word_embeddings) {
    // As in transformers, a tied head is wte itself, and any lm_head.weight in the file is unused.
    params.set(HEAD, { shape: [D, V], data: transpose(params.get("wte.weight")!.data, V, D) });
  } else if (found.has(HEAD)) {
    params.set(HEAD, { shape: [D, V], data: transpose(f32Tensor(found, HEAD, [V, D], weightsSource), V, D) });
  } else {
    throw new InputError(`${weightsSource}: missing tensor "${HEAD}" [${V}, ${D}] (config.json says tie_word_embeddings: false)`);
  }
  for (const name of found.keys()) {
    if (!params.has(name)) throw new InputError(`${weightsSource}: unexpected tensor "${name}" for a model with config ${JSON.stringify(config)}`);
  }
  return { config, params, tokenizer };
}

function f32Tensor(found: Map<string, TensorEntry>, name: string, shape: number[], source: string): Float32Array {
  const t = found.get(name);
  if (t === undefined) throw new InputError(`${source}: missing tensor "${name}" [${shape}]`);
  if (t.dtype !== "F32") throw new InputError(`${source}: tensor "${name}" is ${t.dtype}, expected F32`);
  if (!sameShape(t.shape, shape)) throw new InputError(`${source}: tensor "${name}" has shape [${t.shape}], expected [${shape}]`);
  return t.data as Float32Array;
}

/**
 * Throws an InputError naming the first tensor that holds a NaN or an infinity. A checkpoint to
 * measure must be finite; resuming training does not ask, so a diverged run is still recorded as
 * failed by its loss.
 */
export function checkFinite(params: Weights, source: string): void {
  for (const [name, { data }] of params) {
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i])) throw new InputError(`${source}/model.safetensors: tensor "${name}" has a non-finite value (${data[i]}) at flat index ${i}`);
    }
  }
}

/** Write `model.safetensors` then `config.json` into `dir`, each atomically. */
export function saveCheckpoint(dir: string, params: Weights, opts: CheckpointOptions): void {
  const { safetensors, configJson } = toHfCheckpoint(params, opts);
  writeFileAtomic(path.join(dir, "model.safetensors"), safetensors);
  writeJsonAtomic(path.join(dir, "config.json"), configJson);
}

/**
 * saveCheckpoint for weights read as the file is written, one at a time (a model's variables, at
 * each training checkpoint): the same bytes, never all in memory at once.
 */
export async function saveCheckpointFrom(dir: string, params: DeferredWeights, opts: CheckpointOptions): Promise<void> {
  const { dModel, vocabSize } = opts.config;
  const shaped = (p: { shape: number[] }) => p.shape.reduce((n, d) => n * d, 1);
  const tensors = hfTensors(params, opts.config, shaped, (read) => async () => transpose(await read(), dModel, vocabSize));
  await writeSafetensors(path.join(dir, "model.safetensors"), tensors, { format: "pt" });
  writeJsonAtomic(path.join(dir, "config.json"), hfConfig(opts));
}

export function loadCheckpoint(dir: string): Checkpoint {
  const configJson = readJson(path.join(dir, "config.json"), z.unknown());
  return fromHfCheckpoint(readBytes(path.join(dir, "model.safetensors")), configJson, dir);
}
