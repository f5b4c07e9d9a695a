import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadContent } from "../../../src/pipeline/publish/content.ts";
import { depthGroups, depthPoints, suiteDepthPoints } from "../../../src/site/lib/depth.ts";
import { depthLabels } from "../../../src/site/charts/relativeDepth.ts";
import { cellHistory } from "../../../src/site/lib/history.ts";
import { scaleStudy } from "../../../src/site/lib/scale.ts";
import { promptLengthStudy, promptLengthSummary, promptWords } from "../../../src/site/lib/promptLength.ts";
import { summarizeCell } from "../../../src/site/lib/stats.ts";

const content = loadContent(path.resolve("test/fixtures/content"));
const latest = content.latest!;
const grid = latest.suites.find((s) => s.name === "tiny-grid")!.result;

describe("depthGroups", () => {
  it("groups cells that differ only in depth, titled by what they share", () => {
    const groups = depthGroups(grid);
    expect(groups.map((g) => [g.title, g.cells.map((c) => c.config.model.nLayers)])).toEqual([
      ["train.optimizer = adam", [1, 2]],
      ["train.optimizer = adamw", [1, 2]],
    ]);
  });
});

describe("depthPoints", () => {
  it("places layer l of an L-layer model at l/L with its stability and interval", () => {
    const cell = grid.cells.find((c) => c.config.model.nLayers === 2)!;
    const [first, second] = depthPoints([cell]);
    expect(first).toMatchObject({ depth: "2 layers", layer: 1, relativeDepth: 0.5, stability: cell.stats!.layers[0].stability });
    expect(second.relativeDepth).toBe(1);
    expect([second.low, second.high]).toEqual([cell.stats!.estimates![1].stability.lo, cell.stats!.estimates![1].stability.hi]);
  });
});

describe("suiteDepthPoints", () => {
  it("puts every depth group of a suite on one figure, each line named by its depth and group, shallowest first", () => {
    const points = suiteDepthPoints(grid);
    expect(points.length).toBe(depthGroups(grid).flatMap((g) => depthPoints(g.cells)).length);
    expect(depthLabels(points)).toEqual(["1 layer, optimizer adam", "1 layer, optimizer adamw", "2 layers, optimizer adam", "2 layers, optimizer adamw"]);
    const tiny = latest.suites.find((s) => s.name === "tiny")!.result;
    expect(depthLabels(suiteDepthPoints(tiny))).toEqual(["2 layers"]);
  });
});

describe("cellHistory", () => {
  it("gives a cell's headline numbers in every version that publishes it, oldest first", () => {
    const cell = grid.cells[0];
    const points = cellHistory(content, "tiny-grid", cell.cellId).filter((p) => p.metric === "stability");
    expect(points.map((p) => p.version)).toEqual(content.versions.map((v) => v.id));
    expect(points.at(-1)!.value).toBe(summarizeCell(cell).stability);
  });
  it("is empty for a cell no version publishes", () => {
    expect(cellHistory(content, "tiny-grid", "nope")).toEqual([]);
  });
});

describe("scaleStudy", () => {
  it("is null when no version publishes a scale suite", () => {
    const renamed = { ...content, versions: content.versions.map((v) => ({ ...v, suites: v.suites.filter((s) => s.name !== "scale") })) };
    expect(scaleStudy(renamed)).toBeNull();
  });
  it("reads each cell's excess over the nulls from the newest version with the suite", () => {
    const asScale = { ...content, versions: content.versions.map((v) => ({ ...v, suites: v.suites.map((s) => (s.name === "tiny-grid" ? { ...s, name: "scale" } : s)) })) };
    const study = scaleStudy(asScale)!;
    expect(study.version.id).toBe(latest.id);
    expect(study.points.length + study.missing).toBe(grid.cells.length);
    const p = study.points[0];
    const cell = grid.cells.find((c) => c.cellId === p.cellId)!;
    expect(p.excess).toBe(summarizeCell(cell).excess);
    expect(p.series).toBe(`${cell.config.model.nLayers} ${cell.config.model.nLayers === 1 ? "layer" : "layers"}, d_model ${cell.config.model.dModel}`);
  });
});

describe("promptWords", () => {
  it("reads N from a words-N probe set and nothing from any other", () => {
    expect(["words-5", "words-50", "default", "induction", "words-", "words-05", "words-5x"].map(promptWords)).toEqual([5, 50, null, null, null, null, null]);
  });
});

describe("promptLengthStudy", () => {
  const suite = latest.suites.find((s) => s.name === "prompt-length")!.result;
  it("is null when no version publishes a prompt-length suite", () => {
    const without = { ...content, versions: content.versions.map((v) => ({ ...v, suites: v.suites.filter((s) => s.name !== "prompt-length") })) };
    expect(promptLengthStudy(without)).toBeNull();
  });
  it("reads each layer's all-pairs stability and excess per prompt length from the newest version with the suite", () => {
    const study = promptLengthStudy(content)!;
    expect(study.version.id).toBe(latest.id);
    expect(study.missing).toBe(0);
    expect(study.cells.map((c) => c.words)).toEqual([5, 10, 20]);
    const nLayers = suite.cells[0].stats!.nLayers;
    expect(study.points.length).toBe(3 * nLayers);
    const p = study.points.find((q) => q.words === 10 && q.layer === 2)!;
    const cell = suite.cells.find((c) => c.cellId === p.cellId)!;
    expect(cell.label).toEqual({ "probes.set": "words-10" });
    const est = cell.stats!.estimates![1];
    expect(p).toMatchObject({ series: "layer 2", stability: est["stability.allPairs"].value, stabilityInterval: [est["stability.allPairs"].lo, est["stability.allPairs"].hi], excess: est["excess.informativeNull"].value });
    expect(study.cells[0].stability).toBe(summarizeCell(suite.cells.find((c) => c.label["probes.set"] === "words-5")!).stability);
  });
  it("leaves out cells whose probe set is not words-N", () => {
    const renamed = structuredClone(content);
    const ps = renamed.versions.at(-1)!.suites.find((s) => s.name === "prompt-length")!.result;
    ps.cells[0].probeSet = { ...ps.cells[0].probeSet!, id: "default" };
    const study = promptLengthStudy(renamed)!;
    expect(study.missing).toBe(1);
    expect(study.cells.length).toBe(2);
  });
});

describe("promptLengthSummary", () => {
  const cell = (words: number, stability: number, interval: [number, number], excess: number | null) => ({ words, cellId: String(words), stability, interval, excess, excessInterval: excess === null ? null : ([excess - 0.01, excess + 0.01] as [number, number]) });
  const study = (cells: ReturnType<typeof cell>[]) => ({ version: latest, points: [], cells, missing: 0 });
  it("says which way the means over layers move between the shortest and longest prompts, with intervals", () => {
    const text = promptLengthSummary(study([cell(5, 0.861, [0.849, 0.872], 0.018), cell(20, 0.83, [0.82, 0.84], 0.03), cell(50, 0.802, [0.782, 0.82], 0.046)]));
    expect(text).toBe(
      "Mean head stability over all pairs of refits falls from 0.861 [0.849, 0.872] at 5 words to 0.802 [0.782, 0.820] at 50 words (the 95% intervals do not overlap); " +
        "its excess over the informative nulls rises from +0.018 [0.008, 0.028] at 5 words to +0.046 [0.036, 0.056] at 50 words (the 95% intervals do not overlap).",
    );
  });
  it("leaves out the excess where it is missing, and says nothing with one prompt length", () => {
    expect(promptLengthSummary(study([cell(5, 0.9, [0.8, 1], null), cell(10, 0.95, [0.85, 1], null)]))).toBe(
      "Mean head stability over all pairs of refits rises from 0.900 [0.800, 1.000] at 5 words to 0.950 [0.850, 1.000] at 10 words (the 95% intervals overlap).",
    );
    expect(promptLengthSummary(study([cell(5, 0.9, [0.8, 1], 0.01)]))).toBeNull();
  });
});
