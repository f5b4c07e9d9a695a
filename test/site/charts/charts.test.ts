import { describe, expect, it } from "vitest";
import { headHeatmapChart, headHeatmapData, headRuns } from "../../../src/site/charts/headHeatmap.ts";
import { PHONE_WIDTH } from "../../../src/site/charts/phone.ts";
import { crossLayerChart, crossLayerData } from "../../../src/site/charts/crossLayerHeatmap.ts";
import { attentionPatternChart, patternData } from "../../../src/site/charts/attentionPattern.ts";
import { layerProfileData } from "../../../src/site/charts/layerProfile.ts";
import { layerStabilityChart, layerStabilityData } from "../../../src/site/charts/layerStability.ts";
import { layerExcessChart, layerExcessData } from "../../../src/site/charts/layerExcess.ts";
import { importanceChart } from "../../../src/site/charts/importanceScatter.ts";
import { paddedDomain, tickFormatFor } from "../../../src/site/charts/domain.ts";
import { trainingCurveData } from "../../../src/site/charts/trainingCurve.ts";
import { chartDocument } from "../../../src/site/charts/render.ts";
import { studyChart } from "../../../src/site/charts/studyChart.ts";
import type { StudyFigure, StudyPoint } from "../../../src/site/lib/study.ts";
import type { Figure } from "../../../src/pipeline/artifacts/suite.ts";
import type { LayerPoint } from "../../../src/site/lib/stats.ts";

describe("headHeatmapData", () => {
  it("numbers layers and heads from 1", () => {
    expect(headHeatmapData([[0.5, 0.25], [1, 0]])).toEqual([
      { layer: 1, head: 1, value: 0.5 },
      { layer: 1, head: 2, value: 0.25 },
      { layer: 2, head: 1, value: 1 },
      { layer: 2, head: 2, value: 0 },
    ]);
  });
});

describe("headHeatmapChart", () => {
  it("writes every head's value into the SVG as text", () => {
    const svg = headHeatmapChart([[0.5, 0.25]], { document: chartDocument(), label: "S" }).outerHTML;
    expect(svg).toContain("layer 1, head 2: 0.250");
    expect(svg).toContain(">0.500<");
  });
  it("spans the colours over the heads' values, so close heads get different colours", () => {
    const svg = headHeatmapChart([[0.983, 0.99], [0.999, 0.995]], { document: chartDocument(), label: "S" }).outerHTML;
    const fills = [...svg.matchAll(/<rect[^>]*fill="([^"]+)"[^>]*><title>layer/g)].map((m) => m[1]);
    expect(new Set(fills).size).toBe(4);
  });
  it("splits many heads into even runs that fit a phone", () => {
    expect(headRuns(2)).toEqual([[1, 2]]);
    expect(headRuns(4)).toEqual([[1, 4]]);
    expect(headRuns(6)).toEqual([[1, 3], [4, 6]]);
    expect(headRuns(8)).toEqual([[1, 4], [5, 8]]);
    expect(headRuns(12)).toEqual([[1, 4], [5, 8], [9, 12]]);
  });
  it("draws 8 heads as phone-width panels on one colour scale, each head once", () => {
    const values = [[0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.1], [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2]];
    const root = headHeatmapChart(values, { document: chartDocument(), label: "S" });
    const panels = [...root.querySelectorAll(".small-multiples > svg")];
    expect(panels).toHaveLength(2);
    for (const p of panels) expect(Number(p.getAttribute("width"))).toBeLessThanOrEqual(PHONE_WIDTH);
    const cells = [...root.outerHTML.matchAll(/<rect[^>]*fill="([^"]+)"[^>]*><title>layer (\d), head (\d):/g)];
    expect(cells.map((m) => `${m[2]}.${m[3]}`).sort()).toEqual(values.flatMap((r, l) => r.map((_, h) => `${l + 1}.${h + 1}`)).sort());
    // Head 1 and head 8 of layer 1 hold the same value in different panels: the same colour.
    const fill = (l: string, h: string) => cells.find((m) => m[2] === l && m[3] === h)![1];
    expect(fill("1", "8")).toBe(fill("1", "1"));
  });
});

describe("paddedDomain", () => {
  it("spans the data with a margin", () => {
    const [lo, hi] = paddedDomain([0.2, 0.7], { pad: 0.1 });
    expect(lo).toBeCloseTo(0.15, 12);
    expect(hi).toBeCloseTo(0.75, 12);
  });
  it("widens near-constant data to the minimum span, kept inside its bounds", () => {
    const [lo, hi] = paddedDomain([0.9999999990, 0.9999999995], { minSpan: 0.01, pad: 0, within: [0, 1] });
    expect(hi).toBe(1);
    expect(lo).toBeCloseTo(0.99, 9);
    expect(tickFormatFor([lo, hi])).toBe(".3f");
  });
  it("includes what it is asked to (0 for an excess)", () => {
    expect(paddedDomain([0.02, 0.03], { include: [0], pad: 0 })).toEqual([0, 0.03]);
  });
});

describe("importanceChart", () => {
  it("shows near-identical stabilities on readable ticks, not rounding noise", () => {
    const svg = importanceChart([[0.9999999990, 0.9999999995]], [[0.0008, 0.0009]], { document: chartDocument() }).outerHTML;
    expect(svg).not.toMatch(/0\.99999/);
    expect(svg).toContain("layer 1, head 2: stability 1.000, dPPL 0.0009");
  });
});

describe("crossLayerData", () => {
  it("turns each layer's share vector into (from, to) cells", () => {
    const layers = [0, 1].map((layer) => ({ layer, stability: 0, stabilityStd: 0, commonness: 0, crossLayerStability: 0, crossLayerStd: 0, crossLayerShare: layer ? [0.25, 0.75] : [1, 0] }));
    expect(crossLayerData(layers).map((d) => [d.from, d.to, d.share])).toEqual([[1, 1, 1], [1, 2, 0], [2, 1, 0.25], [2, 2, 0.75]]);
  });
  it("fits a phone at any depth, writing values where a column holds them and always in the tooltips", () => {
    const model = (n: number) =>
      Array.from({ length: n }, (_, layer) => ({ layer, stability: 0, stabilityStd: 0, commonness: 0, crossLayerStability: 0, crossLayerStd: 0, crossLayerShare: Array.from({ length: n }, (_, to) => (to === layer ? 1 : 0)) }));
    for (const [n, written] of [[2, true], [6, true], [12, false]] as const) {
      const svg = crossLayerChart(model(n), { document: chartDocument() });
      const chart = svg.tagName === "svg" ? svg : svg.querySelector("svg[width]")!;
      expect(Number(chart.getAttribute("width"))).toBeLessThanOrEqual(PHONE_WIDTH);
      expect(svg.outerHTML.match(/<title>anchor layer/g)).toHaveLength(n * n);
      expect(svg.outerHTML.includes(">1.00<")).toBe(written);
    }
  });
});

describe("patternData", () => {
  it("unpacks a row-major lower triangle", () => {
    expect(patternData([1, 0.5, 0.5, 0.2, 0.3, 0.5], 3).map((d) => [d.query, d.key, d.weight])).toEqual([
      [0, 0, 1], [1, 0, 0.5], [1, 1, 0.5], [2, 0, 0.2], [2, 1, 0.3], [2, 2, 0.5],
    ]);
  });
  it("refuses a length that is not a triangle of the token count", () => {
    expect(() => patternData([1, 2, 3], 3)).toThrow(/3 values do not form the lower triangle of 3 tokens \(6\)/);
  });
});

const point = (layer: number, over: Partial<LayerPoint> = {}): LayerPoint => ({
  layer, stability: 0.9, stabilityStd: 0.1, interval: null, allPairs: null, allPairsInterval: null, commonness: 0.4, crossLayerStability: 0.95,
  nullProbeShuffled: null, nullUniform: null, nullUntrained: null, excess: null, excessInterval: null, residualCka: 0.8, ...over,
});

describe("layerProfileData", () => {
  it("keeps present series only", () => {
    expect(layerProfileData([point(1, { residualCka: null })]).map((d) => [d.series, d.value])).toEqual([["commonness C(l)", 0.4], ["cross-layer stability", 0.95]]);
  });
});

describe("layerStabilityData", () => {
  it("puts the nulls a trained head can beat beside S(l), and not the untrained null", () => {
    const rows = layerStabilityData([point(1, { nullProbeShuffled: 0.85, nullUniform: 0.8, nullUntrained: 0.999 })]);
    expect(rows.map((d) => [d.series, d.value])).toEqual([["head stability S(l)", 0.9], ["probe-shuffled null", 0.85], ["uniform null", 0.8]]);
  });
});

describe("layerStabilityChart", () => {
  it("scales its axis to the data and draws the interval as a visible bar", () => {
    const points = [point(1, { stability: 0.986, interval: [0.984, 0.988], nullProbeShuffled: 0.981 }), point(2, { stability: 0.997, interval: [0.9969, 0.9972] })];
    const svg = layerStabilityChart(points, { document: chartDocument() }).outerHTML;
    expect(svg).toContain("95% interval of S(l), layer 1: [0.984, 0.988]");
    // Ticks follow the data (0.98-1.00), not the fixed 0-1 axis where the lines overlapped.
    expect(svg).toContain(">0.990<");
    expect(svg).not.toContain(">0.5<");
  });
});

describe("attentionPatternChart", () => {
  const labels = (n: number) => {
    const tokens = Array.from({ length: n }, (_, i) => String.fromCharCode(65 + (i % 26)));
    const triangle = Array.from({ length: (n * (n + 1)) / 2 }, () => 0.5);
    const svg = attentionPatternChart(triangle, { document: chartDocument(), tokens, title: "t" });
    return [...svg.querySelectorAll("[aria-label='x-axis tick label'] text")].map((t) => t.textContent);
  };
  it("labels every token of a 24-token sample, and every second of a whole 49-token induction probe so 12 px labels never overlap", () => {
    expect(labels(24)).toHaveLength(24);
    // 300 px over 49 rows is 6.1 px a row; a label needs 12: every ceil(12 * 49 / 300) = 2nd token.
    expect(labels(49)).toEqual(Array.from({ length: 25 }, (_, i) => String.fromCharCode(65 + ((2 * i) % 26))));
  });
});

describe("studyChart", () => {
  const at = (x: number, series: string | null, facet: string | null, stability: number, excess: number | null): StudyPoint => ({
    cellId: `c${x}${series}${facet}`, x, series, facet, stability, stabilityInterval: [stability - 0.01, stability + 0.01], excess, excessInterval: excess === null ? null : [excess - 0.005, excess + 0.005],
  });
  const figure = (points: StudyPoint[], axes: Figure): StudyFigure => ({ axes, declared: true, xs: [...new Set(points.map((p) => p.x))].sort((a, b) => Number(a) - Number(b)), points, missing: 0 });
  const panels = (root: Element) => [...root.querySelectorAll("svg")].filter((s) => s.getAttribute("class")?.startsWith("plot"));
  it("draws per facet a stability and an excess panel, series overlaid, with each point's interval", () => {
    const points = [at(1024, "d_model 32", "layers 2", 0.935, 0.025), at(65536, "d_model 32", "layers 2", 0.901, 0.046), at(1024, "d_model 64", "layers 4", 0.787, 0.011), at(65536, "d_model 64", "layers 4", 0.703, 0.045)];
    const root = studyChart(figure(points, { x: "train.tokens", series: "model.dModel", facet: "model.nLayers" }), { document: chartDocument() });
    const [stability2, excess2, stability4, excess4] = panels(root);
    expect(panels(root)).toHaveLength(4);
    expect(stability2.textContent).toContain("head stability (layers 2)");
    expect(excess4.textContent).toContain("excess over the nulls (layers 4)");
    expect(stability2.outerHTML).toContain("d_model 32, layers 2, training tokens 65.5k: stability 0.901, 95% interval [0.891, 0.911]");
    expect(excess2.outerHTML).toContain("d_model 32, layers 2, training tokens 1024: excess +0.025");
    expect(stability2.outerHTML).not.toContain("d_model 64");
    // One y axis for every facet: the same ticks in both rows.
    const ticks = (svg: Element) => [...svg.querySelectorAll("[aria-label='y-axis tick label'] text")].map((t) => t.textContent);
    expect(ticks(stability2)).toEqual(ticks(stability4));
    expect(stability4.textContent).toContain("(log scale)");
    // Every panel fits a phone's content box, so panels wrap rather than shrink.
    for (const svg of panels(root)) expect(Number(svg.getAttribute("width"))).toBeLessThanOrEqual(358);
  });
  it("thins x ticks to what a phone-width panel can label, and leaves out the excess panel when no point has one", () => {
    const points = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((x) => at(x, null, null, 0.9, null));
    const root = studyChart(figure(points, { x: "model.nHeads" }), { document: chartDocument() });
    expect(panels(root)).toHaveLength(1);
    expect([...root.querySelectorAll("[aria-label='x-axis tick label'] text")].map((t) => t.textContent)).toEqual(["1", "3", "5", "7", "9"]);
  });
});

/**
 * Where an excess panel's "nulls" label starts, and how far 12 px text of it can reach (0.7 em a
 * letter, more than any letter of it takes), beside the right edge of the rightmost point.
 */
function nullsLabelRoom(svg: Element) {
  const text = [...svg.querySelectorAll("text")].find((t) => t.textContent === "nulls")!;
  const shift = (e: Element) => Number(/translate\(([-\d.]+)/.exec(e.getAttribute("transform") ?? "")?.[1] ?? 0);
  const start = shift(text) + shift(text.parentElement!) + Number(text.getAttribute("x") ?? 0);
  const dots = [...svg.querySelectorAll("circle")].map((c) => Number(c.getAttribute("cx")) + Number(c.getAttribute("r")));
  expect(text.parentElement!.getAttribute("text-anchor")).toBe("start");
  return { start, end: start + 5 * 0.7 * 12, lastDot: Math.max(...dots), width: Number(svg.getAttribute("width")) };
}

describe("the nulls label", () => {
  it("starts right of every point and ends inside the panel, wherever the first and last points sit", () => {
    // Points on the rule at both ends of x: a label drawn inside the frame would cover one.
    const points = [1, 2, 3].map((x): StudyPoint => ({ cellId: `c${x}`, x, series: null, facet: null, stability: 0.9, stabilityInterval: null, excess: 0.001, excessInterval: [-0.002, 0.004] }));
    const root = studyChart({ axes: { x: "model.nHeads" }, declared: true, xs: [1, 2, 3], points, missing: 0 }, { document: chartDocument() });
    const excess = [...root.querySelectorAll("svg")].find((s) => s.textContent!.includes("excess over the nulls"))!;
    const layers = [1, 2, 3, 4, 5, 6].map((l) => point(l, { excess: 0.0005, excessInterval: [-0.001, 0.002] }));
    for (const svg of [excess, layerExcessChart(layers, { document: chartDocument(), width: 350 })]) {
      const { start, end, lastDot, width } = nullsLabelRoom(svg);
      expect(start).toBeGreaterThan(lastDot);
      expect(end).toBeLessThanOrEqual(width);
    }
  });
});

describe("layerExcessData", () => {
  it("keeps layers with an excess, with their interval ends", () => {
    expect(layerExcessData([point(1, { excess: 0.02, excessInterval: [0.01, 0.03] }), point(2)])).toEqual([{ layer: 1, value: 0.02, low: 0.01, high: 0.03 }]);
  });
});

describe("trainingCurveData", () => {
  it("gives a train and a held-out point per eval step and skips runs without curves", () => {
    const run = { runId: "r", seed: 1, status: "finished" as const, heldOutLoss: 3, heldOutPerplexity: 20, trainSeconds: 1, tokensPerSecond: 1 };
    const data = trainingCurveData([{ ...run, curve: [{ step: 1, tokens: 512, trainLoss: 4, heldOutLoss: 4.5 }] }, { ...run, seed: 2 }]);
    expect(data).toEqual([
      { seed: "seed 1", split: "train", tokens: 512, loss: 4 },
      { seed: "seed 1", split: "held-out", tokens: 512, loss: 4.5 },
    ]);
  });
});
