// PyTorch parity: a checkpoint written by Refit gives the same logits in an independent PyTorch
// GPT-2 (test/parity/gpt2_torch.py), and a checkpoint written by that PyTorch code gives the same
// logits in Refit, on real Brown probes. This pins tensor names, Conv1D orientation, the untied
// head's [V, D] layout, LayerNorm epsilon, the GELU variant and causal masking.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadProbeSet } from "../../src/pipeline/data/probes.ts";
import { initBackend } from "../../src/pipeline/model/backend.ts";
import { loadCheckpoint, saveCheckpoint } from "../../src/pipeline/model/checkpoint.ts";
import { GPT2_SETTINGS, type GptConfig } from "../../src/pipeline/model/config.ts";
import { forward, initParams, paramsFromWeights, type Params } from "../../src/pipeline/model/gpt.ts";
import { DEBIAN_PYTHON, missingPythonModules, skipUnless } from "../helpers/requires.ts";

const SCRIPT = path.join(import.meta.dirname, "gpt2_torch.py");
const TOLERANCE = 1e-4;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-parity-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function python(args: string[]): void {
  const r = spawnSync(DEBIAN_PYTHON, [SCRIPT, ...args], { encoding: "utf8", timeout: 120_000 });
  if (r.status !== 0) throw new Error(`gpt2_torch.py ${args[0]} failed:\n${r.stderr}`);
}

const probes = () => loadProbeSet("default").tokens.slice(0, 6);

function refitLogits(params: Params, c: GptConfig, prompts: Int32Array[]): Float32Array[] {
  return prompts.map((p) => tf.tidy(() => forward(params, c, tf.tensor2d(p, [1, p.length], "int32")).logits.dataSync() as Float32Array));
}

function torchLogits(dir: string, prompts: Int32Array[]): number[][][] {
  const tokensFile = path.join(dir, "tokens.json");
  const outFile = path.join(dir, "torch-logits.json");
  fs.writeFileSync(tokensFile, JSON.stringify(prompts.map((p) => Array.from(p))));
  python(["logits", dir, tokensFile, outFile]);
  return JSON.parse(fs.readFileSync(outFile, "utf8"));
}

function maxAbsDiff(ours: Float32Array[], theirs: number[][][]): number {
  let worst = 0;
  ours.forEach((logits, p) => {
    const V = theirs[p][0].length;
    expect(logits.length).toBe(theirs[p].length * V);
    theirs[p].forEach((row, t) => row.forEach((x, v) => (worst = Math.max(worst, Math.abs(x - logits[t * V + v])))));
  });
  return worst;
}

/** Refit params perturbed away from the GPT-2 init (non-zero biases, non-unit LayerNorm), so every tensor matters. */
function perturbed(c: GptConfig, seed: number): Params {
  const params = initParams(c, seed);
  [...params.values()].forEach((v, i) => tf.tidy(() => v.assign(tf.add(v, tf.randomNormal(v.shape, 0, 0.1, "float32", 1000 + i)))));
  return params;
}

describe.skipIf(skipUnless(missingPythonModules({ torch: "python3-torch", numpy: "python3-numpy" })))("PyTorch parity", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  for (const mlp of [true, false]) {
    it(`Refit checkpoint -> PyTorch gives the same logits (${mlp ? "MLP" : "attention-only"})`, () => {
      const c: GptConfig = { nLayers: 2, dModel: 32, nHeads: 4, dMlp: mlp ? 128 : 0, vocabSize: 257, nCtx: 64, ...GPT2_SETTINGS };
      const params = perturbed(c, 7);
      const dir = path.join(tmp, `refit-${mlp}`);
      const weights = new Map([...params].map(([n, v]) => [n, { shape: [...v.shape], data: v.dataSync() as Float32Array }]));
      saveCheckpoint(dir, weights, { config: c });
      const prompts = probes();
      const diff = maxAbsDiff(refitLogits(params, c, prompts), torchLogits(dir, prompts));
      expect(diff).toBeLessThan(TOLERANCE);
      tf.dispose([...params.values()]);
    });
  }

  it("PyTorch checkpoint -> Refit gives the same logits", () => {
    const dir = path.join(tmp, "torch");
    fs.mkdirSync(dir, { recursive: true });
    const spec = { seed: 3, n_layer: 3, n_embd: 24, n_head: 3, n_inner: 40, vocab_size: 257, n_positions: 64 };
    fs.writeFileSync(path.join(dir, "spec.json"), JSON.stringify(spec));
    python(["export", dir, path.join(dir, "spec.json")]);
    const ckpt = loadCheckpoint(dir);
    const c = ckpt.config;
    expect(c).toEqual({ nLayers: 3, dModel: 24, nHeads: 3, dMlp: 40, vocabSize: 257, nCtx: 64, ...GPT2_SETTINGS });
    const params = paramsFromWeights(c, ckpt.params);
    const prompts = probes();
    const diff = maxAbsDiff(refitLogits(params, c, prompts), torchLogits(dir, prompts));
    expect(diff).toBeLessThan(TOLERANCE);
    tf.dispose([...params.values()]);
  });
});
