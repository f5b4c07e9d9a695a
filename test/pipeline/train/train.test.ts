import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tokenStream } from "../../../src/pipeline/data/batches.ts";
import { loadBrown, splitDocuments } from "../../../src/pipeline/data/corpus.ts";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { runsOf, expandGrid } from "../../../src/pipeline/suite/grid.ts";
import { SuiteSchema } from "../../../src/pipeline/artifacts/suite.ts";
import { recordChecksum } from "../../../src/pipeline/artifacts/checksums.ts";
import { loadCheckpoint, saveCheckpoint } from "../../../src/pipeline/model/checkpoint.ts";
import { lrAt, stepsOf, trainRun } from "../../../src/pipeline/train/train.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-train-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

let data: { train: Int32Array; heldOut: Int32Array };
beforeAll(async () => {
  await initBackend("wasm");
  const split = splitDocuments(loadBrown(), 0.1);
  data = { train: tokenStream(split.train), heldOut: tokenStream(split.heldOut) };
});

function tinyRun(train: Record<string, unknown> = {}, seed = 0) {
  const suite = SuiteSchema.parse({
    name: "t",
    model: { nLayers: 1, dModel: 16, nHeads: 2 },
    data: { nCtx: 32 },
    train: { tokens: 8 * 32 * 40, batchSize: 8, lr: 3e-3, evalEvery: 20, checkpointEvery: 1000, evalTokens: 2048, ...train },
  });
  return runsOf(expandGrid(suite)[0], seed + 1)[seed];
}

const weightsOf = (params: Map<string, tf.Variable>) => new Map([...params].map(([n, v]) => [n, Array.from(v.dataSync())]));

describe("trainRun", () => {
  it("lowers the held-out loss on real text", async () => {
    const run = tinyRun();
    const r = await trainRun({ run, backend: "wasm", runDir: path.join(tmp, "falls"), data });
    const [first, last] = [r.progress.curve[0], r.progress.curve.at(-1)!];
    expect(r.progress.step).toBe(40);
    expect(first.step).toBe(20);
    // Uniform over 257 tokens is ln 257 = 5.55 nats; 40 small steps on Brown get well below it.
    expect(last.heldOutLoss).toBeLessThan(3.6);
    expect(last.heldOutLoss).toBeLessThan(first.heldOutLoss);
    tf.dispose([...r.params.values()]);
  });

  it("gives bit-identical weights for the same seed, and different ones for another", async () => {
    const a = await trainRun({ run: tinyRun({ tokens: 8 * 32 * 10 }), backend: "wasm", runDir: path.join(tmp, "a"), data });
    const b = await trainRun({ run: tinyRun({ tokens: 8 * 32 * 10 }), backend: "wasm", runDir: path.join(tmp, "b"), data });
    const c = await trainRun({ run: tinyRun({ tokens: 8 * 32 * 10 }, 1), backend: "wasm", runDir: path.join(tmp, "c"), data });
    expect(weightsOf(a.params)).toEqual(weightsOf(b.params));
    expect(weightsOf(c.params).get("wte.weight")).not.toEqual(weightsOf(a.params).get("wte.weight"));
    tf.dispose([...a.params.values(), ...b.params.values(), ...c.params.values()]);
  });

  it("does not leak tensors across steps, nor the optimizer's moments after the run", async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const r = await trainRun({ run: tinyRun({ tokens: 8 * 32 * 20 }), backend: "wasm", runDir: path.join(tmp, "leak"), data, onStep: () => counts.push(tf.memory().numTensors) });
    expect(counts).toHaveLength(20);
    expect(counts[19]).toBe(counts[2]);
    tf.dispose([...r.params.values()]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("stops with a DivergenceError when the loss is not finite, freeing what it allocated", async () => {
    // Poison the step-1 checkpoint with a NaN weight; resuming from it must stop, not train on garbage.
    const runDir = path.join(tmp, "nan");
    const first = await trainRun({ run: tinyRun({ tokens: 8 * 32, checkpointEvery: 1 }), backend: "wasm", runDir, data });
    tf.dispose([...first.params.values()]);
    const ckpt = path.join(runDir, "ckpt-1");
    const saved = loadCheckpoint(ckpt);
    saved.params.get("wte.weight")!.data[256 * 16 + 5] = NaN; // the BOS row: used by every sequence
    saveCheckpoint(ckpt, saved.params, { config: saved.config });
    const resume = () => trainRun({ run: tinyRun({ tokens: 8 * 32 * 2 }), backend: "wasm", runDir, data });
    // Edited behind training's back, the checkpoint no longer matches its recorded checksums.
    await expect(resume()).rejects.toThrow(/ckpt-1\/model\.safetensors: damaged: SHA-256 is /);
    // As if training had written the NaN itself: recorded, so only the loss can stop it.
    for (const name of ["model.safetensors", "config.json"]) recordChecksum(path.join(ckpt, name));
    const before = tf.memory().numTensors;
    await expect(resume()).rejects.toThrow(/loss became NaN at step 2 of 2/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("lrAt", () => {
  it("warms up linearly then stays constant", () => {
    const t = tinyRun({ warmupSteps: 4, lr: 0.01 }).config.train;
    expect([0, 1, 2, 3, 4, 10].map((s) => lrAt(s, t))).toEqual([0.0025, 0.005, 0.0075, 0.01, 0.01, 0.01]);
  });
});

describe("stepsOf", () => {
  it("rounds the token budget up to whole batches", () => {
    expect(stepsOf(tinyRun({ tokens: 8 * 32 * 3 + 1 }).config)).toBe(4);
  });
});
