import { describe, expect, it } from "vitest";
import { layerExtremes } from "../../../src/pipeline/compare/extremes.ts";

describe("layerExtremes", () => {
  it("finds min, max, gap, relative depth and the largest drop of a mid-depth dip", () => {
    const e = layerExtremes([0.9, 0.6, 0.7, 0.95]);
    expect(e.minLayer).toBe(1);
    expect(e.maxLayer).toBe(3);
    expect(e.min).toBe(0.6);
    expect(e.max).toBe(0.95);
    expect(e.gap).toBeCloseTo(0.35, 15);
    expect(e.minRelativeDepth).toBe(0.5); // layer 2 of 4 (1-based)
    expect(e.maxRelativeDepth).toBe(1);
    expect(e.largestDrop).toBeCloseTo(-0.3, 15); // steps: -0.3, +0.1, +0.25
    expect(e.largestDropLayer).toBe(1);
  });

  it("reports the smallest rise as the largest drop when S(l) only grows", () => {
    const e = layerExtremes([0.5, 0.8, 0.9]);
    expect(e.largestDrop).toBeCloseTo(0.1, 15);
    expect(e.largestDropLayer).toBe(2);
  });

  it("gives null drop for one layer", () => {
    expect(layerExtremes([0.7])).toEqual({
      minLayer: 0,
      maxLayer: 0,
      min: 0.7,
      max: 0.7,
      gap: 0,
      minRelativeDepth: 1,
      maxRelativeDepth: 1,
      largestDrop: null,
      largestDropLayer: null,
    });
  });

  it("keeps the first layer on ties", () => {
    const e = layerExtremes([0.5, 0.9, 0.5, 0.9]);
    expect([e.minLayer, e.maxLayer]).toEqual([0, 1]);
    expect(e.largestDropLayer).toBe(2);
  });

  it("rejects empty and non-finite profiles", () => {
    expect(() => layerExtremes([])).toThrow(/no layers/);
    expect(() => layerExtremes([0.5, Number.NaN])).toThrow(/stability\[1\] is NaN/);
  });
});
