import { describe, expect, it } from "vitest";
import { headHeatmapChart, headHeatmapData } from "../../../src/site/charts/headHeatmap.ts";
import { crossLayerData } from "../../../src/site/charts/crossLayerHeatmap.ts";
import { patternData } from "../../../src/site/charts/attentionPattern.ts";
import { layerProfileData } from "../../../src/site/charts/layerProfile.ts";
import { trainingCurveData } from "../../../src/site/charts/trainingCurve.ts";
import { chartDocument } from "../../../src/site/charts/render.ts";
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
});

describe("crossLayerData", () => {
  it("turns each layer's share vector into (from, to) cells", () => {
    const layers = [0, 1].map((layer) => ({ layer, stability: 0, stabilityStd: 0, commonness: 0, crossLayerStability: 0, crossLayerStd: 0, crossLayerShare: layer ? [0.25, 0.75] : [1, 0] }));
    expect(crossLayerData(layers).map((d) => [d.from, d.to, d.share])).toEqual([[1, 1, 1], [1, 2, 0], [2, 1, 0.25], [2, 2, 0.75]]);
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

describe("layerProfileData", () => {
  it("keeps present series only", () => {
    const p: LayerPoint = { layer: 1, stability: 0.9, stabilityStd: 0.1, interval: null, commonness: 0.4, crossLayerStability: 0.95, nullStability: null, excessOverNull: null, residualCka: 0.8 };
    expect(layerProfileData([p]).map((d) => [d.series, d.value])).toEqual([
      ["head stability S(l)", 0.9], ["commonness C(l)", 0.4], ["cross-layer stability", 0.95], ["residual CKA", 0.8],
    ]);
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
