import { describe, expect, it } from "vitest";
import { cbar, cbarMatrix, cosine, preparePatterns } from "../../../src/pipeline/compare/cosine.ts";
import { A, B, BOS, C, D, HALF, HALF_SQRT3, SELF, layout1x2, layout2x2 } from "./fixtures.ts";
import { patternsFrom } from "./helpers.ts";

describe("cosine", () => {
  it("matches hand-computed cosines", () => {
    expect(cosine(SELF, BOS)).toBeCloseTo(0.5, 14); // 1 / (sqrt 2 * sqrt 2)
    expect(cosine(SELF, HALF)).toBeCloseTo(HALF_SQRT3, 14); // 1.5 / (sqrt 2 * sqrt 1.5)
    expect(cosine([3, 4], [4, 3])).toBeCloseTo(24 / 25, 14);
    expect(cosine([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 14);
  });

  it("returns 0, not NaN, when a vector is all zeros", () => {
    expect(cosine([0, 0, 0], SELF)).toBe(0);
    expect(cosine([0, 0, 0], [0, 0, 0])).toBe(0);
  });

  it("divides by eps = 1e-8 when |x||y| is smaller", () => {
    // x.y = 1e-10 and |x||y| = 1e-10 < 1e-8, so cos = 1e-10 / 1e-8 = 0.01.
    expect(cosine([1e-5, 0], [1e-5, 0])).toBeCloseTo(0.01, 12);
  });

  it("rejects vectors of different lengths", () => {
    expect(() => cosine([1, 2], [1, 2, 3])).toThrow(/differ in length/);
  });
});

describe("preparePatterns", () => {
  it("stores per-head, per-probe norms", () => {
    const prepared = preparePatterns(layout1x2, patternsFrom([[A, C]]), "anchor");
    // A = [SELF, BOS]: both sqrt 2; C = [HALF, HALF]: both sqrt 1.5.
    expect(Array.from(prepared.norms)).toEqual([Math.SQRT2, Math.SQRT2, Math.sqrt(1.5), Math.sqrt(1.5)]);
  });
});

describe("cbar", () => {
  const anchor = preparePatterns(layout1x2, patternsFrom([[A, C]]), "anchor");
  const refit = preparePatterns(layout1x2, patternsFrom([[B, D]]), "refit");

  it("averages per-probe cosines", () => {
    expect(cbar(anchor, 0, refit, 0)).toBeCloseTo((0.5 + 1) / 2, 12); // A vs B: cos(SELF,BOS), cos(BOS,BOS)
    expect(cbar(anchor, 0, refit, 1)).toBeCloseTo((1 + 0.5) / 2, 12); // A vs D
    expect(cbar(anchor, 1, refit, 0)).toBeCloseTo(HALF_SQRT3, 12); // C vs B
  });

  it("takes the mean over probes before any max over heads", () => {
    // Per probe, B matches A on probe 2 and D on probe 1 (cos 1 each), so max-then-mean would be 1;
    // the paper's mean-then-max is max(0.75, 0.75) = 0.75.
    expect(Math.max(cbar(anchor, 0, refit, 0), cbar(anchor, 0, refit, 1))).toBeCloseTo(0.75, 12);
  });

  it("gives 0 against an all-zero head", () => {
    const zero = preparePatterns(layout1x2, patternsFrom([[[[0, 0, 0], [0, 0, 0]], A]]), "zero");
    expect(cbar(anchor, 0, zero, 0)).toBe(0);
    expect(cbar(zero, 0, zero, 0)).toBe(0);
  });
});

describe("cbarMatrix", () => {
  it("holds cbar for every anchor head (rows) against every refit head (columns)", () => {
    const anchor = preparePatterns(layout2x2, patternsFrom([[A, C], [B, D]]), "anchor");
    const refit = preparePatterns(layout2x2, patternsFrom([[B, D], [A, C]]), "refit");
    const expected = [
      [0.75, 0.75, 1, HALF_SQRT3], // A vs B, D, A, C
      [HALF_SQRT3, HALF_SQRT3, HALF_SQRT3, 1], // C
      [1, 0.5, 0.75, HALF_SQRT3], // B: cos(BOS,SELF) on both probes vs D
      [0.5, 1, 0.75, HALF_SQRT3], // D
    ];
    const m = cbarMatrix(anchor, refit);
    expected.flat().forEach((v, i) => expect(m[i]).toBeCloseTo(v, 12));
  });

  it("refuses refits prepared with different layouts", () => {
    const a = preparePatterns(layout1x2, patternsFrom([[A, C]]), "a");
    const b = preparePatterns(layout2x2, patternsFrom([[A, C], [A, C]]), "b");
    expect(() => cbarMatrix(a, b)).toThrow(/different layouts/);
  });
});
