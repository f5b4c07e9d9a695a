import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { provenance } from "../../../src/pipeline/artifacts/provenance.ts";
import { capturePath, initCapturePath, recordPath, runDirOf } from "../../../src/pipeline/artifacts/runs.ts";
import { SCHEMA_VERSION } from "../../../src/pipeline/artifacts/conventions.ts";
import type { RunRecord } from "../../../src/pipeline/artifacts/run-record.ts";
import { writeJsonAtomic } from "../../../src/pipeline/artifacts/store.ts";
import { backendProblems, configDifferences, locatedRecords, locateRuns, runName, type LocatedRun } from "../../../src/pipeline/publish/shards.ts";
import { trainingsOf, type Run } from "../../../src/pipeline/suite/grid.ts";
import { loadSuite, parseSuite } from "../../../src/pipeline/suite/load.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-shards-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const TINY = path.resolve(import.meta.dirname, "../../fixtures/suites/tiny.yaml");

describe("configDifferences", () => {
  it("names each differing leaf with both values", () => {
    const a = { train: { tokens: 32768, lr: 0.003 }, model: { nLayers: 2 } };
    const b = { train: { tokens: 16384, lr: 0.003 }, model: { nLayers: 2, mlp: true } };
    expect(configDifferences(a, b)).toEqual(["model.mlp: null in the shard, true in the suite", "train.tokens: 32768 in the shard, 16384 in the suite"]);
    expect(configDifferences(a, structuredClone(a))).toEqual([]);
  });
});

describe("locateRuns", () => {
  it("reports every planned run missing, and shard dirs that are not run output", async () => {
    const loaded = await loadSuite(TINY);
    const empty = path.join(tmp, "empty");
    fs.mkdirSync(path.join(empty, "runs", "gpu"), { recursive: true });
    const { located, missing, problems } = locateRuns(loaded, { from: [empty, path.join(tmp, "absent"), tmp] });
    expect(located).toEqual([]);
    expect(problems).toEqual([
      `${path.join(empty, "runs", "gpu")}: "gpu" is not a backend (tensorflow-gpu, webgpu, tensorflow, wasm, cpu)`,
      `${path.join(tmp, "absent")}: not a directory`,
      `${tmp}: holds no runs/ or captures/ folder (is it the --out directory of a refit run?)`,
    ]);
    expect(missing.map((m) => `${runName(loaded, m.run)}: ${m.reason}`)).toEqual(loaded.runs.map((r) => `tiny: run ${r.runId} (cell 1, seed ${r.seed}): missing from every --from directory`));
  });

  it("says why a run that was started did not finish", async () => {
    const loaded = await loadSuite(TINY);
    const shard = path.join(tmp, "killed");
    fs.mkdirSync(path.join(shard, "runs", "wasm", loaded.runs[0].runId), { recursive: true });
    const { missing, problems } = locateRuns(loaded, { from: [shard] });
    expect(problems).toEqual([]);
    expect(missing[0]).toEqual({
      run: loaded.runs[0],
      reason: `not finished: ${path.join(shard, "runs", "wasm", loaded.runs[0].runId)} has no run.json (still running, or killed: rerun that shard to resume it)`,
    });
  });
});

describe("locateRuns on a suite that varies its probe set", () => {
  const record = (run: Run): RunRecord => ({
    schemaVersion: SCHEMA_VERSION, kind: "refit.run", runId: run.runId, seed: run.seed, dataSeed: run.seed, config: run.config, status: "finished",
    steps: 1, tokensSeen: 1, nParams: 1, finalTrainLoss: 1, heldOutLoss: 1, heldOutPerplexity: Math.E, curve: [],
    timings: { trainSeconds: 1, tokensPerSecond: 1, resumedFromStep: 0 }, provenance: provenance("wasm"),
  });
  const touch = (dir: string, probeSet: string) => {
    for (const f of [capturePath(dir, probeSet), initCapturePath(dir, probeSet)]) fs.writeFileSync(f, probeSet);
  };

  it("locates a run for every cell that has it, in one copy captured on all their sets, or for none", () => {
    const loaded = parseSuite(`${fs.readFileSync(TINY, "utf8")}grid:\n  probes.set: [default, words-5]\n`, TINY);
    const shard = path.join(tmp, "sets");
    const dirOf = (run: Run) => runDirOf(shard, "wasm", run.runId);
    for (const { run } of trainingsOf(loaded.runs)) {
      writeJsonAtomic(recordPath(dirOf(run)), record(run));
      touch(dirOf(run), "default");
    }
    const before = locateRuns(loaded, { from: [shard] });
    expect([before.problems, before.located]).toEqual([[], []]);
    expect(before.missing.map((m) => [m.run.cellId, m.reason])).toEqual(
      loaded.runs.map((r) => [r.cellId, `not finished: ${dirOf(r)} lacks its capture files on probe sets default, words-5`]),
    );
    for (const { run } of trainingsOf(loaded.runs)) touch(dirOf(run), "words-5");
    const after = locateRuns(loaded, { from: [shard] });
    expect([after.problems, after.missing]).toEqual([[], []]);
    expect(after.located.map((l) => [l.run.cellId, l.run.seed, l.dir])).toEqual(loaded.runs.map((r) => [r.cellId, r.seed, dirOf(r)]));
    expect(locatedRecords(after.located).map((r) => r.runId)).toEqual(trainingsOf(loaded.runs).map((t) => t.run.runId));
  });
});

describe("backendProblems", () => {
  const at = (backend: LocatedRun["backend"], runId: string) => ({ backend, suite: "s", run: { runId } }) as LocatedRun & { suite: string };

  it("accepts one backend and names a few runs of each when there are several", () => {
    expect(backendProblems([at("wasm", "a"), at("wasm", "b")])).toEqual([]);
    const [p] = backendProblems([at("wasm", "a"), at("cpu", "b"), at("wasm", "c"), at("wasm", "d"), at("wasm", "e")]);
    expect(p).toContain("wasm (4 run(s): s/a, s/c, s/d, ...); cpu (1 run(s): s/b)");
  });
});
