// compareCell against a naive transcription of the formulas of docs/metrics.md (loops over l, h, r, h', p
// with cosine() on each probe's slice, in float64), on random patterns: the optimized path (the
// SIMD kernel, which sums one probe's products in float32 lanes) must agree with it to 1e-7.
import { describe, expect, it } from "vitest";
import { cosine } from "../../../src/pipeline/compare/cosine.ts";
import { type PatternLayout, type PatternArrays, patternWidth, probeSegments } from "../../../src/pipeline/compare/patterns.ts";
import { cellStats, mulberry32, randomPatterns } from "./helpers.ts";

const layout: PatternLayout = { nLayers: 3, nHeads: 3, probeLengths: [4, 2, 6, 3] };
const k = patternWidth(layout);
const segments = probeSegments(layout);

const v = (x: PatternArrays, l: number, h: number, p: number) =>
  x.attn[l].subarray(h * k + segments[p].begin, h * k + segments[p].end);
const cbar = (x: PatternArrays, l: number, h: number, y: PatternArrays, l2: number, h2: number) =>
  segments.reduce((sum, _, p) => sum + cosine(v(x, l, h, p), v(y, l2, h2, p)), 0) / segments.length;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const heads = [...Array(layout.nHeads).keys()];
const layers = [...Array(layout.nLayers).keys()];

describe("compareCell", () => {
  it("agrees with a naive transcription of the paper's formulas", () => {
    const rng = mulberry32(11);
    const [anchor, ...others] = Array.from({ length: 4 }, () => randomPatterns(layout, rng));
    const stats = cellStats({ layout, anchor, others, anchorSeed: 0 });
    for (const l of layers) {
      const s = heads.map((h) => mean(others.map((o) => Math.max(...heads.map((h2) => cbar(anchor, l, h, o, l, h2))))));
      const cross = heads.map((h) =>
        mean(others.map((o) => Math.max(...layers.flatMap((l2) => heads.map((h2) => cbar(anchor, l, h, o, l2, h2)))))),
      );
      const common = heads.map((h) => mean(heads.map((h2) => cbar(anchor, l, h, anchor, l, h2))));
      const sd = Math.sqrt(s.reduce((a, x) => a + (x - mean(s)) ** 2, 0) / (s.length - 1));
      heads.forEach((h) => {
        expect(stats.headStability[l][h]).toBeCloseTo(s[h], 7);
        expect(stats.headCrossLayerStability[l][h]).toBeCloseTo(cross[h], 7);
        expect(stats.headCommonness[l][h]).toBeCloseTo(common[h], 7);
      });
      expect(stats.layers[l].stability).toBeCloseTo(mean(s), 7);
      expect(stats.layers[l].stabilityStd).toBeCloseTo(sd, 7);
      expect(stats.layers[l].crossLayerStability).toBeCloseTo(mean(cross), 7);
      expect(stats.layers[l].commonness).toBeCloseTo(mean(common), 7);
    }
  });
});
