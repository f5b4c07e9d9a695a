// The share of universal heads: Student's t bound per head, worked by hand, and its invariants.
import { describe, expect, it } from "vitest";
import { identityDraw } from "../../../src/pipeline/compare/bootstrap.ts";
import type { PairTables } from "../../../src/pipeline/compare/pairs.ts";
import { attentionExcess, clearsZero, shareClearing, tQuantile975 } from "../../../src/pipeline/compare/universal.ts";

const universalShare = (T: PairTables) => shareClearing([attentionExcess(T)], T.nHeadsTotal);

/** Anchor rows only: max and shuffled per refit r (r = 0 is the anchor, left 0) for n heads. */
function tables(max: number[][], shuffled: number[][] | null, uniform: number[]): PairTables {
  const R = max.length;
  const n = uniform.length;
  const flat = (rows: number[][]) => Float64Array.from({ length: R * R * n }, (_, k) => (k < R * n ? rows[Math.floor(k / n)][k % n] : 0));
  return {
    nRefits: R,
    nHeadsTotal: n,
    max: flat(max),
    matched: flat(max),
    shuffled: shuffled && flat(shuffled),
    shuffledProbes: 0,
    commonness: new Float64Array(R * n),
    uniform: Float64Array.from({ length: R * n }, (_, k) => uniform[k % n]),
    anchorMatches: [],
    anchorCbar: [],
  };
}

describe("tQuantile975", () => {
  it("reads the table to 30 degrees of freedom and follows scipy's t.ppf(0.975, df) beyond", () => {
    expect(tQuantile975(2)).toBe(4.303);
    expect(tQuantile975(6)).toBe(2.447);
    expect(tQuantile975(31)).toBeCloseTo(2.039513, 4); // scipy.stats.t.ppf(0.975, 31)
    expect(tQuantile975(60)).toBeCloseTo(2.000298, 4);
    expect(tQuantile975(120)).toBeCloseTo(1.97993, 4);
    expect(tQuantile975(1e9)).toBeCloseTo(1.959964, 6);
  });
});

describe("universal.share", () => {
  it("counts heads whose excess clears 0 by the t bound, worked by hand", () => {
    // Head 0: excess 0.1, 0.2, 0.3 -> 0.2 - 4.303 x 0.1 / sqrt 3 = -0.048: not universal.
    // Head 1: excess 0.30, 0.31, 0.32 -> 0.31 - 4.303 x 0.01 / sqrt 3 = 0.285: universal.
    const T = tables(
      [[0, 0], [0.6, 0.8], [0.7, 0.81], [0.8, 0.82]],
      [[0, 0], [0.5, 0.4], [0.5, 0.4], [0.5, 0.4]],
      [0.45, 0.5],
    );
    expect(clearsZero([0.1, 0.2, 0.3])).toBe(false);
    expect(clearsZero([0.3, 0.31, 0.32])).toBe(true);
    expect(universalShare(T)(identityDraw(4))).toBe(0.5);
  });

  it("uses the uniform null alone when no probe-shuffled null exists, and changes with nothing but the heads' own rows", () => {
    const T = tables([[0, 0], [0.6, 0.8], [0.7, 0.81], [0.8, 0.82]], null, [0.45, 0.5]);
    // Head 0's excess over uniform: 0.15, 0.25, 0.35 -> 0.25 - 0.248 > 0; head 1: 0.30, 0.31, 0.32.
    expect(universalShare(T)(identityDraw(4))).toBe(1);
    const swapped = tables([[0, 0], [0.8, 0.6], [0.81, 0.7], [0.82, 0.8]], null, [0.5, 0.45]);
    expect(universalShare(swapped)(identityDraw(4))).toBe(universalShare(T)(identityDraw(4)));
  });

  it("is 1 for identical refits far above their nulls and undefined with one other refit", () => {
    const same = tables([[0, 0], [1, 1], [1, 1]], [[0, 0], [0.3, 0.3], [0.3, 0.3]], [0.2, 0.2]);
    // Zero spread: the bound is the mean itself.
    expect(universalShare(same)(identityDraw(3))).toBe(1);
    expect(universalShare(same)({ all: Int32Array.of(0, 1), others: Int32Array.of(1) })).toBeNaN();
  });
});
