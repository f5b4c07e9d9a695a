// Head importance in the capture (batched: every head of a layer in one pass): dPPL and the
// per-probe fingerprint against hand ablations (a hand softmax over the logits of forward with the
// head's z zeroed, one head at a time), both exactly 0 for a head whose W_O rows are zero, and ablation.dppl, ablation.nll and output.logprobs
// surviving the capture file round trip (the ablation absent when not measured, as for untrained refits).
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

/** Mean next-token NLL of one probe by a hand softmax over the model's logits, with `ablate`'s heads zeroed. */
function handNll(probe: Int32Array, ablate: [number, number][] = []): number {
  const T = probe.length;
  const logits = tf.tidy(() => forward(params, config, tf.tensor2d(probe, [1, T], "int32"), { ablate }).logits.arraySync());
  let nll = 0;
  for (let t = 0; t < T - 1; t++) {
    const row = logits[t];
    const max = Math.max(...row);
    nll += max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[probe[t + 1]];
  }
  return nll / (T - 1);
}

beforeAll(async () => {
  await initBackend("wasm");
  params = initParams(config, 7);
});
afterAll(() => tf.dispose([...params.values()]));

describe("probePerplexity", () => {
  it("is exp of the mean next-token NLL over all probes, by a hand softmax", async () => {
    const nll = probes.reduce((s, p) => s + handNll(p) * (p.length - 1), 0);
    const count = probes.reduce((s, p) => s + p.length - 1, 0);
    expect(await probePerplexity(params, config, probes)).toBeCloseTo(Math.exp(nll / count), 3);
  });
});

describe("headAblation", () => {
  it("gives exactly 0 for a head that writes nothing (zero W_O rows) and nonzero for the others", async () => {
    const dh = config.dModel / config.nHeads;
    const wo = params.get("h.1.attn.c_proj.weight")!;
    const saved = wo.clone();
    // Head 2 of layer 1 reads rows 2*dh..3*dh of c_proj: zero them.
    wo.assign(tf.tidy(() => tf.mul(saved, tf.tensor2d(Array.from({ length: config.dModel }, (_, r) => (r >= 2 * dh && r < 3 * dh ? 0 : 1)), [config.dModel, 1]))));
    const { dppl, nll } = await headAblation(params, config, probes);
    wo.assign(saved);
    saved.dispose();
    expect(dppl).toHaveLength(config.nLayers * config.nHeads);
    expect(dppl[1 * config.nHeads + 2]).toBe(0);
    expect(Array.from(dppl).filter((v) => v !== 0).length).toBeGreaterThan(4);
    const P = probes.length;
    expect(nll).toHaveLength(config.nLayers * config.nHeads * P);
    expect(Array.from(nll.subarray((1 * config.nHeads + 2) * P, (1 * config.nHeads + 3) * P))).toEqual([0, 0, 0]);
  });

  it("gives each head's perplexity change as hand ablations one head at a time do", async () => {
    const perplexity = (ablate: [number, number][] = []) => {
      const nll = probes.reduce((s, p) => s + handNll(p, ablate) * (p.length - 1), 0);
      return Math.exp(nll / probes.reduce((s, p) => s + p.length - 1, 0));
    };
    const base = perplexity();
    const { dppl } = await headAblation(params, config, probes);
    for (let l = 0; l < config.nLayers; l++) {
      for (let h = 0; h < config.nHeads; h++) expect(Math.abs(dppl[l * config.nHeads + h] - (perplexity([[l, h]]) - base)), `layer ${l} head ${h}`).toBeLessThan(1e-3 * base);
    }
  });

  it("fingerprints each head by its per-probe mean NLL change, as a hand ablation gives it", async () => {
    const { nll } = await headAblation(params, config, probes);
    const P = probes.length;
    for (const [l, h] of [[0, 3], [1, 1]] as const) {
      probes.forEach((probe, p) => {
        const change = handNll(probe, [[l, h]]) - handNll(probe);
        expect(nll[(l * config.nHeads + h) * P + p]).toBeCloseTo(change, 4);
      });
    }
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

  it("stores ablation.dppl [L, H] and ablation.nll [L, H, P] through the file round trip, and leaves them out when asked", async () => {
    const withAblation = await captureRun(params, config, probes, meta());
    const back = decodeCapture(encodeCapture(withAblation), "mem");
    expect(Array.from(back.ablation!)).toEqual(Array.from(withAblation.ablation!));
    const direct = await headAblation(params, config, probes);
    expect(Array.from(back.ablation!)).toEqual(Array.from(direct.dppl));
    expect(Array.from(back.ablationNll!)).toEqual(Array.from(direct.nll));
    const without = await captureRun(params, config, probes, meta(), { ablation: false });
    expect(without.ablation).toBeUndefined();
    expect(without.ablationNll).toBeUndefined();
    expect(decodeCapture(encodeCapture(without), "mem").ablation).toBeUndefined();
  });

  it("stores next-token log-probabilities [N, V] that normalise at every position", async () => {
    const c = await captureRun(params, config, probes, meta(), { ablation: false });
    const V = config.vocabSize;
    const N = probes.reduce((s, p) => s + p.length, 0);
    const back = decodeCapture(encodeCapture(c), "mem");
    expect(back.logprobs).toHaveLength(N * V);
    for (let i = 0; i < N; i++) {
      const total = back.logprobs!.subarray(i * V, (i + 1) * V).reduce((s, v) => s + Math.exp(v), 0);
      expect(total).toBeCloseTo(1, 4);
    }
    // Position 0 of probe 1 predicts its token 1: the hand NLL's first term.
    const at = probes[0].length;
    expect(-back.logprobs![at * V + probes[1][1]]).toBeGreaterThan(0);
  });
});
