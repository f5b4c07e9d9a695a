// Pearson r, Kendall tau-b and the OLS slope against hand-computed values, and NaN where undefined.
import { describe, expect, it } from "vitest";
import { kendallTau, pearson, slope } from "../../../src/pipeline/compare/correlation.ts";
import { depthTrend, importanceByLayer, normCorrelation } from "../../../src/pipeline/compare/importance.ts";

describe("pearson", () => {
  it("matches hand values", () => {
    // x = 1..4, y = x^2: r = 25 / sqrt(5 * 129).
    expect(pearson([1, 2, 3, 4], [1, 4, 9, 16])).toBeCloseTo(25 / Math.sqrt(645), 14);
    expect(pearson([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 15);
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe("kendallTau", () => {
  it("counts concordant and discordant pairs, with tau-b's tie correction", () => {
    // x = [1,2,3,4], y = [1,3,2,4]: 5 concordant, 1 discordant of 6 pairs -> 4/6.
    expect(kendallTau([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(4 / 6, 15);
    // x = [1,1,2], y = [1,2,3]: pairs (0,1) tied in x, (0,2) and (1,2) concordant; tau-b = 2 / sqrt(2 * 3).
    expect(kendallTau([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / Math.sqrt(6), 15);
  });
});

describe("slope", () => {
  it("fits y = 2x + 1 exactly and skips non-finite points", () => {
    expect(slope([0, 1, 2, 3], [1, 3, 5, NaN])).toBeCloseTo(2, 15);
    expect(slope([1], [1])).toBeNaN();
  });
});

describe("importanceByLayer", () => {
  it("correlates dPPL with head stability within each layer", () => {
    // Layer 0: dPPL rises with S (r = 1); layer 1: dPPL falls as S rises (r = -1).
    const r = importanceByLayer([1, 2, 3, 3, 2, 1], [0.1, 0.2, 0.3, 0.1, 0.2, 0.3], { nLayers: 2, nHeads: 3 });
    expect(r.pearson[0]).toBeCloseTo(1, 15);
    expect(r.pearson[1]).toBeCloseTo(-1, 15);
    expect(r.kendall).toEqual([1, -1]);
    // Over relative depth 1/2 -> 1, r falls from 1 to -1: slope -4.
    expect(depthTrend(r.pearson)).toBeCloseTo(-4, 14);
  });
});

describe("normCorrelation", () => {
  it("needs 3 layers", () => {
    expect(normCorrelation([0.5, 0.6], [1, 2])).toBeNaN();
    expect(normCorrelation([0.5, 0.6, 0.7], [3, 2, 1])).toBeCloseTo(-1, 15);
  });
});
