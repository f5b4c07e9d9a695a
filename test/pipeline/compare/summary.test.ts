import { describe, expect, it } from "vitest";
import { layerMeanAndStd, meanAndStd, toLayerRows } from "../../../src/pipeline/compare/summary.ts";

describe("meanAndStd", () => {
  it("uses ddof = 1", () => {
    const { mean, std } = meanAndStd([1, 2, 3, 4]);
    expect(mean).toBe(2.5);
    expect(std).toBeCloseTo(Math.sqrt(5 / 3), 14); // squared deviations 2.25+0.25+0.25+2.25 = 5, over 3
  });

  it("gives std 0 for one value and refuses none", () => {
    expect(meanAndStd([0.4])).toEqual({ mean: 0.4, std: 0 });
    expect(() => meanAndStd([])).toThrow(/no values/);
  });
});

describe("toLayerRows", () => {
  it("splits flat l * H + h values into [layer][head]", () => {
    const layout = { nLayers: 2, nHeads: 3, probeLengths: [1] };
    expect(toLayerRows(Float64Array.from([1, 2, 3, 4, 5, 6]), layout)).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(layerMeanAndStd(Float64Array.from([1, 2, 3, 4, 4, 4]), layout)).toEqual([
      { mean: 2, std: 1 },
      { mean: 4, std: 0 },
    ]);
  });
});
