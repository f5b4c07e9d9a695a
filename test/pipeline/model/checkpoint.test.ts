import { describe, it, expect, beforeEach, afterEach } from "vitest";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { decodeSafetensors, encodeSafetensors, type TensorEntry } from "../../../src/pipeline/artifacts/safetensors.ts";
import { checkFinite, fromHfCheckpoint, loadCheckpoint, saveCheckpoint, saveCheckpointFrom, toHfCheckpoint } from "../../../src/pipeline/model/checkpoint.ts";
import { GPT2_SETTINGS, paramShapes, type GptConfig, type Weights } from "../../../src/pipeline/model/config.ts";

const V = 257;
const P = 16;
const D = 8;
const WITH_MLP: GptConfig = { nLayers: 2, dModel: D, nHeads: 2, dMlp: 4 * D, vocabSize: V, nCtx: P, ...GPT2_SETTINGS };
const ATTN_ONLY: GptConfig = { nLayers: 2, dModel: D, nHeads: 2, dMlp: 0, vocabSize: V, nCtx: P, ...GPT2_SETTINGS };

/** mulberry32: a small seeded PRNG so the fixture model is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32 - 0.5;
  };
}

function randomParams(config: GptConfig, seed = 1): Weights {
  const next = rng(seed);
  const params: Weights = new Map();
  for (const [name, shape] of paramShapes(config)) {
    const data = new Float32Array(shape.reduce((n, d) => n * d, 1));
    for (let i = 0; i < data.length; i++) data[i] = next();
    params.set(name, { shape, data });
  }
  return params;
}

const bits = (a: Float32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);

describe("paramShapes", () => {
  it("lists GPT-2's tensors with lm_head stored [D, V]", () => {
    const s = paramShapes(WITH_MLP);
    expect(s.size).toBe(2 + 2 * 12 + 2 + 1);
    expect(s.get("wte.weight")).toEqual([V, D]);
    expect(s.get("wpe.weight")).toEqual([P, D]);
    expect(s.get("h.1.attn.c_attn.weight")).toEqual([D, 3 * D]);
    expect(s.get("h.1.attn.c_attn.bias")).toEqual([3 * D]);
    expect(s.get("h.0.mlp.c_fc.weight")).toEqual([D, 4 * D]);
    expect(s.get("h.0.mlp.c_proj.weight")).toEqual([4 * D, D]);
    expect(s.get("lm_head.weight")).toEqual([D, V]);
  });

  it("uses dMlp for the MLP width and drops ln_2 and the MLP when attention-only", () => {
    expect(paramShapes({ ...WITH_MLP, dMlp: 12 }).get("h.0.mlp.c_fc.bias")).toEqual([12]);
    const s = paramShapes(ATTN_ONLY);
    expect(s.size).toBe(2 + 2 * 6 + 2 + 1);
    expect([...s.keys()].some((k) => k.includes("mlp") || k.includes("ln_2"))).toBe(false);
  });
});

describe("toHfCheckpoint", () => {
  it("writes transformer.-prefixed keys, format pt, and lm_head as the [V, D] transpose", () => {
    const params = randomParams(WITH_MLP);
    const { safetensors } = toHfCheckpoint(params, { config: WITH_MLP });
    const { tensors, metadata } = decodeSafetensors(safetensors);
    expect(metadata).toEqual({ format: "pt" });
    expect([...tensors.keys()].filter((k) => !k.startsWith("transformer."))).toEqual(["lm_head.weight"]);
    expect(tensors.get("transformer.h.1.mlp.c_fc.weight")!.data).toEqual(params.get("h.1.mlp.c_fc.weight")!.data);
    const head = tensors.get("lm_head.weight")!;
    expect(head.shape).toEqual([V, D]);
    const internal = params.get("lm_head.weight")!.data;
    for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) expect(head.data[v * D + d]).toBe(internal[d * V + v]);
  });

  it("writes the GPT-2 config.json fields and Refit's extras", () => {
    const { configJson } = toHfCheckpoint(randomParams(ATTN_ONLY), { config: ATTN_ONLY, extra: { refit_run_id: "abc" } });
    expect(configJson).toEqual({
      model_type: "gpt2",
      architectures: ["GPT2LMHeadModel"],
      vocab_size: 257,
      n_positions: 16,
      n_ctx: 16,
      n_embd: 8,
      n_layer: 2,
      n_head: 2,
      n_inner: null,
      // transformers builds each block's MLP from this name: it refuses the checkpoint rather than invent an MLP.
      activation_function: "none_attention_only",
      layer_norm_epsilon: 1e-5,
      resid_pdrop: 0,
      embd_pdrop: 0,
      attn_pdrop: 0,
      initializer_range: 0.02,
      tie_word_embeddings: false,
      scale_attn_by_inverse_layer_idx: false,
      bos_token_id: 256,
      eos_token_id: 256,
      refit_attn_only: true,
      refit_tokenizer: "bytes",
      refit_run_id: "abc",
    });
    const mlp = toHfCheckpoint(randomParams({ ...WITH_MLP, dMlp: 12 }), { config: { ...WITH_MLP, dMlp: 12 } });
    expect(mlp.configJson).toMatchObject({ n_inner: 12, refit_attn_only: false, activation_function: "gelu_new" });
    const variant = { ...WITH_MLP, activation: "gelu", layerNormEps: 1e-6, scaleAttnByInverseLayerIdx: true } as const;
    const gpt2 = toHfCheckpoint(randomParams(variant), { config: variant, tokenizer: { name: "gpt2", bos: 7 } });
    expect(gpt2.configJson).toMatchObject({ activation_function: "gelu", layer_norm_epsilon: 1e-6, scale_attn_by_inverse_layer_idx: true, refit_tokenizer: "gpt2", bos_token_id: 7 });
  });

  it("names a missing, misshaped or unexpected tensor", () => {
    const opts = { config: WITH_MLP };
    const missing = randomParams(WITH_MLP);
    missing.delete("h.1.ln_2.bias");
    expect(() => toHfCheckpoint(missing, opts)).toThrow('missing tensor "h.1.ln_2.bias" [8]');
    const misshaped = randomParams(WITH_MLP);
    misshaped.set("lm_head.weight", { shape: [V, D], data: new Float32Array(V * D) });
    expect(() => toHfCheckpoint(misshaped, opts)).toThrow(/tensor "lm_head.weight" has shape \[257,8\].*expected \[8,257\]/);
    const extra = randomParams(WITH_MLP);
    extra.set("h.2.ln_1.weight", { shape: [D], data: new Float32Array(D) });
    expect(() => toHfCheckpoint(extra, opts)).toThrow('unexpected tensor "h.2.ln_1.weight"');
    expect(() => toHfCheckpoint(randomParams(WITH_MLP), { ...opts, extra: { n_embd: 9 } })).toThrow('extra config key "n_embd"');
  });
});

describe("fromHfCheckpoint", () => {
  for (const config of [WITH_MLP, ATTN_ONLY, { ...WITH_MLP, dMlp: 12 }]) {
    it(`round-trips a random model bit-exactly (${JSON.stringify(config)})`, () => {
      const params = randomParams(config, 7);
      const { safetensors, configJson } = toHfCheckpoint(params, { config });
      const back = fromHfCheckpoint(safetensors, JSON.parse(JSON.stringify(configJson)), "ckpt");
      expect(back.config).toEqual(config);
      expect(back.config.vocabSize).toBe(V);
      expect(back.config.nCtx).toBe(P);
      expect([...back.params.keys()].sort()).toEqual([...params.keys()].sort());
      for (const [name, p] of params) {
        expect(back.params.get(name)!.shape).toEqual(p.shape);
        expect(bits(back.params.get(name)!.data)).toEqual(bits(p.data));
      }
    });
  }

  /** Re-encode a checkpoint's tensors after editing them, keeping config.json as written. */
  function edited(edit: (t: Map<string, TensorEntry>) => void, config = WITH_MLP) {
    const { safetensors, configJson } = toHfCheckpoint(randomParams(config), { config });
    const { tensors } = decodeSafetensors(safetensors);
    edit(tensors);
    return { bytes: encodeSafetensors(tensors, { format: "pt" }), config: configJson };
  }

  it("accepts keys without the transformer. prefix and skips attn.bias / attn.masked_bias buffers", () => {
    const { bytes, config } = edited((t) => {
      for (const key of [...t.keys()]) {
        if (key.startsWith("transformer.h.0.")) {
          t.set(key.slice("transformer.".length), t.get(key)!);
          t.delete(key);
        }
      }
      t.set("transformer.h.0.attn.bias", { dtype: "F32", shape: [1, 1, P, P], data: new Float32Array(P * P) });
      t.set("h.1.attn.masked_bias", { dtype: "F32", shape: [], data: new Float32Array([-1e4]) });
    });
    const back = fromHfCheckpoint(bytes, config, "ckpt");
    expect(back.params.has("h.0.attn.c_attn.weight")).toBe(true);
    expect(back.params.has("h.0.attn.bias")).toBe(false);
    expect(back.params.size).toBe(paramShapes(WITH_MLP).size);
  });

  it("refuses a missing lm_head.weight when the head is untied", () => {
    const { bytes, config } = edited((t) => t.delete("lm_head.weight"));
    expect(() => fromHfCheckpoint(bytes, config, "ckpt")).toThrow('ckpt/model.safetensors: missing tensor "lm_head.weight" [257, 8] (config.json says tie_word_embeddings: false)');
  });

  it("ties lm_head to wte when config.json omits tie_word_embeddings (HF's default)", () => {
    const { bytes, config } = edited((t) => t.delete("lm_head.weight"));
    const { tie_word_embeddings: _, ...tied } = config;
    const back = fromHfCheckpoint(bytes, tied, "ckpt");
    const wte = back.params.get("wte.weight")!.data;
    const head = back.params.get("lm_head.weight")!;
    expect(head.shape).toEqual([D, V]);
    for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) expect(head.data[d * V + v]).toBe(wte[v * D + d]);
  });

  it("names a missing, misshaped, non-F32 or unexpected tensor in the file", () => {
    const run = (edit: (t: Map<string, TensorEntry>) => void) => () => {
      const { bytes, config } = edited(edit);
      fromHfCheckpoint(bytes, config, "ckpt");
    };
    expect(run((t) => t.delete("transformer.h.1.mlp.c_proj.bias"))).toThrow('ckpt/model.safetensors: missing tensor "h.1.mlp.c_proj.bias" [8]');
    expect(run((t) => t.set("transformer.wpe.weight", { dtype: "F32", shape: [P + 1, D], data: new Float32Array((P + 1) * D) }))).toThrow(
      'tensor "wpe.weight" has shape [17,8], expected [16,8]',
    );
    expect(run((t) => t.set("transformer.ln_f.bias", { dtype: "F64", shape: [D], data: new Float64Array(D) }))).toThrow('tensor "ln_f.bias" is F64, expected F32');
    expect(run((t) => t.set("transformer.h.2.ln_1.weight", { dtype: "F32", shape: [D], data: new Float32Array(D) }))).toThrow('unexpected tensor "h.2.ln_1.weight"');
    expect(
      run((t) => t.set("h.0.ln_1.weight", t.get("transformer.h.0.ln_1.weight")!)),
    ).toThrow('tensor "h.0.ln_1.weight" appears both with and without');
  });

  it("names the config.json field that is wrong", () => {
    const { safetensors, configJson } = toHfCheckpoint(randomParams(WITH_MLP), { config: WITH_MLP });
    const bad = (patch: Record<string, unknown>) => () => fromHfCheckpoint(safetensors, { ...configJson, ...patch }, "ckpt");
    expect(bad({ n_head: 3 })).toThrow("ckpt/config.json: n_embd (8) must be divisible by n_head (3)");
    expect(bad({ n_embd: "8" })).toThrow(/ckpt\/config\.json: n_embd: /);
    expect(bad({ activation_function: "relu" })).toThrow('ckpt/config.json: activation_function: "relu" is not one Refit computes (gelu_new, gelu_pytorch_tanh, gelu_fast, gelu, or none_attention_only)');
    expect(bad({ model_type: "gpt_neox" })).toThrow(/ckpt\/config\.json: model_type: Refit reads GPT-2 checkpoints/);
    expect(bad({ scale_attn_weights: false })).toThrow(/ckpt\/config\.json: scale_attn_weights: false .* is not supported/);
    expect(bad({ refit_tokenizer: "gpt2" })).toThrow("ckpt/config.json: vocab_size: 257 is smaller than the gpt2 tokenizer's 50257 tokens");
    expect(bad({ bos_token_id: 300 })).toThrow("ckpt/config.json: bos_token_id: 300 is outside the vocabulary (vocab_size 257)");
    expect(bad({ n_layer: 65 })).toThrow(/ckpt\/config\.json: n_layer: /);
    expect(bad({ n_positions: undefined, n_ctx: undefined })).toThrow("ckpt/config.json: n_positions: missing");
  });
});

describe("fromHfCheckpoint on other GPT-2s", () => {
  it("reads the GELU, LayerNorm epsilon and attention scaling a config.json states", () => {
    const { safetensors, configJson } = toHfCheckpoint(randomParams(WITH_MLP), { config: WITH_MLP });
    const read = (patch: Record<string, unknown>) => fromHfCheckpoint(safetensors, { ...configJson, ...patch }, "ckpt").config;
    expect(read({})).toMatchObject({ activation: "gelu_new", layerNormEps: 1e-5, scaleAttnByInverseLayerIdx: false });
    expect(read({ activation_function: "gelu", layer_norm_epsilon: 1e-6, scale_attn_by_inverse_layer_idx: true })).toMatchObject({
      activation: "gelu",
      layerNormEps: 1e-6,
      scaleAttnByInverseLayerIdx: true,
    });
    // transformers' tanh-form names compute gelu_new's formula.
    expect(read({ activation_function: "gelu_pytorch_tanh" }).activation).toBe("gelu_new");
  });

  it("reads attention-only from either marker: Refit's first checkpoints set only refit_attn_only", () => {
    const { safetensors, configJson } = toHfCheckpoint(randomParams(ATTN_ONLY), { config: ATTN_ONLY });
    expect(fromHfCheckpoint(safetensors, configJson, "ckpt").config.dMlp).toBe(0);
    expect(fromHfCheckpoint(safetensors, { ...configJson, activation_function: "gelu_new" }, "ckpt").config.dMlp).toBe(0);
    expect(fromHfCheckpoint(safetensors, { ...configJson, refit_attn_only: undefined }, "ckpt").config.dMlp).toBe(0);
  });

  it("tells the tokenizer from refit_tokenizer, else from GPT-2's or the byte vocabulary, else not at all", () => {
    const at = (vocabSize: number, patch: Record<string, unknown> = {}) => {
      const config = { ...WITH_MLP, vocabSize };
      const { safetensors, configJson } = toHfCheckpoint(randomParams(config), { config });
      const { refit_tokenizer: _, bos_token_id: __, eos_token_id: ___, ...plain } = configJson;
      return fromHfCheckpoint(safetensors, { ...plain, ...patch }, "ckpt").tokenizer;
    };
    expect(at(257)).toEqual({ name: "bytes", bos: 256 });
    expect(at(50257)).toEqual({ name: "gpt2", bos: 50256 });
    expect(at(50304)).toBeNull();
    expect(at(50304, { refit_tokenizer: "gpt2" })).toEqual({ name: "gpt2", bos: 50256 });
    expect(at(50304, { refit_tokenizer: "gpt2", bos_token_id: 50300 })).toEqual({ name: "gpt2", bos: 50300 });
  });

  it("reads a tensor with a non-finite value (a diverged run resumes to fail by its loss); checkFinite names it", () => {
    const params = randomParams(WITH_MLP);
    params.get("h.1.attn.c_proj.weight")!.data[5] = Number.NaN;
    const { safetensors, configJson } = toHfCheckpoint(params, { config: WITH_MLP });
    const read = fromHfCheckpoint(safetensors, configJson, "ckpt");
    expect(() => checkFinite(read.params, "ckpt")).toThrow('ckpt/model.safetensors: tensor "h.1.attn.c_proj.weight" has a non-finite value (NaN) at flat index 5');
    expect(() => checkFinite(randomParams(WITH_MLP), "ckpt")).not.toThrow();
  });
});

describe("saveCheckpoint", () => {
  let tmp: string;
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-ckpt-"));
  });
  afterEach(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("writes model.safetensors and a sorted config.json that loadCheckpoint reads back identically", () => {
    const dir = path.join(tmp, "step-100");
    const params = randomParams(ATTN_ONLY, 3);
    saveCheckpoint(dir, params, { config: ATTN_ONLY });
    expect(fs.readdirSync(dir).sort()).toEqual(["config.json", "model.safetensors"]);
    const keys = Object.keys(JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")));
    expect(keys).toEqual([...keys].sort());
    const back = loadCheckpoint(dir);
    expect(back.config).toEqual(ATTN_ONLY);
    for (const [name, p] of params) expect(bits(back.params.get(name)!.data)).toEqual(bits(p.data));
  });

  it("names the checkpoint folder when a file is missing", () => {
    expect(() => loadCheckpoint(path.join(tmp, "nothing"))).toThrow(/cannot read .*nothing\/config\.json/);
  });

  it("from weights read one at a time, writes the same files byte for byte", async () => {
    const params = randomParams(WITH_MLP, 4);
    const extra = { refit_run_id: "r", refit_step: 3 };
    saveCheckpoint(path.join(tmp, "eager"), params, { config: WITH_MLP, extra });
    const deferred = new Map([...params].map(([name, p]) => [name, { shape: p.shape, data: async () => p.data }]));
    await saveCheckpointFrom(path.join(tmp, "deferred"), deferred, { config: WITH_MLP, extra });
    for (const file of ["model.safetensors", "config.json"]) {
      expect(fs.readFileSync(path.join(tmp, "deferred", file))).toEqual(fs.readFileSync(path.join(tmp, "eager", file)));
    }
  });

  it("from weights read one at a time, refuses a weight of the wrong shape, naming it", async () => {
    const params = new Map([...randomParams(WITH_MLP, 4)].map(([name, p]) => [name, { shape: name === "ln_f.bias" ? [3] : p.shape, data: async () => p.data }]));
    await expect(saveCheckpointFrom(path.join(tmp, "bad"), params, { config: WITH_MLP })).rejects.toThrow(/"ln_f\.bias" has shape \[3\]/);
  });
});
