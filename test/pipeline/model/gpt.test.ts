import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { GPT2_SETTINGS, paramShapes, type GptConfig } from "../../../src/pipeline/model/config.ts";
import { crossEntropy, forward, initParams } from "../../../src/pipeline/model/gpt.ts";
import { hookName } from "../../../src/pipeline/model/hooks.ts";
import { encode, BOS } from "../../../src/pipeline/data/tokenizer.ts";

const config: GptConfig = { nLayers: 2, dModel: 16, nHeads: 4, dMlp: 64, vocabSize: 257, nCtx: 32, ...GPT2_SETTINGS };
const tokensOf = (text: string) => Int32Array.from([BOS, ...encode(text)]);

beforeAll(async () => {
  await initBackend("wasm");
});

describe("initParams", () => {
  it("is bit-identical for the same seed and differs for another", () => {
    const snapshot = (seed: number) => {
      const p = initParams(config, seed);
      const out = [...p.values()].map((v) => Array.from(v.dataSync()));
      tf.dispose([...p.values()]);
      return out;
    };
    expect(snapshot(3)).toEqual(snapshot(3));
    expect(snapshot(3)[0]).not.toEqual(snapshot(4)[0]);
  });

  it("uses GPT-2 init: unit LayerNorm gains, zero biases, std 0.02 weights", () => {
    const p = initParams(config, 0);
    expect(Array.from(p.get("h.0.ln_1.weight")!.dataSync())).toEqual(Array(16).fill(1));
    expect(Array.from(p.get("h.1.attn.c_attn.bias")!.dataSync())).toEqual(Array(48).fill(0));
    const w = p.get("wte.weight")!.dataSync() as Float32Array;
    const std = Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    tf.dispose([...p.values()]);
  });

  it("names parameters as Hugging Face GPT-2 does and omits the MLP when attention-only", () => {
    const names = [...paramShapes({ ...config, dMlp: 0 }).keys()];
    expect(names).toContain("h.1.attn.c_attn.weight");
    expect(names.some((n) => n.includes("mlp") || n.includes("ln_2"))).toBe(false);
  });
});

describe("forward", () => {
  const params = () => initParams(config, 1);

  it("returns attention rows that sum to 1 with nothing above the diagonal", () => {
    const p = params();
    const probe = tokensOf("The jury said it did find that many of Georgia's laws");
    const T = probe.length;
    const pattern = tf.tidy(() => {
      const { captured } = forward(p, config, tf.tensor2d(probe, [1, T], "int32"), { capture: new Set(["hook_pattern"]) });
      return captured.get(hookName(1, "hook_pattern"))!.dataSync();
    });
    for (let h = 0; h < config.nHeads; h++) {
      for (let i = 0; i < T; i++) {
        let sum = 0;
        for (let j = 0; j < T; j++) {
          const a = pattern[(h * T + i) * T + j];
          if (j > i) expect(a).toBe(0);
          sum += a;
        }
        expect(sum).toBeCloseTo(1, 5);
      }
    }
    tf.dispose([...p.values()]);
  });

  it("is causal: changing a later token changes nothing at earlier positions", () => {
    const p = params();
    const a = tokensOf("Merger proposed between the two counties");
    const b = Int32Array.from(a);
    const t = 20;
    b[t] = (b[t] + 7) % 256;
    const logits = (tokens: Int32Array) => tf.tidy(() => forward(p, config, tf.tensor2d(tokens, [1, tokens.length], "int32")).logits.dataSync());
    const la = logits(a);
    const lb = logits(b);
    const V = config.vocabSize;
    expect(Array.from(la.subarray(0, t * V))).toEqual(Array.from(lb.subarray(0, t * V)));
    expect(Array.from(la.subarray(t * V, (t + 1) * V))).not.toEqual(Array.from(lb.subarray(t * V, (t + 1) * V)));
    tf.dispose([...p.values()]);
  });

  it("zero-ablating a head zeroes its z and changes the logits", () => {
    const p = params();
    const probe = tokensOf("Ablation check sentence.");
    const T = probe.length;
    const run = (ablate: [number, number][]) =>
      tf.tidy(() => {
        const r = forward(p, config, tf.tensor2d(probe, [1, T], "int32"), { capture: new Set(["hook_z"]), ablate });
        return { z: r.captured.get(hookName(0, "hook_z"))!.dataSync(), logits: r.logits.dataSync() };
      });
    const base = run([]);
    const ablated = run([[0, 2]]);
    const dh = config.dModel / config.nHeads;
    for (let t = 0; t < T; t++) for (let d = 0; d < dh; d++) expect(Math.abs(ablated.z[(t * config.nHeads + 2) * dh + d])).toBe(0);
    expect(Array.from(ablated.logits)).not.toEqual(Array.from(base.logits));
    tf.dispose([...p.values()]);
  });

  it("ablating each head of a layer at once: copy h zeroes head h's z, the last copy is the plain forward", () => {
    const p = params();
    const probe = tokensOf("Ablation check sentence.");
    const T = probe.length;
    const H = config.nHeads;
    const V = config.vocabSize;
    const dh = config.dModel / H;
    const run = (opts: { ablateEachHeadAt?: number }) =>
      tf.tidy(() => {
        const r = forward(p, config, tf.tensor2d(probe, [1, T], "int32"), { capture: new Set(["hook_z"]), ...opts });
        return { z: r.captured.get(hookName(1, "hook_z"))!.dataSync(), logits: r.logits.dataSync() };
      });
    const base = run({});
    const each = run({ ablateEachHeadAt: 1 });
    expect(each.logits).toHaveLength((H + 1) * T * V);
    expect(each.z).toHaveLength((H + 1) * T * H * dh);
    for (let copy = 0; copy <= H; copy++) {
      for (let t = 0; t < T; t++) {
        for (let h = 0; h < H; h++) {
          const at = ((copy * T + t) * H + h) * dh;
          const head = Array.from(each.z.subarray(at, at + dh));
          if (h === copy) expect(head.every((v) => v === 0)).toBe(true);
          else expect(head.some((v) => v !== 0)).toBe(true);
        }
      }
      const logits = each.logits.subarray(copy * T * V, (copy + 1) * T * V);
      // The unablated copy is the plain forward (up to the products' rounding at another height); the others differ.
      const gap = Math.max(...Array.from(logits, (v, i) => Math.abs(v - base.logits[i])));
      if (copy === H) expect(gap).toBeLessThan(1e-5);
      else expect(gap).toBeGreaterThan(1e-4);
    }
    tf.dispose([...p.values()]);
  });

  it("starts near the uniform loss ln(V) at initialization", () => {
    const p = params();
    const probe = tokensOf("The Fulton County Grand Jury said Friday an investigation");
    const T = probe.length - 1;
    const loss = tf.tidy(() =>
      crossEntropy(forward(p, config, tf.tensor2d(probe.subarray(0, T), [1, T], "int32")).logits, tf.tensor1d(probe.subarray(1), "int32")).dataSync()[0],
    );
    expect(Math.abs(loss - Math.log(257))).toBeLessThan(0.1);
    tf.dispose([...p.values()]);
  });
});

describe("crossEntropy", () => {
  it("matches a hand-computed value", () => {
    // logits [[0, ln 3], [0, 0]], targets [1, 0]: -(ln(3/4) + ln(1/2)) / 2
    const loss = tf.tidy(() => crossEntropy(tf.tensor2d([0, Math.log(3), 0, 0], [2, 2]), tf.tensor1d([1, 0], "int32")).dataSync()[0]);
    expect(loss).toBeCloseTo(-(Math.log(0.75) + Math.log(0.5)) / 2, 6);
  });
});
