import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadContent } from "../../../src/pipeline/publish/content.ts";
import { depthGroups, depthPoints } from "../../../src/site/lib/depth.ts";
import { cellHistory } from "../../../src/site/lib/history.ts";
import { scaleStudy } from "../../../src/site/lib/scale.ts";
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
