// The terminal report's line of detectable differences: per headline metric with an interval, the
// minimum detectable difference between two cells at the cell's seed count and the seeds for 0.02.
import { describe, expect, it } from "vitest";
import type { CellStats } from "../../src/pipeline/artifacts/cell-stats.ts";
import { formatScience } from "../../src/pipeline/report.ts";

const stats = (cellEstimates: CellStats["cellEstimates"]) => ({ nRefits: 8, estimates: [], cellEstimates }) as unknown as CellStats;

describe("formatScience", () => {
  it("prices each headline's interval in a detectable difference and in seeds, worked by hand", () => {
    // Half-width 0.02: MDD = 2.801585 x 1.414214 x 0.02 / 1.959964 = 0.0404; seeds for 0.02 = ceil(8 x 2.0215^2) = 33.
    const lines = formatScience(stats({ meanCorrected: { value: 0.3, lo: 0.28, hi: 0.32 }, "universal.share": { value: 0.5, lo: null, hi: null } }));
    expect(lines).toContain("  smallest difference two cells of 8 seeds can detect (80% power): meanCorrected 0.040 (33 seeds for 0.02)");
  });

  it("prints no such line without an interval", () => {
    expect(formatScience(stats({ meanCorrected: { value: 0.3, lo: null, hi: null } })).some((l) => l.includes("detect"))).toBe(false);
  });
});
