// The webgpu backend against wasm on a tiny model (over Mesa's software Vulkan in CI, where each op
// costs about a millisecond, so the model is one layer and the capture a few probes): the same run
// trained 24 steps on each must give the same held-out and training loss at every eval point and
// the same captured attention patterns, within float32 tolerances measured on lavapipe (README,
// "Backends"); a checkpoint written on either backend resumes on the other to the same curve.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BackendName } from "../../../src/pipeline/artifacts/conventions.ts";
import { captureRun } from "../../../src/pipeline/capture/capture.ts";
import { tokenStream } from "../../../src/pipeline/data/batches.ts";
import { loadBrown, splitDocuments } from "../../../src/pipeline/data/corpus.ts";
import { loadProbeSet } from "../../../src/pipeline/data/probes.ts";
import { activeAdapter, initBackend } from "../../../src/pipeline/model/backend.ts";
import { captureMeta } from "../../../src/pipeline/orchestrate/job.ts";
import { trainingsOf, type Run } from "../../../src/pipeline/suite/grid.ts";
import { parseSuite } from "../../../src/pipeline/suite/load.ts";
import { trainRun, type TrainResult } from "../../../src/pipeline/train/train.ts";
import { missingVulkanAdapter, skipUnless } from "../../helpers/requires.ts";

// Measured on lavapipe (Mesa 25.0.7, LLVM 15): loss within 1.7e-6 nats at every eval point,
// patterns within 1.9e-7, cross-backend resume within 9.5e-7 nats (the test prints them). The bounds leave an order of
// magnitude for other drivers' float32 rounding; a wrong kernel or a lost gradient term moves the
// loss by 1e-3 and more within a few steps.
const LOSS_TOL = 2e-5;
const PATTERN_TOL = 1e-6;
const STEPS = 24;
const PROBES = 6;

const skip = skipUnless(missingVulkanAdapter());
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-webgpu-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const SUITE = (tokens: number) => `name: webgpu
seeds: 2
data: { nCtx: 48 }
model: { nLayers: 1, dModel: 32, nHeads: 2 }
train: { tokens: ${tokens}, batchSize: 4, lr: 3.0e-3, warmupSteps: 4, optimizer: adamw, weightDecay: 0.1, gradClip: 1.0, evalEvery: 4, checkpointEvery: 1000, evalTokens: 192 }
`;
const runOf = (steps: number): Run => trainingsOf(parseSuite(SUITE(steps * 4 * 48), path.join(tmp, "webgpu.yaml")).runs)[0].run;

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};
type Curve = TrainResult["progress"]["curve"];
const curveDiff = (a: Curve, b: Curve): number => {
  expect(a.map((p) => p.step)).toEqual(b.map((p) => p.step));
  return Math.max(maxDiff(a.map((p) => p.heldOutLoss), b.map((p) => p.heldOutLoss)), maxDiff(a.map((p) => p.trainLoss), b.map((p) => p.trainLoss)));
};

describe.skipIf(skip)(`webgpu against wasm, on a tiny model trained ${STEPS} steps`, () => {
  const split = splitDocuments(loadBrown(), 0.1);
  const data = { train: tokenStream(split.train), heldOut: tokenStream(split.heldOut) };
  const probes = loadProbeSet("default");
  const few = { ...probes, tokens: probes.tokens.filter((t) => t.length <= 48).slice(0, PROBES) }; // those that fit nCtx
  const results = new Map<BackendName, { curve: Curve; attn: Float32Array[] }>();

  beforeAll(async () => {
    for (const backend of ["wasm", "webgpu"] as const) {
      await initBackend(backend);
      const run = runOf(STEPS);
      const r = await trainRun({ run, runDir: path.join(tmp, backend), backend, data });
      const capture = await captureRun(r.params, r.gpt, few.tokens, captureMeta(run, backend, few), { ablation: false });
      tf.dispose([...r.params.values()]);
      results.set(backend, { curve: r.progress.curve, attn: capture.attn });
    }
  }, 600_000);

  it("runs on a WebGPU adapter that it names", () => {
    const adapter = activeAdapter();
    expect(tf.getBackend()).toBe("webgpu");
    expect(adapter?.vendor).toMatch(/\S/);
    console.log(`webgpu parity: adapter ${JSON.stringify(adapter)}`);
  });

  it("gives the same loss at every eval point", () => {
    const [a, b] = [results.get("wasm")!.curve, results.get("webgpu")!.curve];
    expect(b.map((p) => p.step)).toEqual([4, 8, 12, 16, 20, 24]);
    const diff = curveDiff(a, b);
    console.log(`webgpu parity: max loss difference from wasm over ${a.length} eval points ${diff.toExponential(2)} nats`);
    expect(diff).toBeLessThanOrEqual(LOSS_TOL);
    expect(a.at(-1)!.heldOutLoss).toBeLessThan(a[0].heldOutLoss - 0.1); // it learned: not a parity of two untrained models
  });

  it("captures the same attention patterns", () => {
    const [a, b] = [results.get("wasm")!.attn, results.get("webgpu")!.attn];
    const diff = maxDiff(a[0], b[0]);
    console.log(`webgpu parity: max attention-pattern difference from wasm ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(PATTERN_TOL);
    expect(Math.max(...a[0])).toBeGreaterThan(0.5); // patterns, not zeros
  });

  it("resumes a checkpoint written on one backend on the other, to the same curve", async () => {
    let worst = 0;
    for (const [first, second] of [["wasm", "webgpu"], ["webgpu", "wasm"]] as const) {
      const runDir = path.join(tmp, `resume-${first}-${second}`);
      await initBackend(first);
      const half = await trainRun({ run: runOf(STEPS / 2), runDir, backend: first, data });
      tf.dispose([...half.params.values()]);
      await initBackend(second);
      const rest = await trainRun({ run: runOf(STEPS), runDir, backend: second, data });
      tf.dispose([...rest.params.values()]);
      expect(rest.resumedFromStep).toBe(STEPS / 2);
      worst = Math.max(worst, curveDiff(rest.progress.curve, results.get(second)!.curve));
    }
    console.log(`webgpu parity: max loss difference of a cross-backend resume from an uninterrupted run ${worst.toExponential(2)} nats`);
    expect(worst).toBeLessThanOrEqual(LOSS_TOL);
  }, 600_000);
});
