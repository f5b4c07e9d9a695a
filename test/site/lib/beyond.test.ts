// The findings page's section past the paper: one row per distinct cell with universal.share (a cell
// held by two suites once, naming both), values with intervals, "–" where a metric is absent, and
// cells compared before these metrics existed left out.
import { describe, expect, it } from "vitest";
import type { SiteVersion } from "../../../src/site/lib/content.ts";
import { beyondRows, BEYOND_COLUMNS } from "../../../src/site/lib/beyond.ts";

const cell = (cellId: string, label: Record<string, number | string>, estimates: Record<string, [number, number, number]>) => ({
  cellId,
  label,
  stats: { cellEstimates: Object.fromEntries(Object.entries(estimates).map(([id, [value, lo, hi]]) => [id, { value, lo, hi }])) },
});
const version = {
  id: "v",
  suites: [
    { name: "depth", result: { cells: [cell("d2", { "model.nLayers": 2 }, { "universal.share": [0.25, 0.125, 0.5], "output.js": [0.1234, 0.1, 0.15] }), cell("old", {}, { meanCorrected: [0.3, 0.2, 0.4] })] } },
    { name: "seed-sources", result: { cells: [cell("d2", { "model.nLayers": 2, "train.seedVaries": "both" }, { "universal.share": [0.25, 0.125, 0.5] })] } },
  ],
} as unknown as SiteVersion;

describe("beyondRows", () => {
  it("shows each distinct cell once, with intervals, and leaves out cells without the metrics", () => {
    const rows = beyondRows(version);
    expect(rows.map((r) => [r.cellId, r.suites, r.label])).toEqual([["d2", "depth, seed-sources", "model.nLayers 2"]]);
    expect(rows[0].values["universal.share"]).toBe("0.250 [0.125, 0.500]");
    expect(rows[0].values["output.js"]).toBe("0.123 [0.100, 0.150]");
    expect(rows[0].values["functional.stability"]).toBe("–");
    expect(Object.keys(rows[0].values)).toEqual(BEYOND_COLUMNS.map(([id]) => id));
  });
});
