import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadContent } from "../../../src/pipeline/publish/content.ts";
import { csvField, leaderboardCsv } from "../../../src/site/lib/csv.ts";
import { isBeyondNoise } from "../../../src/site/lib/diff.ts";
import { diffVersions } from "../../../src/pipeline/publish/diff.ts";
import { columnText, leaderboardRows } from "../../../src/site/lib/leaderboard.ts";
import { clearsNulls, intervalOf, summarizeCell } from "../../../src/site/lib/stats.ts";

const content = loadContent(path.resolve("test/fixtures/content"));
const latest = content.latest!;
const tinyCell = latest.suites.find((s) => s.name === "tiny")!.result.cells[0];

describe("summarizeCell", () => {
  it("headlines all-pairs stability with its interval, and averages finished refits' perplexity", () => {
    const cell = tinyCell;
    const s = summarizeCell(cell);
    const headline = cell.stats!.cellEstimates!["meanStability.allPairs"];
    expect(s.stability).toBe(headline.value);
    expect(s.interval).toEqual([headline.lo, headline.hi]);
    expect(s.interval![0]).toBeLessThanOrEqual(s.stability!);
    const ppl = cell.runs.map((r) => r.heldOutPerplexity!);
    expect(s.perplexity).toBeCloseTo(ppl.reduce((a, b) => a + b) / ppl.length, 12);
    expect(s.minLayer).toBe(cell.stats!.extremes.minLayer + 1);
  });

  it("falls back to the anchor-based mean over layers, without an interval, when all-pairs is absent", () => {
    const cell = structuredClone(tinyCell);
    delete cell.stats!.cellEstimates;
    const layers = cell.stats!.layers.map((l) => l.stability);
    const s = summarizeCell(cell);
    expect(s.stability).toBeCloseTo(layers.reduce((a, b) => a + b) / layers.length, 12);
    expect(s.interval).toBeNull();
  });
});

describe("clearsNulls", () => {
  it("needs the whole excess interval above 0, and says nothing without an interval", () => {
    expect(clearsNulls([0.001, 0.02])).toBe(true);
    expect(clearsNulls([0, 0.02])).toBe(false);
    expect(clearsNulls([-0.01, 0.02])).toBe(false);
    expect(clearsNulls(null)).toBeNull();
  });
  it("reads the headline excess and its interval from meanExcess.informativeNull", () => {
    const cell = tinyCell;
    const e = cell.stats!.cellEstimates!["meanExcess.informativeNull"];
    const s = summarizeCell(cell);
    expect([s.excess, s.excessInterval]).toEqual([e.value, [e.lo, e.hi]]);
    expect(s.clearsNulls).toBe(e.lo! > 0);
    const layers = cell.stats!.estimates!.map((x) => x["null.untrained"].value!);
    expect(s.untrainedNull).toBeCloseTo(layers.reduce((a, b) => a + b) / layers.length, 12);
  });
});

describe("intervalOf", () => {
  it("reads an estimate's ends and rejects missing or reversed ones", () => {
    expect(intervalOf({ value: 0.5, lo: 0.4, hi: 0.6 })).toEqual([0.4, 0.6]);
    expect(intervalOf({ value: 0.5, lo: null, hi: 0.6 })).toBeNull();
    expect(intervalOf([0.7, 0.6])).toBeNull();
  });
});

describe("leaderboardRows", () => {
  it("gives one row per cell with its grid values", () => {
    const rows = leaderboardRows(latest);
    expect(rows.length).toBe(16);
    expect(rows.filter((r) => r.suite === "tiny-grid").map((r) => `${r.nLayers}/${r.optimizer}`)).toEqual(["1/adam", "1/adamw", "2/adam", "2/adamw"]);
  });

  it("shows a cell's probe set: its own where the suite's grid varies it, else the suite's", () => {
    const rows = leaderboardRows(latest);
    expect(new Set(rows.filter((r) => r.suite !== "prompt-length").map((r) => r.probeSet))).toEqual(new Set(["default"]));
    expect(rows.filter((r) => r.suite === "prompt-length").map((r) => r.probeSet).sort()).toEqual(["words-10", "words-20", "words-5"]);
    const row = rows.find((r) => r.probeSet === "words-5")!;
    expect(columnText(row, "probeSet").text).toBe("words-5");
    expect(row.search).toContain("probes.set=words-5");
  });
});

describe("csvField", () => {
  it("quotes separators and defuses formulas", () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField("=1+1")).toBe("'=1+1");
    expect(csvField(null)).toBe("");
    expect(csvField(0.25)).toBe("0.25");
  });
});

describe("leaderboardCsv", () => {
  it("writes a header and one line per row", () => {
    const lines = leaderboardCsv(leaderboardRows(latest)).trimEnd().split("\r\n");
    expect(lines.length).toBe(17);
    expect(lines[0].startsWith("suite,cellId,family,nLayers")).toBe(true);
    expect(lines[0]).toContain(",tokens,probeSet,seeds,");
  });
});

describe("isBeyondNoise", () => {
  it("flags a change above the interval's critical difference, half-width x sqrt(2), worked by hand", () => {
    // [0.4, 0.6]: half-width 0.1, critical difference 0.1414.
    expect(isBeyondNoise(0.5, 0.7, [0.4, 0.6])).toBe(true);
    expect(isBeyondNoise(0.5, 0.64, [0.4, 0.6])).toBe(false);
    // [0.52, 0.6]: half-width 0.04, critical difference 0.0566.
    expect(isBeyondNoise(0.5, 0.55, [0.52, 0.6])).toBe(false);
    expect(isBeyondNoise(0.5, 0.44, [0.52, 0.6])).toBe(true);
    expect(isBeyondNoise(0.5, 0.55, null)).toBeNull();
  });
});

describe("diffVersions", () => {
  it("matches cells by id and reports each metric's change", () => {
    const [from, to] = content.versions;
    const d = diffVersions(from, to);
    expect(d.added).toEqual([]);
    expect(d.removed).toEqual([]);
    const tiny = (v: typeof from) => v.suites.find((s) => s.name === "tiny")!.result.cells[0];
    const move = d.moves.find((m) => m.suite === "tiny" && m.metric === "layer 1 anchor stability")!;
    expect(move.before).toBe(tiny(from).stats!.layers[0].stability);
    expect(move.delta).toBeCloseTo(tiny(to).stats!.layers[0].stability - tiny(from).stats!.layers[0].stability, 15);
    expect(Math.abs(d.moves[0].delta)).toBeGreaterThanOrEqual(Math.abs(d.moves.at(-1)!.delta));
  });
});
