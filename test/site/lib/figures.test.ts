import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadContent } from "../../../src/pipeline/publish/content.ts";
import { depthGroups, depthPoints, suiteDepthPoints } from "../../../src/site/lib/depth.ts";
import { depthLabels } from "../../../src/site/charts/relativeDepth.ts";
import { cellHistory, historyPanels, suiteHistories, type SuiteHistory } from "../../../src/site/lib/history.ts";
import { suiteHistoryChart } from "../../../src/site/charts/suiteHistory.ts";
import { chartDocument } from "../../../src/site/charts/render.ts";
import { OKABE_ITO } from "../../../src/site/charts/palette.ts";
import { inferFigure, studyFigure, studySummary } from "../../../src/site/lib/study.ts";
import type { Figure } from "../../../src/pipeline/artifacts/suite.ts";
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

describe("suiteHistories", () => {
  it("gives each suite's headline per grid point in every version that publishes it, oldest first", () => {
    const histories = suiteHistories(content);
    expect(histories.map((h) => h.suite).sort()).toEqual([...new Set(content.versions.flatMap((v) => v.suites.map((s) => s.name)))].sort());
    const grid = histories.find((h) => h.suite === "tiny-grid")!;
    const cell = latest.suites.find((s) => s.name === "tiny-grid")!.result.cells.find((c) => c.config.model.nLayers === 2 && c.config.train!.optimizer === "adamw")!;
    const line = grid.points.filter((p) => p.series === "layers 2, optimizer adamw");
    expect(line.map((p) => p.version)).toEqual(content.versions.filter((v) => v.suites.some((s) => s.name === "tiny-grid")).map((v) => v.id));
    expect(line.at(-1)).toMatchObject({ cellId: cell.cellId, value: summarizeCell(cell).stability, interval: summarizeCell(cell).interval });
    expect(histories.find((h) => h.suite === "tiny")!.points.every((p) => p.series === "its one cell")).toBe(true);
  });
  it("keeps a retrained cell on its grid point's line", () => {
    const renamed = structuredClone(content);
    const last = renamed.versions.at(-1)!.suites.find((s) => s.name === "tiny-grid")!.result.cells.find((c) => c.label["model.nLayers"] === 2 && c.label["train.optimizer"] === "adamw")!;
    last.cellId = "fffffffffff0";
    const line = suiteHistories(renamed).find((h) => h.suite === "tiny-grid")!.points.filter((p) => p.series === "layers 2, optimizer adamw");
    expect(line.map((p) => p.cellId).at(-1)).toBe("fffffffffff0");
    expect(new Set(line.map((p) => p.cellId)).size).toBe(2);
  });
});

describe("historyPanels", () => {
  // The scale suite's grid: 3 token counts x 2 depths x 2 widths, 12 lines, more than the 8 colours.
  const grid = [262144, 1048576, 2097152].flatMap((t) => [2, 4].flatMap((l) => [32, 64].map((d) => ({ "train.tokens": t, "model.nLayers": l, "model.dModel": d }))));
  const scale = (facet: string | null): SuiteHistory => ({
    suite: "scale",
    facet,
    points: ["2026-12-07.1", "2026-12-08.1"].flatMap((version) => grid.map((g, i) => ({ version, series: `p${i}`, grid: g, cellId: `c${i}`, value: 0.5 + i / 100, interval: null }))),
  });
  it("splits a suite with more lines than colours by its declared facet, each panel at most that many lines", () => {
    const panels = historyPanels(scale("model.nLayers"), OKABE_ITO.length);
    expect(panels.map((p) => p.title)).toEqual(["scale (layers 2)", "scale (layers 4)"]);
    for (const p of panels) expect(new Set(p.points.map((x) => x.line)).size).toBe(6);
    expect(panels[0].points[0].line).toBe("d_model 32, training tokens 262.1k");
  });
  it("splits by the axis with the most values when the suite declares no facet, and not at all when the lines fit", () => {
    expect(historyPanels(scale(null), OKABE_ITO.length).map((p) => p.title)).toEqual(["scale (training tokens 262.1k)", "scale (training tokens 1M)", "scale (training tokens 2.1M)"]);
    expect(historyPanels(scale(null), 12).map((p) => p.title)).toEqual(["scale"]);
  });
  it("draws no two lines of a panel in one colour, and each line in the same colour in every panel", () => {
    const root = suiteHistoryChart([scale("model.nLayers")], { document: chartDocument() });
    const panels = [...root.querySelectorAll("svg")].filter((s) => s.getAttribute("class")?.startsWith("plot") && s.querySelector("circle title"));
    expect(panels).toHaveLength(2);
    // Dot titles name the full grid point (p0..p11 here); a line is the point less its panel's depth.
    const lineOf = (title: string) => {
      const g = grid[Number(/^p(\d+),/.exec(title)![1])];
      return `${g["model.dModel"]} ${g["train.tokens"]}`;
    };
    const fills = panels.map((s) => [...s.querySelectorAll("circle")].map((c) => [lineOf(c.querySelector("title")!.textContent!), c.getAttribute("fill")!] as const));
    for (const panel of fills) {
      const byLine = new Map(panel);
      expect(byLine.size).toBe(6);
      expect(new Set(byLine.values()).size).toBe(6);
    }
    expect(new Map(fills[0])).toEqual(new Map(fills[1]));
  });
});

describe("studyFigure", () => {
  const suiteOf = (name: string) => latest.suites.find((s) => s.name === name)!.result;
  it("infers the axes of a suite that declares none: most values first, ties by path", () => {
    // The fixture's scale suite varies train.tokens, model.dModel and model.nLayers over two values each.
    expect(inferFigure(suiteOf("scale"))).toEqual({ x: "model.dModel", series: "model.nLayers", facet: "train.tokens" });
    expect(inferFigure(suiteOf("tiny-grid"))).toEqual({ x: "model.nLayers", series: "train.optimizer" });
    expect(inferFigure(suiteOf("tiny"))).toBeNull();
    expect(studyFigure(suiteOf("tiny"))).toBeNull();
  });
  it("plots every cell on the axes the suite declares, labelled by series and facet", () => {
    const scale = structuredClone(suiteOf("scale"));
    scale.suite.figure = { x: "train.tokens", series: "model.nLayers", facet: "model.dModel" };
    const figure = studyFigure(scale)!;
    expect(figure.declared).toBe(true);
    expect(figure.axes).toEqual(scale.suite.figure);
    expect(figure.xs).toEqual([8192, 32768]);
    expect(figure.points.length + figure.missing).toBe(scale.cells.length);
    const p = figure.points[0];
    const cell = scale.cells.find((c) => c.cellId === p.cellId)!;
    expect(p.x).toBe(cell.config.train!.tokens);
    expect(p.series).toBe(`layers ${cell.config.model.nLayers}`);
    expect(p.facet).toBe(`d_model ${cell.config.model.dModel}`);
    expect([p.stability, p.excess]).toEqual([summarizeCell(cell).stability, summarizeCell(cell).excess]);
  });
  it("orders a probe-set axis naturally, so words-5 comes before words-10", () => {
    const figure = studyFigure(suiteOf("prompt-length"))!;
    expect(figure.declared).toBe(false);
    expect(figure.axes).toEqual({ x: "probes.set" });
    expect(figure.xs).toEqual(["words-5", "words-10", "words-20"]);
    expect(figure.points.map((p) => p.x)).toEqual(figure.xs);
  });
  it("leaves out a cell with no statistics", () => {
    const grid = structuredClone(suiteOf("tiny-grid"));
    grid.cells[0].stats = null;
    expect(studyFigure(grid)!.missing).toBe(1);
  });
});

describe("studySummary", () => {
  const point = (x: number, stability: number, interval: [number, number], excess: number | null) => ({ cellId: String(x), x, series: null, facet: null, stability, stabilityInterval: interval, excess, excessInterval: excess === null ? null : ([excess - 0.01, excess + 0.01] as [number, number]) });
  const figure = (points: ReturnType<typeof point>[], axes: Figure = { x: "model.nHeads" }) => ({ axes, declared: true, xs: points.map((p) => p.x), points, missing: 0 });
  it("says which way stability and excess move between the first and last x, with intervals", () => {
    expect(studySummary(figure([point(2, 0.861, [0.849, 0.872], 0.018), point(4, 0.83, [0.82, 0.84], 0.03), point(8, 0.802, [0.782, 0.82], 0.046)]))).toBe(
      "Mean head stability falls from 0.861 [0.849, 0.872] at heads 2 to 0.802 [0.782, 0.820] at heads 8 (the 95% intervals do not overlap); " +
        "its excess over the informative nulls rises from +0.018 [0.008, 0.028] at heads 2 to +0.046 [0.036, 0.056] at heads 8 (the 95% intervals do not overlap).",
    );
  });
  it("leaves out a missing excess, and says nothing for one x or for several lines", () => {
    expect(studySummary(figure([point(2, 0.9, [0.8, 1], null), point(4, 0.95, [0.85, 1], null)]))).toBe(
      "Mean head stability rises from 0.900 [0.800, 1.000] at heads 2 to 0.950 [0.850, 1.000] at heads 4 (the 95% intervals overlap).",
    );
    expect(studySummary(figure([point(2, 0.9, [0.8, 1], 0.01)]))).toBeNull();
    expect(studySummary(figure([point(2, 0.9, [0.8, 1], 0.01), point(4, 0.9, [0.8, 1], 0.01)], { x: "model.nHeads", series: "model.dModel" }))).toBeNull();
  });
});
