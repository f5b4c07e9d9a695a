import { describe, expect, it } from "vitest";
import {
  patternWidth,
  probeSegments,
  sameLayout,
  validateLayout,
  validatePatterns,
} from "../../../src/pipeline/compare/patterns.ts";

const layout = { nLayers: 2, nHeads: 2, probeLengths: [2, 3, 1] };

describe("probeSegments", () => {
  it("gives each probe T(T+1)/2 consecutive values in probe order", () => {
    expect(probeSegments(layout)).toEqual([
      { begin: 0, end: 3 },
      { begin: 3, end: 9 },
      { begin: 9, end: 10 },
    ]);
  });
});

describe("patternWidth", () => {
  it("sums T(T+1)/2 over probes", () => {
    expect(patternWidth(layout)).toBe(10);
    expect(patternWidth({ nLayers: 1, nHeads: 1, probeLengths: [64] })).toBe(2080);
  });
});

describe("sameLayout", () => {
  it("compares layers, heads and every probe length", () => {
    expect(sameLayout(layout, { ...layout, probeLengths: [2, 3, 1] })).toBe(true);
    expect(sameLayout(layout, { ...layout, probeLengths: [2, 3, 2] })).toBe(false);
    expect(sameLayout(layout, { ...layout, nHeads: 3 })).toBe(false);
  });
});

describe("validateLayout", () => {
  it("names the field that is not a positive integer", () => {
    expect(() => validateLayout({ ...layout, nLayers: 0 })).toThrow(/layout\.nLayers must be a positive integer, got 0/);
    expect(() => validateLayout({ ...layout, nHeads: 1.5 })).toThrow(/layout\.nHeads/);
    expect(() => validateLayout({ ...layout, probeLengths: [2, -1] })).toThrow(/layout\.probeLengths\[1\]/);
    expect(() => validateLayout({ ...layout, probeLengths: [] })).toThrow(/at least one probe/);
  });
});

describe("validatePatterns", () => {
  const good = () => ({ attn: [new Float32Array(20), new Float32Array(20)] });

  it("accepts one [H, K] Float32Array per layer", () => {
    expect(() => validatePatterns(layout, good(), "anchor")).not.toThrow();
  });

  it("rejects a wrong layer count", () => {
    expect(() => validatePatterns(layout, { attn: [new Float32Array(20)] }, "anchor")).toThrow(
      "anchor.attn has 1 layers, layout says 2",
    );
  });

  it("rejects a wrong size with the expected shape", () => {
    const bad = good();
    bad.attn[1] = new Float32Array(19);
    expect(() => validatePatterns(layout, bad, "others[3]")).toThrow(
      "others[3].attn[1] has 19 values, expected [H=2, K=10] = 20",
    );
  });

  it("rejects arrays that are not Float32Array", () => {
    const bad = { attn: [new Float32Array(20), new Float64Array(20) as unknown as Float32Array] };
    expect(() => validatePatterns(layout, bad, "anchor")).toThrow("anchor.attn[1] must be a Float32Array");
  });

  it("rejects NaN and infinities, naming head and position", () => {
    const bad = good();
    bad.attn[0][13] = Number.NaN;
    expect(() => validatePatterns(layout, bad, "anchor")).toThrow("anchor.attn[0] holds a non-finite value at head 1, position 3");
  });
});
