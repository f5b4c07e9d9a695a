// The bootstrap over refits: pair and refit means by hand, determinism, interval coverage on a
// synthetic case with a known mean, and the seeds-needed curve shrinking with more refits.
import { describe, expect, it } from "vitest";
import {
  type Draw,
  bootstrapReplicates,
  identityDraw,
  othersMean,
  pairsMean,
  percentileInterval,
  quantile,
  refitsMean,
  seedsNeeded,
} from "../../../src/pipeline/compare/bootstrap.ts";
import { mulberry32 } from "./helpers.ts";

const draw = (all: number[], others: number[]): Draw => ({ all: Int32Array.from(all), others: Int32Array.from(others) });

describe("pairsMean", () => {
  const value = Float64Array.from({ length: 9 }, (_, i) => 10 * Math.floor(i / 3) + (i % 3)); // m[a][r] = 10a + r
  it("averages ordered pairs of distinct refits, skipping repeats of one refit", () => {
    // Identity over 3: pairs 01,02,10,12,20,21 -> (1+2+10+12+20+21)/6 = 11.
    expect(pairsMean(value, 3, identityDraw(3))).toBe(11);
    // Draw [0, 0, 2]: positions (0,1) and (1,0) drew refit 0 twice and are skipped; left 02,02,20,20 -> 11.
    expect(pairsMean(value, 3, draw([0, 0, 2], [1, 1]))).toBe(11);
    expect(pairsMean(value, 3, draw([1, 1, 1], [1, 1]))).toBeNaN();
  });

  it("counts all R^2 position pairs with self-pairs", () => {
    // [0, 1]: 00, 01, 10, 11 -> (0 + 1 + 10 + 11) / 4.
    expect(pairsMean(value, 3, draw([0, 1], [1]), true)).toBe(5.5);
  });
});

describe("othersMean and refitsMean", () => {
  it("average over the drawn non-anchor refits and over all drawn refits", () => {
    expect(othersMean((r) => r * r, draw([0, 1, 2], [2, 2]))).toBe(4);
    expect(refitsMean((r) => r, draw([0, 2, 2], [1, 1]))).toBeCloseTo(4 / 3, 15);
  });
});

describe("quantile", () => {
  it("interpolates linearly like numpy and ignores NaN", () => {
    expect(quantile([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(quantile([4, 1, NaN, 2, 3], 0.25)).toBe(1.75); // sorted 1,2,3,4: position 0.75
    expect(quantile([NaN], 0.5)).toBeNaN();
  });
});

describe("bootstrapReplicates", () => {
  it("is deterministic in its seed and differs across seeds", () => {
    const stat = (d: Draw) => refitsMean((r) => r, d);
    const a = bootstrapReplicates([stat], 6, { resamples: 50, seed: [1] })[0];
    expect(bootstrapReplicates([stat], 6, { resamples: 50, seed: [1] })[0]).toEqual(a);
    expect(bootstrapReplicates([stat], 6, { resamples: 50, seed: [2] })[0]).not.toEqual(a);
  });

  it("covers a known mean about 95% of the time", () => {
    // 200 synthetic cells of 30 refits, values N(0.5, 0.1^2): the 95% interval of the mean should
    // contain 0.5 in roughly 95% of cells (the percentile bootstrap runs a little narrow at n = 30).
    const rng = mulberry32(99);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
    let covered = 0;
    const trials = 200;
    for (let t = 0; t < trials; t++) {
      const values = Array.from({ length: 30 }, () => 0.5 + 0.1 * normal());
      const reps = bootstrapReplicates([(d) => refitsMean((r) => values[r], d)], 30, { resamples: 400, seed: [t] })[0];
      const [lo, hi] = percentileInterval(reps);
      if (lo <= 0.5 && 0.5 <= hi) covered++;
    }
    expect(covered / trials).toBeGreaterThan(0.88);
    expect(covered / trials).toBeLessThan(0.99);
  });
});

describe("seedsNeeded", () => {
  it("shrinks the half-width with more refits and asks more refits for tighter targets", () => {
    const values = Array.from({ length: 10 }, (_, r) => 0.5 + 0.05 * Math.sin(r * 2.1));
    const s = seedsNeeded([(d) => refitsMean((r) => values[r], d)], 10, { resamples: 300, seed: [4] })!;
    expect(s.points.map((p) => p.refits)).toEqual([3, 4, 5, 6, 7, 8, 9, 10]);
    expect(s.points.at(-1)!.halfWidth).toBeLessThan(s.points[0].halfWidth);
    const [w05, w02, w01] = s.forHalfWidth.map((p) => p.refits);
    expect(w05).toBeLessThanOrEqual(w02);
    expect(w02).toBeLessThanOrEqual(w01);
    // Fit: refits for half-width w = ceil((c / w)^2).
    expect(w01).toBe(Math.max(2, Math.ceil((s.coefficient / 0.01) ** 2)));
    expect(seedsNeeded([() => 0], 2, { resamples: 10, seed: [0] })).toBeNull();
  });
});
