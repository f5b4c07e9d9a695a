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
import { loadBlas } from "../../../src/pipeline/model/blas.ts";
import { crossEntropy, forward, initParams, type Params } from "../../../src/pipeline/model/gpt.ts";
import { hookName } from "../../../src/pipeline/model/hooks.ts";
import { skipUnless } from "../../helpers/requires.ts";
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

/**
 * The ablation as the capture computed it before it kept each layer's input and unembedded only the
 * positions that predict a token: per probe and layer, a whole forward with ablateEachHeadAt from
 * the tokens and each copy's mean loss by crossEntropy on its slice of all T positions' logits.
 */
function unoptimisedAblation(): { dppl: number[]; nll: number[] } {
  const { nLayers: L, nHeads: H } = config;
  const P = probes.length;
  const totals = new Float64Array(L * (H + 1));
  const nll: number[] = Array.from({ length: L * H * P }, () => 0);
  probes.forEach((probe, j) => {
    const T = probe.length;
    for (let l = 0; l < L; l++) {
      const copies = tf.tidy(() => {
        const { logits } = forward(params, config, tf.tensor2d(probe, [1, T], "int32"), { ablateEachHeadAt: l });
        const targets = tf.tensor1d(probe.subarray(1), "int32");
        return Array.from({ length: H + 1 }, (_, h) => crossEntropy(tf.slice(logits, [h * T, 0], [T - 1, logits.shape[1]]), targets).dataSync()[0] * (T - 1));
      });
      copies.forEach((v, h) => (totals[l * (H + 1) + h] += v));
      for (let h = 0; h < H; h++) nll[(l * H + h) * P + j] = (copies[h] - copies[H]) / (T - 1);
    }
  });
  const count = probes.reduce((s, p) => s + p.length - 1, 0);
  const dppl = Array.from({ length: L * H }, (_, i) => {
    const at = Math.floor(i / H) * (H + 1);
    return Math.exp(totals[at + (i % H)] / count) - Math.exp(totals[at + H] / count);
  });
  return { dppl, nll };
}

const blas = loadBlas();
const noBlas = "unavailable" in blas ? `${blas.unavailable} (Debian packages build-essential and libopenblas-dev, then npm run blas)` : null;
const paths = skipUnless(noBlas) ? (["wasm"] as const) : (["wasm", "blas"] as const);

// The capture stores float32: the reference is rounded to it, then must agree within 1e-6 of a
// value's size. Here both paths agree bit for bit; the margin is for a BLAS that blocks a product
// of fewer rows (T - 1 positions, not T) differently and moves the last bits.
const TOLERANCE = 1e-6;
const close = (got: ArrayLike<number>, wanted: readonly number[]) => {
  const want = Float32Array.from(wanted);
  return Array.from(got).every((v, i) => Math.abs(v - want[i]) <= TOLERANCE * Math.max(1, Math.abs(want[i])));
};

describe.each(paths)("headAblation and captureRun on the %s kernels, against the unoptimised passes", (kernels) => {
  beforeAll(() => initBackend("wasm", { kernels }));
  afterAll(() => initBackend("wasm"));

  it("give the dPPL and fingerprints of a whole forward per probe and layer", async () => {
    const want = unoptimisedAblation();
    const got = await headAblation(params, config, probes);
    expect(close(got.dppl, want.dppl), `${Array.from(got.dppl)} vs ${want.dppl}`).toBe(true);
    expect(close(got.nll, want.nll), `${Array.from(got.nll)} vs ${want.nll}`).toBe(true);
  });

  it("capture the patterns and residual streams forward's own hooks give, bit for bit", async () => {
    const c = await captureRun(params, config, probes, { probeLengths: probes.map((p) => p.length) } as never, { ablation: false });
    let at = 0;
    for (const probe of probes) {
      const T = probe.length;
      const hooks = tf.tidy(() => {
        const { captured } = forward(params, config, tf.tensor2d(probe, [1, T], "int32"), { capture: new Set(["hook_pattern", "hook_resid_pre"]) });
        return [captured.get(hookName(1, "hook_pattern"))!.dataSync(), captured.get(hookName(1, "hook_resid_pre"))!.dataSync()];
      });
      expect(Array.from(c.residPre[1].subarray(at * config.dModel, (at + T) * config.dModel))).toEqual(Array.from(hooks[1]));
      // The capture keeps each head's lower triangle, probe after probe; head 0's last row is all T keys.
      const end = probes.slice(0, probes.indexOf(probe) + 1).reduce((s, p) => s + (p.length * (p.length + 1)) / 2, 0);
      expect(Array.from(c.attn[1].subarray(end - T, end))).toEqual(Array.from(hooks[0].subarray((T - 1) * T, T * T)));
      at += T;
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
