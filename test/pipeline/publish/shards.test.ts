import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { backendProblems, configDifferences, locateRuns, runName, type LocatedRun } from "../../../src/pipeline/publish/shards.ts";
import { loadSuite } from "../../../src/pipeline/suite/load.ts";

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
      `${path.join(empty, "runs", "gpu")}: "gpu" is not a backend (tensorflow-gpu, tensorflow, wasm, cpu)`,
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

describe("backendProblems", () => {
  const at = (backend: LocatedRun["backend"], runId: string) => ({ backend, suite: "s", run: { runId } }) as LocatedRun & { suite: string };

  it("accepts one backend and names a few runs of each when there are several", () => {
    expect(backendProblems([at("wasm", "a"), at("wasm", "b")])).toEqual([]);
    const [p] = backendProblems([at("wasm", "a"), at("cpu", "b"), at("wasm", "c"), at("wasm", "d"), at("wasm", "e")]);
    expect(p).toContain("wasm (4 run(s): s/a, s/c, s/d, ...); cpu (1 run(s): s/b)");
  });
});
