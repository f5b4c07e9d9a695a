// Runs a trained model over the probe set and copies out what the compare stage needs: each
// head's post-softmax pattern (lower triangle incl. diagonal, per probe, BOS row/column kept),
// resid_pre / resid_mid for every token, per-layer Frobenius norms of the weight blocks, and each
// head's importance (ablation.dppl: probe-set perplexity with that head's z zeroed, minus without)
// and its fingerprint (ablation.nll: the same ablation's mean NLL change on each probe), and, for a
// vocabulary of at most MAX_LOGPROB_VOCAB tokens, the next-token log-probabilities at every position.
// Each probe runs alone and unpadded (batch 1, T = its length), so no padding leaks into patterns.
// Every read is asynchronous: tfjs's webgpu backend cannot read synchronously in Node.
import * as tf from "@tensorflow/tfjs-core";
import type { GptConfig, NormName } from "../model/config.ts";
import { attentionBlocks, crossEntropy, forward, residualStream, tokenNlls, unembed, type AttentionBlocks, type Params } from "../model/gpt.ts";
import { hookName, type Hook } from "../model/hooks.ts";
import type { Capture } from "./format.ts";

const CAPTURED: ReadonlySet<Hook> = new Set(["hook_pattern", "hook_resid_pre", "hook_resid_mid"]);

/** Reads tensors made by `make` (inside a tidy) and frees them. */
async function readAll(make: () => tf.Tensor[]): Promise<Float32Array[]> {
  const ts = tf.tidy(make);
  try {
    return (await Promise.all(ts.map((t) => t.data()))) as Float32Array[];
  } finally {
    tf.dispose(ts);
  }
}

/** Frobenius norms per layer of W_Q, W_K, W_V (column blocks of c_attn), W_O, W_in, W_out. */
export async function weightNorms(params: Params, c: GptConfig): Promise<Capture["norms"]> {
  const D = c.dModel;
  const blocks: [NormName, (l: number) => tf.Tensor][] = [
    ["W_Q", (l) => tf.slice(params.get(`h.${l}.attn.c_attn.weight`)!, [0, 0], [D, D])],
    ["W_K", (l) => tf.slice(params.get(`h.${l}.attn.c_attn.weight`)!, [0, D], [D, D])],
    ["W_V", (l) => tf.slice(params.get(`h.${l}.attn.c_attn.weight`)!, [0, 2 * D], [D, D])],
    ["W_O", (l) => params.get(`h.${l}.attn.c_proj.weight`)!],
  ];
  if (c.dMlp > 0) blocks.push(["W_in", (l) => params.get(`h.${l}.mlp.c_fc.weight`)!], ["W_out", (l) => params.get(`h.${l}.mlp.c_proj.weight`)!]);
  const norms: Capture["norms"] = {};
  for (const [name, block] of blocks) {
    const values = await readAll(() => Array.from({ length: c.nLayers }, (_, l) => tf.norm(block(l))));
    norms[name] = Float32Array.from(values, (v) => v[0]);
  }
  return norms;
}

/** Above this many tokens a capture keeps no log-probabilities (GPT-2's 50,257 would be ~200 MB a capture). */
export const MAX_LOGPROB_VOCAB = 4096;

/**
 * Each probe's total next-token NLL (its tokens 1..T-1 predicted; 0 for a probe under 2 tokens);
 * `ablate` lists [layer, head] pairs whose z is zeroed.
 */
async function probeNlls(params: Params, c: GptConfig, probes: readonly Int32Array[], ablate: readonly (readonly [number, number])[] = []): Promise<Float64Array> {
  const nlls = new Float64Array(probes.length);
  for (const [i, probe] of probes.entries()) {
    const T = probe.length;
    if (T < 2) continue;
    const [loss] = await readAll(() => {
      const { logits } = forward(params, c, tf.tensor2d(probe, [1, T], "int32"), { ablate });
      const predicting = tf.slice(logits, [0, 0], [T - 1, logits.shape[1]]); // [T-1, V]
      return [crossEntropy(predicting, tf.tensor1d(probe.subarray(1), "int32"))];
    });
    nlls[i] = loss[0] * (T - 1);
  }
  return nlls;
}

/** Runs f with every layer's q, k and v blocks sliced once (model/gpt.ts attentionBlocks), freeing them after. */
async function withAttentionBlocks<T>(params: Params, c: GptConfig, f: (qkv: AttentionBlocks) => Promise<T>): Promise<T> {
  const qkv = attentionBlocks(params, c);
  try {
    return await f(qkv);
  } finally {
    tf.dispose(qkv.flat(2));
  }
}

/** Perplexity over the probe set from probeNlls: exp(total NLL / predicted tokens), probes added in order. */
function perplexityOf(nlls: Float64Array, probes: readonly Int32Array[]): number {
  let nll = 0;
  let count = 0;
  probes.forEach((p, i) => {
    if (p.length < 2) return;
    nll += nlls[i];
    count += p.length - 1;
  });
  return Math.exp(nll / count);
}

/** Perplexity over the probe set, each probe predicting its tokens 1..T-1, with `ablate`'s heads zeroed. */
export async function probePerplexity(params: Params, c: GptConfig, probes: readonly Int32Array[], ablate: readonly (readonly [number, number])[] = []): Promise<number> {
  return perplexityOf(await probeNlls(params, c, probes, ablate), probes);
}

/**
 * Per head, flat in (layer, head) order: dPPL [L * H], probe-set perplexity with the head's z zeroed
 * minus without; and the fingerprint nll [L * H * P], each probe's mean NLL per predicted token with
 * the head ablated minus without. Per probe and layer one pass ablates every head of the layer at
 * once (forward's ablateEachHeadAt), the unablated copy in the same products, so a head that writes
 * nothing gets exactly 0: L passes a probe instead of L * H + 1, each starting from the layer's
 * input residual of one plain pass, so the layers below it run once a probe.
 */
export async function headAblation(params: Params, c: GptConfig, probes: readonly Int32Array[]): Promise<{ dppl: Float32Array; nll: Float32Array }> {
  const { nLayers: L, nHeads: H } = c;
  const P = probes.length;
  const totals = new Float64Array(L * (H + 1)); // per layer: H ablated copies, then the unablated one
  const nll = new Float32Array(L * H * P);
  let count = 0;
  await withAttentionBlocks(params, c, async (qkv) => {
    for (const [j, probe] of probes.entries()) {
      const T = probe.length;
      if (T < 2) continue;
      const perLayer = await probeCopiesNll(params, c, probe, qkv);
      perLayer.forEach((copies, l) => {
        for (let h = 0; h <= H; h++) totals[l * (H + 1) + h] += copies[h];
        for (let h = 0; h < H; h++) nll[(l * H + h) * P + j] = (copies[h] - copies[H]) / (T - 1);
      });
      count += T - 1;
    }
  });
  const dppl = Float32Array.from({ length: L * H }, (_, i) => {
    const at = Math.floor(i / H) * (H + 1);
    return Math.exp(totals[at + (i % H)] / count) - Math.exp(totals[at + H] / count);
  });
  return { dppl, nll };
}

const RESID_PRE: ReadonlySet<Hook> = new Set(["hook_resid_pre"]);

/**
 * One probe's total next-token NLL in each of the H + 1 copies of an ablateEachHeadAt pass, per
 * layer l. Each pass starts from layer l's input residual, kept from one plain pass, and unembeds
 * only the T - 1 positions that predict a token: the logits are the pass's largest product
 * (V columns), and slicing them per copy would copy all of them per copy on wasm.
 */
async function probeCopiesNll(params: Params, c: GptConfig, probe: Int32Array, qkv: AttentionBlocks): Promise<Float64Array[]> {
  const { nLayers: L, nHeads: H, dModel: D } = c;
  const T = probe.length;
  const tokens = tf.tensor2d(probe, [1, T], "int32");
  const targets = tf.tensor1d(probe.subarray(1), "int32");
  const pre = tf.tidy(() => {
    const { captured } = residualStream(params, c, tokens, { capture: RESID_PRE, qkv });
    return Array.from({ length: L }, (_, l) => tf.reshape(captured.get(hookName(l, "hook_resid_pre"))!, [T, D]) as tf.Tensor2D);
  });
  try {
    const perLayer: Float64Array[] = [];
    for (let l = 0; l < L; l++) {
      const [means] = await readAll(() => {
        const { resid } = residualStream(params, c, tokens, { ablateEachHeadAt: l, from: { layer: l, resid: pre[l] }, qkv });
        const predicting = tf.reshape(tf.slice(tf.reshape(resid, [H + 1, T, D]), [0, 0, 0], [H + 1, T - 1, D]), [(H + 1) * (T - 1), D]) as tf.Tensor2D;
        const nlls = tokenNlls(unembed(params, c, predicting), tf.tile(targets, [H + 1]) as tf.Tensor1D);
        // Per copy, the mean as crossEntropy takes it, then the total.
        return [tf.div(tf.sum(tf.reshape(nlls, [H + 1, T - 1]), 1), T - 1)];
      });
      perLayer.push(Float64Array.from(means, (mean) => mean * (T - 1)));
    }
    return perLayer;
  } finally {
    tf.dispose([tokens, targets, ...pre]);
  }
}

export interface CaptureOptions {
  /** Measure each head's dPPL and fingerprint (L * H extra passes over the probes); off for untrained refits. Default true. */
  ablation?: boolean;
}

/** Captures every probe; meta is the run's capture metadata (probe lengths must match the probes). */
export async function captureRun(params: Params, c: GptConfig, probes: readonly Int32Array[], meta: Capture["meta"], options: CaptureOptions = {}): Promise<Capture> {
  const { nLayers: L, nHeads: H, dModel: D } = c;
  const lengths = probes.map((p) => p.length);
  const K = lengths.reduce((s, t) => s + (t * (t + 1)) / 2, 0);
  const N = lengths.reduce((s, t) => s + t, 0);
  const attn = Array.from({ length: L }, () => new Float32Array(H * K));
  const residPre = Array.from({ length: L }, () => new Float32Array(N * D));
  const residMid = Array.from({ length: L }, () => new Float32Array(N * D));
  const tokens = new Int32Array(N);
  const V = c.vocabSize;
  const logprobs = V <= MAX_LOGPROB_VOCAB ? new Float32Array(N * V) : undefined;

  let kOffset = 0; // where this probe's triangle starts within a head's row of K values
  let nOffset = 0; // where this probe's tokens start among all N tokens
  await withAttentionBlocks(params, c, async (qkv) => {
    for (const probe of probes) {
      const T = probe.length;
      // Per layer: pattern [1, H, T, T], resid_pre and resid_mid [1, T, D]; then the log-probabilities,
      // the only use of the unembedding here (none above MAX_LOGPROB_VOCAB).
      const read = await readAll(() => {
        const { captured, resid } = residualStream(params, c, tf.tensor2d(probe, [1, T], "int32"), { capture: CAPTURED, qkv });
        const hooks = Array.from({ length: L }, (_, l) => (["hook_pattern", "hook_resid_pre", "hook_resid_mid"] as const).map((k) => captured.get(hookName(l, k))!));
        return [...hooks.flat(), ...(logprobs ? [tf.logSoftmax(unembed(params, c, resid))] : [])];
      });
      if (logprobs) logprobs.set(read[3 * L], nOffset * V);
      for (let l = 0; l < L; l++) {
        const [pattern, pre, mid] = read.slice(3 * l, 3 * l + 3);
        for (let h = 0; h < H; h++) {
          let k = h * K + kOffset;
          for (let i = 0; i < T; i++) {
            const row = (h * T + i) * T;
            for (let j = 0; j <= i; j++) attn[l][k++] = pattern[row + j];
          }
        }
        residPre[l].set(pre, nOffset * D);
        residMid[l].set(mid, nOffset * D);
      }
      tokens.set(probe, nOffset);
      kOffset += (T * (T + 1)) / 2;
      nOffset += T;
    }
  });
  if (meta.probeLengths.join() !== lengths.join()) throw new Error("captureRun: meta.probeLengths does not match the probes");
  const ablation = (options.ablation ?? true) ? await headAblation(params, c, probes) : undefined;
  const measured = ablation ? { ablation: ablation.dppl, ablationNll: ablation.nll } : {};
  return { meta, attn, residPre, residMid, tokens, norms: await weightNorms(params, c), ...measured, ...(logprobs ? { logprobs } : {}) };
}
