// Head importance in the capture: probe-set perplexity against a hand softmax over the model's
// logits, dPPL exactly 0 for a head whose W_O rows are zero, and ablation.dppl surviving the
// capture file round trip (and absent when not measured, as for untrained refits).
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { captureRun, headAblation, probePerplexity } from "../../../src/pipeline/capture/capture.ts";
import { decodeCapture, encodeCapture } from "../../../src/pipeline/capture/format.ts";
import { BOS, encode } from "../../../src/pipeline/data/tokenizer.ts";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { GPT2_SETTINGS, type GptConfig } from "../../../src/pipeline/model/config.ts";
import { forward, initParams, type Params } from "../../../src/pipeline/model/gpt.ts";
import { CellConfigSchema } from "../../../src/pipeline/artifacts/suite.ts";

const config: GptConfig = { nLayers: 2, dModel: 16, nHeads: 4, dMlp: 64, vocabSize: 257, nCtx: 32, ...GPT2_SETTINGS };
const probes = ["The cat sat.", "A dog ran off!", "Hi."].map((s) => Int32Array.from([BOS, ...encode(s)]));
let params: Params;

beforeAll(async () => {
  await initBackend("wasm");
  params = initParams(config, 7);
});
afterAll(() => tf.dispose([...params.values()]));

describe("probePerplexity", () => {
  it("is exp of the mean next-token NLL over all probes, by a hand softmax", () => {
    let nll = 0;
    let count = 0;
    for (const probe of probes) {
      const T = probe.length;
      const logits = tf.tidy(() => forward(params, config, tf.tensor2d(probe, [1, T], "int32")).logits.arraySync());
      for (let t = 0; t < T - 1; t++) {
        const row = logits[t];
        const max = Math.max(...row);
        const logZ = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
        nll += logZ - row[probe[t + 1]];
        count++;
      }
    }
    expect(probePerplexity(params, config, probes)).toBeCloseTo(Math.exp(nll / count), 3);
  });
});

describe("headAblation", () => {
  it("gives exactly 0 for a head that writes nothing (zero W_O rows) and nonzero for the others", () => {
    const dh = config.dModel / config.nHeads;
    const wo = params.get("h.1.attn.c_proj.weight")!;
    const saved = wo.clone();
    // Head 2 of layer 1 reads rows 2*dh..3*dh of c_proj: zero them.
    wo.assign(tf.tidy(() => tf.mul(saved, tf.tensor2d(Array.from({ length: config.dModel }, (_, r) => (r >= 2 * dh && r < 3 * dh ? 0 : 1)), [config.dModel, 1]))));
    const dppl = headAblation(params, config, probes);
    wo.assign(saved);
    saved.dispose();
    expect(dppl).toHaveLength(config.nLayers * config.nHeads);
    expect(dppl[1 * config.nHeads + 2]).toBe(0);
    expect(Array.from(dppl).filter((v) => v !== 0).length).toBeGreaterThan(4);
  });
});

describe("captureRun", () => {
  const meta = () => ({
    format: "refit.capture" as const,
    version: 2 as const,
    seed: 7,
    family: "f",
    source: { kind: "refit" as const, runId: "r7" },
    config: CellConfigSchema.parse({ data: { nCtx: 32 }, train: {}, model: { nLayers: 2, dModel: 16, nHeads: 4 } }),
    tokenizer: "bytes",
    probeSet: { id: "test", hash: "h" },
    probeLengths: probes.map((p) => p.length),
    backend: "wasm" as const,
  });

  it("stores ablation.dppl [L, H] through the file round trip, and leaves it out when asked", () => {
    const withAblation = captureRun(params, config, probes, meta());
    const back = decodeCapture(encodeCapture(withAblation), "mem");
    expect(Array.from(back.ablation!)).toEqual(Array.from(withAblation.ablation!));
    expect(Array.from(back.ablation!)).toEqual(Array.from(headAblation(params, config, probes)));
    const without = captureRun(params, config, probes, meta(), { ablation: false });
    expect(without.ablation).toBeUndefined();
    expect(decodeCapture(encodeCapture(without), "mem").ablation).toBeUndefined();
  });
});
