// runJob on a tiny model whose suite varies its probe set: a run is trained once and captured on
// each probe set asked for; a finished run lacking a probe set is captured from its final
// checkpoint without a training step, or trained again (to the same model) when its checkpoints are
// gone; a retrained curve that differs from the record is an error; and the compare stage reads
// each cell on its own probe set, refusing a capture that records another.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provenance } from "../../../src/pipeline/artifacts/provenance.ts";
import { capturePath, finishedRecord, initCapturePath, recordPath, runDirOf } from "../../../src/pipeline/artifacts/runs.ts";
import type { RunRecord } from "../../../src/pipeline/artifacts/run-record.ts";
import { assembleSuiteResult, ProbeSetMismatchError } from "../../../src/pipeline/assemble/suite.ts";
import { openCapture } from "../../../src/pipeline/capture/format.ts";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { newJobCache, recaptureNote, runJob, type RunJob } from "../../../src/pipeline/orchestrate/job.ts";
import { trainingsOf, type Run } from "../../../src/pipeline/suite/grid.ts";
import { parseSuite } from "../../../src/pipeline/suite/load.ts";
import { recordChecksum } from "../../../src/pipeline/artifacts/checksums.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-job-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// nCtx 72 holds the longest probe of the three sets (words-10: 67 tokens with BOS); 6 steps.
const loaded = parseSuite(
  `name: job
seeds: 2
data: { nCtx: 72 }
model: { nLayers: 1, dModel: 16, nHeads: 2 }
train: { tokens: 3456, batchSize: 8, lr: 3.0e-3, evalEvery: 3, checkpointEvery: 3, evalTokens: 1152 }
grid:
  probes.set: [default, words-5, words-10]
`,
  path.join(tmp, "job.yaml"),
);
const out = path.join(tmp, "out");
const cache = newJobCache();
const [first, second] = trainingsOf(loaded.runs);
const dir = runDirOf(out, "wasm", first.run.runId);
const job = (run: Run, probeSets: string[]): RunJob => ({ run, probeSets, outDir: out, backend: "wasm", kernels: "wasm", adapter: null, suiteFile: loaded.file });

/** Runs a job, counting its training steps. */
async function stepsOf(j: RunJob): Promise<{ record: RunRecord; steps: number }> {
  let steps = 0;
  const record = await runJob(j, cache, () => steps++);
  return { record, steps };
}

const captures = (d: string) => fs.readdirSync(d).filter((f) => f.endsWith(".safetensors")).sort();
const bytes = (file: string) => fs.readFileSync(file);

beforeAll(async () => {
  await initBackend("wasm");
});

describe("runJob on a run shared by cells on three probe sets", () => {
  let trained: RunRecord;

  it("trains the run once, whatever its cells", () => {
    expect(loaded.runs).toHaveLength(6);
    expect(trainingsOf(loaded.runs).map((t) => t.probeSets)).toEqual([
      ["default", "words-5", "words-10"],
      ["default", "words-5", "words-10"],
    ]);
  });

  it("captures a new run on the probe sets asked for, keeping the default set's file names", async () => {
    const { record, steps } = await stepsOf(job(first.run, ["default"]));
    expect(steps).toBe(6);
    expect(record.status).toBe("finished");
    expect(captures(dir)).toEqual(["capture-init.safetensors", "capture.safetensors"]);
    expect(openCapture(capturePath(dir, "default")).meta.family).toBe(loaded.cells[0].cellId);
    trained = record;
  });

  it("captures a finished run on a missing probe set from its final checkpoint, without a training step", async () => {
    const before = { record: bytes(recordPath(dir)), capture: bytes(capturePath(dir, "default")) };
    const j = job(first.run, ["default", "words-5"]);
    expect(finishedRecord(dir, j.probeSets)).toBeNull();
    expect(recaptureNote(j)).toBe("trained; capturing it on probe set words-5 from its final checkpoint");
    const { record, steps } = await stepsOf(j);
    expect(steps).toBe(0);
    expect(record).toEqual(trained);
    expect(bytes(recordPath(dir)).equals(before.record)).toBe(true);
    expect(bytes(capturePath(dir, "default")).equals(before.capture)).toBe(true);
    expect(captures(dir)).toEqual(["capture-init.safetensors", "capture.safetensors", "capture.words-5-init.safetensors", "capture.words-5.safetensors"]);
    const { meta } = openCapture(capturePath(dir, "words-5"));
    expect([meta.probeSet.id, meta.family, meta.source]).toEqual(["words-5", loaded.cells[1].cellId, { kind: "refit", runId: first.run.runId }]);
    expect(openCapture(initCapturePath(dir, "words-5")).meta.probeSet.id).toBe("words-5");
    expect(finishedRecord(dir, j.probeSets)).toEqual(trained);
    expect(recaptureNote(j)).toBeNull();
  });

  it("trains a finished run again when its checkpoints are gone, to the same model, and says so", async () => {
    const words5 = bytes(capturePath(dir, "words-5"));
    for (const f of fs.readdirSync(dir).filter((f) => f.startsWith("ckpt-"))) fs.rmSync(path.join(dir, f), { recursive: true });
    for (const f of [capturePath(dir, "words-5"), initCapturePath(dir, "words-5")]) fs.rmSync(f);
    const j = job(first.run, first.probeSets);
    expect(recaptureNote(j)).toMatch(/^trained, but its final checkpoint is gone .*: training it again, deterministically, to capture it on probe sets words-5, words-10$/);
    const { record, steps } = await stepsOf(j);
    expect(steps).toBe(6);
    expect(record).toEqual(trained);
    // Bit-deterministic training: the retrained model's capture is the first model's, byte for byte.
    expect(bytes(capturePath(dir, "words-5")).equals(words5)).toBe(true);
    expect(finishedRecord(dir, first.probeSets)).toEqual(trained);
  });

  it("refuses to capture a model whose curve is not the record's", async () => {
    const original = bytes(recordPath(dir));
    const curve = trained.curve.map((p, i) => (i === 0 ? { ...p, heldOutLoss: p.heldOutLoss + 1e-9 } : p));
    fs.writeFileSync(recordPath(dir), JSON.stringify({ ...trained, curve }));
    // Recorded as if Refit had written it, so the checksums pass and the curve check is what refuses.
    recordChecksum(recordPath(dir));
    for (const f of [capturePath(dir, "words-10"), initCapturePath(dir, "words-10")]) fs.rmSync(f);
    await expect(runJob(job(first.run, first.probeSets), cache)).rejects.toThrow(/did not reproduce its recorded loss curve .*delete the folder to train it afresh/);
    expect(fs.existsSync(capturePath(dir, "words-10"))).toBe(false);
    fs.writeFileSync(recordPath(dir), original);
    recordChecksum(recordPath(dir));
    await runJob(job(first.run, first.probeSets), cache);
    expect(finishedRecord(dir, first.probeSets)).toEqual(trained);
  });
});

describe("the compare stage on a suite that varies its probe set", () => {
  const assemble = (records: RunRecord[]) =>
    assembleSuiteResult(loaded, {
      records,
      runDir: (r) => runDirOf(out, "wasm", r.runId),
      provenance: provenance("wasm"),
      timings: () => ({ wallSeconds: 0, trainedRuns: 0, cachedRuns: 0 }),
    });
  let records: RunRecord[];

  it("compares each cell on its own probe set, recording the set where it is not the suite's", async () => {
    records = [await runJob(job(first.run, first.probeSets), cache), await runJob(job(second.run, second.probeSets), cache)];
    const result = assemble(records);
    expect(result.probeSet.id).toBe("default");
    expect(result.cells.map((c) => [c.label["probes.set"], c.probeSet?.id, c.runs.length, c.stats === null])).toEqual([
      ["default", undefined, 2, false],
      ["words-5", "words-5", 2, false],
      ["words-10", "words-10", 2, false],
    ]);
    expect(result.cells[1].probeSet!.count).toBe(80);
    // Same models, other prompts: the cells' statistics differ.
    expect(result.cells[1].stats!.layers[0].stability).not.toBe(result.cells[0].stats!.layers[0].stability);
  });

  it("refuses, naming both sets, a capture that records another probe set than its file name says", () => {
    // As an older Refit left it: every set's capture in capture.safetensors.
    const secondDir = runDirOf(out, "wasm", second.run.runId);
    fs.copyFileSync(capturePath(secondDir, "default"), capturePath(secondDir, "words-5"));
    recordChecksum(capturePath(secondDir, "words-5"));
    let error: unknown;
    try {
      assemble(records);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ProbeSetMismatchError);
    expect((error as Error).message).toMatch(/capture\.words-5\.safetensors: captured on probe set "default" \(sha256 [0-9a-f]{12}\), but its cell is on "words-5" \(sha256 [0-9a-f]{12}\); delete the capture files/);
  });
});
