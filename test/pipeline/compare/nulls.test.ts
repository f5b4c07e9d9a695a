// Null baselines by hand: the same-length probe pairing, the probe-shuffled cbar on a tiny case,
// and the uniform causal pattern's cbar (1 for a uniform head, hand values otherwise).
import { describe, expect, it } from "vitest";
import { preparePatterns } from "../../../src/pipeline/compare/cosine.ts";
import { probePartners, shuffledCbar, shuffledSameLayerMax, uniformCbar } from "../../../src/pipeline/compare/nulls.ts";
import type { PatternLayout } from "../../../src/pipeline/compare/patterns.ts";
import { patternsFrom } from "./helpers.ts";

describe("probePartners", () => {
  it("pairs each probe with the next of the same length, cyclically, and leaves singletons out", () => {
    expect([...probePartners([3, 4, 3, 5, 3, 4])]).toEqual([2, 5, 4, -1, 0, 1]);
    expect([...probePartners([2, 3])]).toEqual([-1, -1]);
  });
});

describe("shuffledCbar", () => {
  // Two probes of length 2: triangles [a00, a10, a11].
  const layout: PatternLayout = { nLayers: 1, nHeads: 1, probeLengths: [2, 2] };
  const a = preparePatterns(layout, patternsFrom([[[[1, 1, 0], [1, 0, 1]]]]), "a");
  const b = preparePatterns(layout, patternsFrom([[[[1, 1, 0], [1, 0, 1]]]]), "b");

  it("compares probe p with the partner probe of the other refit", () => {
    // Same head on swapped probes: cos([1,1,0], [1,0,1]) = 1/2 both ways, where the unshuffled cbar is 1.
    expect(shuffledCbar(a, 0, b, 0, probePartners([2, 2]))).toBeCloseTo(0.5, 15);
    expect(shuffledSameLayerMax(a, b, probePartners([2, 2]))[0]).toBeCloseTo(0.5, 15);
  });

  it("is NaN when no probe has a partner", () => {
    expect(shuffledCbar(a, 0, b, 0, Int32Array.from([-1, -1]))).toBeNaN();
  });
});

describe("uniformCbar", () => {
  it("gives 1 for a uniform head and the hand value for a BOS head", () => {
    // Probe of length 2: uniform triangle [1, 1/2, 1/2]; a BOS head [1, 1, 0] has cos = 1.5 / (sqrt 1.5 * sqrt 2) = sqrt(3)/2.
    const layout: PatternLayout = { nLayers: 1, nHeads: 2, probeLengths: [2] };
    const p = preparePatterns(layout, patternsFrom([[[[1, 0.5, 0.5]], [[1, 1, 0]]]]), "p");
    const u = uniformCbar(p);
    expect(u[0]).toBeCloseTo(1, 15);
    expect(u[1]).toBeCloseTo(Math.sqrt(3) / 2, 15);
  });
});
