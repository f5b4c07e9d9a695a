// Null baselines by hand: the same-length probe pairing, the probe-shuffled cbar on a tiny case,
// through the pair tables, and the uniform causal pattern's cbar (1 for a uniform head, hand values otherwise).
import { describe, expect, it } from "vitest";
import { probePartners, uniformPattern } from "../../../src/pipeline/compare/nulls.ts";
import { pairTables } from "../../../src/pipeline/compare/pairs.ts";
import type { PatternLayout } from "../../../src/pipeline/compare/patterns.ts";
import { patternsFrom } from "./helpers.ts";

describe("probePartners", () => {
  it("pairs each probe with the next of the same length, cyclically, and leaves singletons out", () => {
    expect([...probePartners([3, 4, 3, 5, 3, 4])]).toEqual([2, 5, 4, -1, 0, 1]);
    expect([...probePartners([2, 3])]).toEqual([-1, -1]);
  });
});

describe("probe-shuffled null in the pair tables", () => {
  // Two probes of length 2: triangles [a00, a10, a11].
  const layout: PatternLayout = { nLayers: 1, nHeads: 1, probeLengths: [2, 2] };
  const head = patternsFrom([[[[1, 1, 0], [1, 0, 1]]]]);

  it("compares probe p with the partner probe of the other refit", () => {
    // Same head on swapped probes: cos([1,1,0], [1,0,1]) = 1/2 both ways, where the unshuffled cbar is 1.
    const t = pairTables(layout, [head, head], "refits");
    expect(t.shuffledProbes).toBe(2);
    expect(t.shuffled![1]).toBeCloseTo(0.5, 15); // (a = 0, r = 1); the null is anchor-based
    expect(t.shuffled!.length).toBe(2);
    expect(t.max[1]).toBeCloseTo(1, 15);
  });

  it("is left out when no probe has a partner", () => {
    const odd = patternsFrom([[[[1, 1, 0], [1, 0, 1, 0, 0, 1]]]]);
    const t = pairTables({ ...layout, probeLengths: [2, 3] }, [odd, odd], "refits");
    expect(t.shuffled).toBeNull();
    expect(t.shuffledProbes).toBe(0);
  });
});

describe("uniform null", () => {
  it("lays out the uniform causal triangle of every probe as one row", () => {
    // Probes of length 2 and 3: [1, 1/2, 1/2] then [1, 1/2, 1/2, 1/3, 1/3, 1/3].
    expect([...uniformPattern({ nLayers: 1, nHeads: 1, probeLengths: [2, 3] })]).toEqual(
      [1, 0.5, 0.5, 1, 0.5, 0.5, 1 / 3, 1 / 3, 1 / 3].map(Math.fround),
    );
  });

  it("gives 1 for a uniform head and the hand value for a BOS head", () => {
    // Probe of length 2: uniform triangle [1, 1/2, 1/2]; a BOS head [1, 1, 0] has cos = 1.5 / (sqrt 1.5 * sqrt 2) = sqrt(3)/2.
    const layout: PatternLayout = { nLayers: 1, nHeads: 2, probeLengths: [2] };
    const p = patternsFrom([[[[1, 0.5, 0.5]], [[1, 1, 0]]]]);
    const t = pairTables(layout, [p, p], "refits");
    expect(t.uniform[0]).toBeCloseTo(1, 15);
    expect(t.uniform[1]).toBeCloseTo(Math.sqrt(3) / 2, 7);
    expect(t.uniform[3]).toBe(t.uniform[1]); // refit 1 is the same
  });
});
