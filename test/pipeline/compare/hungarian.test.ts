// The Hungarian assignment against brute force over all permutations of small random matrices,
// a hand case where the greedy per-row max double-books a column, and the per-layer matching.
import { describe, expect, it } from "vitest";
import { matchedValues, maxAssignment } from "../../../src/pipeline/compare/hungarian.ts";
import { mulberry32 } from "./helpers.ts";

function permutations(n: number): number[][] {
  if (n === 0) return [[]];
  return permutations(n - 1).flatMap((p) => Array.from({ length: n }, (_, i) => [...p.slice(0, i), n - 1, ...p.slice(i)]));
}

const total = (m: ArrayLike<number>, n: number, a: ArrayLike<number>) => Array.from(a).reduce((s, j, i) => s + m[i * n + j], 0);

describe("maxAssignment", () => {
  it("matches brute force on random matrices of size 1 to 6", () => {
    const rng = mulberry32(17);
    for (let n = 1; n <= 6; n++) {
      const best = permutations(n);
      for (let trial = 0; trial < 20; trial++) {
        const m = Float64Array.from({ length: n * n }, () => Math.round(rng() * 20) / 10 - 1); // ties included
        const a = maxAssignment(m, n);
        expect([...a].sort()).toEqual([...Array(n).keys()]);
        const brute = Math.max(...best.map((p) => total(m, n, p)));
        expect(total(m, n, a)).toBeCloseTo(brute, 12);
      }
    }
  });

  it("gives the second row its second choice when both rows prefer the same column", () => {
    // Rows 0 and 1 both score column 0 highest; the best one-to-one sum is 0.9 + 0.8 = 1.7.
    expect([...maxAssignment([0.9, 0.1, 0.95, 0.8], 2)]).toEqual([0, 1]);
  });

  it("rejects a matrix of the wrong size or with NaN", () => {
    expect(() => maxAssignment([1, 2, 3], 2)).toThrow("expected 2 x 2");
    expect(() => maxAssignment([1, NaN, 3, 4], 2)).toThrow("entry 1");
  });
});

describe("matchedValues", () => {
  it("gives each row its cbar under the one-to-one matching, not its row max", () => {
    // The row max would give both anchor heads refit head 0 (0.9 and 0.95); the matching maximizes
    // the sum instead: 0.9 + 0.8 = 1.7 beats 0.1 + 0.95 = 1.05.
    expect([...matchedValues(Float64Array.from([0.9, 0.1, 0.95, 0.8]), 2)]).toEqual([0.9, 0.8]);
    expect([...matchedValues(Float64Array.from([0.2, 0.7, 0.6, 0.3]), 2)]).toEqual([0.7, 0.6]);
  });
});
