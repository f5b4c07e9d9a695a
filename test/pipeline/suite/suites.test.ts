import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkProbesFit, loadProbeSet } from "../../../src/pipeline/data/probes.ts";
import { stepsOf } from "../../../src/pipeline/train/train.ts";
import { trainingsOf } from "../../../src/pipeline/suite/grid.ts";
import { loadSuite } from "../../../src/pipeline/suite/load.ts";

const DIR = new URL("../../../suites/", import.meta.url);
const files = readdirSync(DIR).filter((f) => f.endsWith(".yaml") && !f.startsWith("_"));

describe("suites/*.yaml", () => {
  it("finds the suites the README relies on", () => {
    expect(files).toEqual(expect.arrayContaining(["smoke.yaml", "depth-optimizer.yaml"]));
  });

  it("keeps the contributor template valid", async () => {
    const loaded = await loadSuite(new URL("_template.yaml", DIR).pathname);
    expect(loaded.cells.map((c) => c.config.model.nLayers)).toEqual([2, 4]);
  });

  it.each(files)("%s loads and expands", async (file) => {
    const loaded = await loadSuite(new URL(file, DIR).pathname);
    expect(loaded.suite.name).toBe(file.replace(/\.yaml$/, ""));
    expect(loaded.cells.length + loaded.families.length).toBeGreaterThan(0);
    expect(loaded.runs).toHaveLength(loaded.cells.length * loaded.suite.seeds);
    for (const cell of loaded.cells) checkProbesFit(loadProbeSet(cell.probeSet), cell.config.data.nCtx);
  });

  // The nightly trains every suite but families-*.yaml, whose models its opt-in job downloads.
  it.each(files)("%s lists models exactly when it is named families-*.yaml", async (file) => {
    const loaded = await loadSuite(new URL(file, DIR).pathname);
    expect(loaded.families.length > 0).toBe(file.startsWith("families-"));
  });
});

describe("families-gpt2-small.yaml", () => {
  it("lists Stanford CRFM's five GPT-2 small seeds as one family, seeds from their names", async () => {
    const { suite, families } = await loadSuite(new URL("families-gpt2-small.yaml", DIR).pathname);
    expect(suite.seeds).toBe(5);
    expect(families.map((f) => f.name)).toEqual(["crfm-gpt2-small"]);
    expect(families[0].members.map((m) => [m.seed, m.model, m.revision])).toEqual(
      [["alias", 21], ["battlestar", 49], ["caprica", 81], ["darkmatter", 343], ["expanse", 777]].map(([n, s]) => [s, `stanford-crfm/${n}-gpt2-small-x${s}`, "main"]),
    );
  });
});

describe("smoke.yaml", () => {
  it("resolves to the tiny README configuration", async () => {
    const { suite, cells } = await loadSuite(new URL("smoke.yaml", DIR).pathname);
    expect(suite.seeds).toBe(4);
    expect(cells).toHaveLength(1);
    const { model, data, train } = cells[0].config;
    expect(model).toEqual({ nLayers: 2, dModel: 32, nHeads: 4, mlp: true });
    expect(data.nCtx).toBe(64);
    expect(train).toMatchObject({ tokens: 262144, batchSize: 16, optimizer: "adamw", lr: 3e-3, weightDecay: 0.1, warmupSteps: 10 });
    expect(train).toMatchObject({ evalEvery: 64, checkpointEvery: 64, evalTokens: 8192 });
  });
});

describe("depth-optimizer.yaml", () => {
  it("crosses depth 2/4 with AdamW at weight decay 0 (Adam) and 0.1, six seeds each", async () => {
    const { suite, cells, runs } = await loadSuite(new URL("depth-optimizer.yaml", DIR).pathname);
    expect(cells.map((c) => [c.config.model.nLayers, c.config.train.weightDecay])).toEqual([
      [2, 0],
      [2, 0.1],
      [4, 0],
      [4, 0.1],
    ]);
    expect(runs).toHaveLength(24);
    expect(suite.description).toMatch(/stab/);
    for (const { config } of cells) {
      expect(config.model).toMatchObject({ dModel: 64, nHeads: 4 });
      expect(config.data.nCtx).toBe(64);
      expect(config.train).toMatchObject({ tokens: 1048576, lr: 1e-3, optimizer: "adamw" });
    }
  });
});

describe("prompt-length.yaml", () => {
  it("captures one set of eight depth-like 2-layer refits on six word-length probe sets", async () => {
    const { suite, cells, runs } = await loadSuite(new URL("prompt-length.yaml", DIR).pathname);
    expect(cells.map((c) => c.probeSet)).toEqual(["words-5", "words-10", "words-20", "words-30", "words-40", "words-50"]);
    expect(cells.map((c) => c.label)).toEqual(cells.map((c) => ({ "probes.set": c.probeSet })));
    expect(suite.seeds).toBe(8);
    const trainings = trainingsOf(runs);
    expect(trainings).toHaveLength(8);
    expect(trainings.every((t) => t.probeSets.length === 6)).toBe(true);
    const { model, data, train } = cells[0].config;
    expect(model).toEqual({ nLayers: 2, dModel: 64, nHeads: 4, mlp: true });
    expect(data).toMatchObject({ corpus: "brown", nCtx: 320 });
    expect(train).toMatchObject({ optimizer: "adam", lr: 1e-3, weightDecay: 0 });
    expect(stepsOf(cells[0].config)).toBeGreaterThanOrEqual(1000);
    expect(suite.description).toMatch(/plan estimate/);
  });
});

describe("the published suites share their Adam runs", () => {
  // Their compute budgets count these runs once: if a config drifts apart, the runs silently double.
  const load = (name: string) => loadSuite(new URL(`${name}.yaml`, DIR).pathname);
  const ids = (runs: { runId: string }[]) => new Set(runs.map((r) => r.runId));

  it("uses the depth suite's runs for the Adam, MLP, 4-head and 1M-token d_model 64 cells of the others", async () => {
    const depth = ids((await load("depth")).runs);
    const runsWhere = async (name: string, keep: (label: Record<string, unknown>) => boolean) => {
      const s = await load(name);
      const cells = new Set(s.cells.filter((c) => keep(c.label)).map((c) => c.cellId));
      return s.runs.filter((r) => cells.has(r.cellId));
    };
    const shared = [
      ...(await runsWhere("weight-decay", (l) => l["train.weightDecay"] === 0)),
      ...(await runsWhere("attention-only", (l) => l["model.mlp"] === true)),
      ...(await runsWhere("heads", (l) => l["model.nHeads"] === 4)),
      ...(await runsWhere("scale", (l) => l["train.tokens"] === 1048576 && l["model.dModel"] === 64)),
    ];
    expect(shared).toHaveLength(8 + 8 + 8 + 8);
    for (const r of shared) expect(depth.has(r.runId), `${r.runId} (seed ${r.seed})`).toBe(true);
  });
});
