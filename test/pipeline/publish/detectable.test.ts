// The smallest detectable difference, worked by hand from an interval's half-width h:
// SE = h / 1.96, critical difference = h x sqrt(2), MDD = (1.96 + 0.8416) x sqrt(2) x h / 1.96.
import { describe, expect, it } from "vitest";
import { criticalDifference, minimumDetectable, seedsToDetect, standardError } from "../../../src/pipeline/publish/detectable.ts";

describe("detectable differences", () => {
  it("follow from the interval's half-width", () => {
    expect(standardError([0.4, 0.6])).toBeCloseTo(0.1 / 1.959964, 8);
    expect(criticalDifference([0.4, 0.6])).toBeCloseTo(0.1 * Math.SQRT2, 12);
    expect(minimumDetectable([0.4, 0.6])).toBeCloseTo(0.202148, 5); // 2.801585 x 1.414214 x 0.1 / 1.959964
  });

  it("need four times the seeds to halve the minimum detectable difference", () => {
    const iv: [number, number] = [0.4, 0.6];
    const mdd = minimumDetectable(iv);
    expect(seedsToDetect(iv, 8, mdd)).toBe(8);
    expect(seedsToDetect(iv, 8, mdd / 2)).toBe(32);
  });

  it("is 0 for an interval of zero width, whatever the seed count", () => {
    expect(minimumDetectable([0.5, 0.5])).toBe(0);
    expect(criticalDifference([0.5, 0.5])).toBe(0);
  });
});
