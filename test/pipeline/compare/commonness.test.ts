import { describe, expect, it } from "vitest";
import { layerCommonness } from "../../../src/pipeline/compare/commonness.ts";
import { pairTables } from "../../../src/pipeline/compare/pairs.ts";
import { A, B, C, D, HALF_SQRT3, layout1x2, layout2x2 } from "./fixtures.ts";
import { patternsFrom } from "./helpers.ts";

/** Commonness as the compare stage computes it: refit 0's row of the pair tables (a twin makes the pair). */
function headCommonness(layout: typeof layout1x2, heads: number[][][][]): Float64Array {
  const refit = patternsFrom(heads);
  const t = pairTables(layout, [refit, refit], "refits");
  return t.commonness.subarray(0, t.nHeadsTotal);
}

describe("layerCommonness", () => {
  it("is each row's mean of the self block", () => {
    expect([...layerCommonness(Float64Array.from([1, 0.5, 0.25, 1]), 2)]).toEqual([0.75, 0.625]);
  });
});

describe("commonness in the pair tables", () => {
  it("returns 1 for a layer whose heads are all identical", () => {
    const c = headCommonness({ nLayers: 1, nHeads: 3, probeLengths: [2, 2] }, [[C, C, C]]);
    c.forEach((v) => expect(v).toBeCloseTo(1, 12));
  });

  it("returns 0.5 for two orthogonal heads (self counts, the other adds 0)", () => {
    const x = [[1, 0, 0], [1, 0, 0]];
    const y = [[0, 1, 1], [0, 0, 1]];
    headCommonness(layout1x2, [[x, y]]).forEach((v) => expect(v).toBeCloseTo(0.5, 12));
  });

  it("averages cbar over the layer's heads including itself", () => {
    // Layer 0 [A, C]: (1 + sqrt(3)/2) / 2 each. Layer 1 [B, D]: cbar(B, D) = 0.5, so (1 + 0.5) / 2.
    const c = headCommonness(layout2x2, [[A, C], [B, D]]);
    [(1 + HALF_SQRT3) / 2, (1 + HALF_SQRT3) / 2, 0.75, 0.75].forEach((v, i) => expect(c[i]).toBeCloseTo(v, 12));
  });

  it("handles three heads by hand", () => {
    // [A, B, D]: cbar(A,B) = cbar(A,D) = 0.75, cbar(B,D) = 0.5.
    const c = headCommonness({ nLayers: 1, nHeads: 3, probeLengths: [2, 2] }, [[A, B, D]]);
    [(1 + 0.75 + 0.75) / 3, (0.75 + 1 + 0.5) / 3, (0.75 + 0.5 + 1) / 3].forEach((v, i) =>
      expect(c[i]).toBeCloseTo(v, 12),
    );
  });
});
