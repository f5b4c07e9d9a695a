import { describe, expect, it } from "vitest";
import { cbarMatrix, preparePatterns } from "../../../src/pipeline/compare/cosine.ts";
import type { PatternLayout, PatternArrays } from "../../../src/pipeline/compare/patterns.ts";
import {
  bestMatches,
  crossLayerShare,
  headCrossLayerStability,
  headStability,
} from "../../../src/pipeline/compare/stability.ts";
import { A, B, C, D, HALF_SQRT3, layout1x2, layout2x2 } from "./fixtures.ts";
import { patternsFrom } from "./helpers.ts";

function matchesFor(layout: PatternLayout, anchor: PatternArrays, others: PatternArrays[]) {
  const a = preparePatterns(layout, anchor, "anchor");
  return others.map((o, r) => bestMatches(cbarMatrix(a, preparePatterns(layout, o, `others[${r}]`)), layout));
}

describe("bestMatches", () => {
  it("takes the same-layer max and the cross-layer argmax, first index on ties", () => {
    const cbar = Float64Array.from([
      [0.2, 0.5, 0.5, 0.1], // tie between heads 1 (layer 0) and 2 (layer 1): first wins
      [0.3, 0.1, 0.9, 0.9],
      [0.7, 0.0, 0.0, 0.7], // layer 1's own heads are columns 2 and 3
      [0.0, 0.0, 0.0, 0.0],
    ].flat());
    const m = bestMatches(cbar, layout2x2);
    expect(Array.from(m.sameLayer)).toEqual([0.5, 0.3, 0.7, 0]);
    expect(Array.from(m.crossLayer)).toEqual([0.5, 0.9, 0.7, 0]);
    expect(Array.from(m.crossLayerIndex)).toEqual([1, 2, 0, 0]);
  });

  it("rejects a matrix of the wrong size", () => {
    expect(() => bestMatches(new Float64Array(15), layout2x2)).toThrow(/expected 4 x 4/);
  });
});

describe("headStability", () => {
  it("averages the best same-layer cbar over non-anchor refits", () => {
    // Refit 1 = [B, D]: A's best is 0.75 (both), C's best is sqrt(3)/2 (both).
    // Refit 2 = [C, A]: both anchor heads have an exact copy, best 1.
    const matches = matchesFor(layout1x2, patternsFrom([[A, C]]), [patternsFrom([[B, D]]), patternsFrom([[C, A]])]);
    const s = headStability(matches);
    expect(s[0]).toBeCloseTo((0.75 + 1) / 2, 12);
    expect(s[1]).toBeCloseTo((HALF_SQRT3 + 1) / 2, 12);
  });

  it("needs at least one refit", () => {
    expect(() => headStability([])).toThrow(/at least one refit/);
  });
});

describe("crossLayerShare", () => {
  // Refit "swapped" has the anchor's layers in the other order: its layer 0 heads equal the anchor's
  // layer 1 heads. The anchor's heads A, C, B, D are pairwise different, so each exact copy is the unique best.
  const anchor = patternsFrom([[A, C], [B, D]]);
  const swapped = patternsFrom([[B, D], [A, C]]);

  it("sends every best match of a swapped refit to the other layer", () => {
    const matches = matchesFor(layout2x2, anchor, [swapped]);
    expect(crossLayerShare(matches, layout2x2)).toEqual([
      [0, 1],
      [1, 0],
    ]);
    headCrossLayerStability(matches).forEach((v) => expect(v).toBeCloseTo(1, 12));
    // Same-layer: layer 0 [A, C] vs [B, D]; layer 1 [B, D] vs [A, C], where both B and D reach sqrt(3)/2 via C.
    const same = headStability(matches);
    [0.75, HALF_SQRT3, HALF_SQRT3, HALF_SQRT3].forEach((v, i) => expect(same[i]).toBeCloseTo(v, 12));
  });

  it("splits shares by the fraction of (head, refit) matches per layer; rows sum to 1", () => {
    const matches = matchesFor(layout2x2, anchor, [swapped, anchor, swapped]);
    const share = crossLayerShare(matches, layout2x2);
    expect(share[0][0]).toBeCloseTo(1 / 3, 12);
    expect(share[0][1]).toBeCloseTo(2 / 3, 12);
    expect(share[1][0]).toBeCloseTo(2 / 3, 12);
    expect(share[1][1]).toBeCloseTo(1 / 3, 12);
    share.forEach((row) => expect(row[0] + row[1]).toBeCloseTo(1, 12));
  });
});
