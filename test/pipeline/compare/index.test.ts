import { describe, expect, it } from "vitest";
import { CellStatsSchema } from "../../../src/pipeline/artifacts/cell-stats.ts";
import type { PatternLayout } from "../../../src/pipeline/compare/patterns.ts";
import { A, B, C, D, HALF_SQRT3, layout1x2 } from "./fixtures.ts";
import { cellStats, clonePatterns, mulberry32, paperFields, patternsFrom, permuteHeads, randomPatterns } from "./helpers.ts";

const layout: PatternLayout = { nLayers: 3, nHeads: 4, probeLengths: [3, 5, 8] };

function randomCell(seed: number, nOthers: number) {
  const rng = mulberry32(seed);
  const anchor = randomPatterns(layout, rng);
  const others = Array.from({ length: nOthers }, () => randomPatterns(layout, rng));
  return { anchor, others };
}

describe("compareCell", () => {
  it("matches the hand-computed one-layer cell", () => {
    // Anchor [A, C]; refit 1 [B, D] gives s = (0.75, sqrt(3)/2); refit 2 [C, A] gives s = (1, 1).
    const stats = cellStats({
      layout: layout1x2,
      anchor: patternsFrom([[A, C]]),
      others: [patternsFrom([[B, D]]), patternsFrom([[C, A]])],
      anchorSeed: 0,
    });
    const s0 = (0.75 + 1) / 2;
    const s1 = (HALF_SQRT3 + 1) / 2;
    expect(stats.headStability[0][0]).toBeCloseTo(s0, 12);
    expect(stats.headStability[0][1]).toBeCloseTo(s1, 12);
    expect(stats.layers[0].stability).toBeCloseTo((s0 + s1) / 2, 12);
    expect(stats.layers[0].stabilityStd).toBeCloseTo(Math.abs(s1 - s0) / Math.SQRT2, 12); // two values, ddof 1
    expect(stats.layers[0].commonness).toBeCloseTo((1 + HALF_SQRT3) / 2, 12);
    expect(stats.layers[0].crossLayerStability).toBeCloseTo((s0 + s1) / 2, 12); // one layer: same as stability
    expect(stats.layers[0].crossLayerShare).toEqual([1]);
    expect(stats.nRefits).toBe(3);
    expect(stats.extremes.largestDrop).toBeNull();
  });

  it("gives stability exactly 1 for identical refits, with every match in its own layer", () => {
    const { anchor } = randomCell(1, 0);
    const stats = cellStats({ layout, anchor, others: [clonePatterns(anchor), clonePatterns(anchor)], anchorSeed: 0 });
    for (const rows of [stats.headStability, stats.headCrossLayerStability]) {
      rows.flat().forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(1e-12));
    }
    stats.layers.forEach((layer, l) => {
      expect(Math.abs(layer.stability - 1)).toBeLessThan(1e-12);
      expect(Math.abs(layer.crossLayerStability - 1)).toBeLessThan(1e-12);
      expect(layer.crossLayerShare).toEqual(Array.from({ length: layout.nLayers }, (_, j) => (j === l ? 1 : 0)));
    });
  });

  it("is unchanged when a non-anchor refit's heads are permuted within a layer", () => {
    const { anchor, others } = randomCell(2, 3);
    const base = cellStats({ layout, anchor, others, anchorSeed: 0 });
    const shuffled = others.map((o, r) => permuteHeads(o, r % layout.nLayers, [2, 0, 3, 1]));
    const moved = cellStats({ layout, anchor, others: shuffled, anchorSeed: 0 });
    expect(paperFields(moved)).toEqual(paperFields(base));
    moved.estimates!.forEach((layer, l) => {
      for (const [id, e] of Object.entries(layer)) {
        expect(e.value, id).toBeCloseTo(base.estimates![l][id].value!, 12);
        expect(e.lo, id).toBeCloseTo(base.estimates![l][id].lo!, 12);
      }
    });
  });

  it("permutes head stability with the anchor's heads and keeps layer values", () => {
    const { anchor, others } = randomCell(3, 3);
    const perm = [3, 1, 0, 2];
    const base = cellStats({ layout, anchor, others, anchorSeed: 0 });
    const moved = cellStats({ layout, anchor: permuteHeads(anchor, 1, perm), others, anchorSeed: 0 });
    for (const key of ["headStability", "headCrossLayerStability"] as const) {
      expect(moved[key][0]).toEqual(base[key][0]);
      expect(moved[key][1]).toEqual(perm.map((h) => base[key][1][h]));
    }
    // Commonness sums a head's row over the layer's heads, whose order the permutation changes: equal up to rounding.
    expect(moved.headCommonness[0]).toEqual(base.headCommonness[0]);
    moved.headCommonness[1].forEach((v, h) => expect(v).toBeCloseTo(base.headCommonness[1][perm[h]], 14));
    moved.layers.forEach((layer, l) => {
      expect(layer.stability).toBeCloseTo(base.layers[l].stability, 12);
      expect(layer.stabilityStd).toBeCloseTo(base.layers[l].stabilityStd, 12);
      expect(layer.crossLayerStability).toBeCloseTo(base.layers[l].crossLayerStability, 12);
      expect(layer.commonness).toBeCloseTo(base.layers[l].commonness, 12);
      layer.crossLayerShare.forEach((v, j) => expect(v).toBeCloseTo(base.layers[l].crossLayerShare[j], 12));
    });
  });

  it("keeps every value in [0, 1] on random softmax-like patterns, cross-layer >= same-layer", () => {
    const slack = 1e-12; // a cosine of a vector with itself may round to 1 + 1 ulp
    for (const seed of [4, 5, 6]) {
      const { anchor, others } = randomCell(seed, 4);
      const stats = cellStats({ layout, anchor, others, anchorSeed: 0 });
      const values = [
        ...stats.headStability.flat(),
        ...stats.headCrossLayerStability.flat(),
        ...stats.headCommonness.flat(),
        ...stats.layers.flatMap((x) => [x.stability, x.commonness, x.crossLayerStability, ...x.crossLayerShare]),
      ];
      values.forEach((v) => {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1 + slack);
      });
      stats.headStability.flat().forEach((v, i) => expect(stats.headCrossLayerStability.flat()[i]).toBeGreaterThanOrEqual(v));
      stats.layers.forEach((x) => expect(x.crossLayerShare.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12));
      // Commonness includes the head itself, so it is at least 1/H.
      stats.headCommonness.flat().forEach((v) => expect(v).toBeGreaterThanOrEqual(1 / layout.nHeads - slack));
    }
  });

  it("is deterministic and fits CellStatsSchema", () => {
    const { anchor, others } = randomCell(7, 3);
    const first = cellStats({ layout, anchor, others, anchorSeed: 5 });
    expect(cellStats({ layout, anchor, others, anchorSeed: 5 })).toEqual(first);
    expect(CellStatsSchema.parse(first)).toEqual(first);
    expect([first.nLayers, first.nHeads, first.nRefits, first.anchorSeed]).toEqual([3, 4, 4, 5]);
  });

  it("does not write into its inputs", () => {
    const { anchor, others } = randomCell(8, 2);
    const before = [anchor, ...others].map(clonePatterns);
    cellStats({ layout, anchor, others, anchorSeed: 0 });
    expect([anchor, ...others]).toEqual(before);
  });

  it("names the refit that does not fit the layout, and needs at least one other refit", () => {
    const { anchor, others } = randomCell(9, 2);
    const bad = { attn: [...others[1].attn.slice(0, 2), new Float32Array(7)] };
    expect(() => cellStats({ layout, anchor, others: [others[0], bad], anchorSeed: 0 })).toThrow(
      /refits\[2\]\.attn\[2\] has 7 values/,
    );
    expect(() => cellStats({ layout, anchor, others: [], anchorSeed: 0 })).toThrow(/at least two refits/);
  });

  it("names the refit, layer, head and position of a NaN or infinity, in the anchor or any refit", () => {
    const { anchor, others } = randomCell(10, 2);
    const k = others[1].attn[1].length / layout.nHeads;
    const nan = clonePatterns(others[1]);
    nan.attn[1][2 * k + 5] = Number.NaN;
    expect(() => cellStats({ layout, anchor, others: [others[0], nan], anchorSeed: 0 })).toThrow("refits[2].attn[1] holds a non-finite value at head 2, position 5");
    const inf = clonePatterns(anchor);
    inf.attn[2][3] = Number.POSITIVE_INFINITY;
    expect(() => cellStats({ layout, anchor: inf, others, anchorSeed: 0 })).toThrow("refits[0].attn[2] holds a non-finite value at head 0, position 3");
  });
});
