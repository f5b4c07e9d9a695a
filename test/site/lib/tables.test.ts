import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { loadContent } from "../../../src/pipeline/publish/content.ts";
import { csvField, leaderboardCsv } from "../../../src/site/lib/csv.ts";
import { isBeyondNoise } from "../../../src/site/lib/diff.ts";
import { diffVersions } from "../../../src/pipeline/publish/diff.ts";
import { barDomain, byExcess, columnText, LEADERBOARD_COLUMNS, leaderboardRows, leaderboardSummary, optimizerName, sharedSettings, shownColumns } from "../../../src/site/lib/leaderboard.ts";
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

describe("the leaderboard's columns", () => {
  const rows = leaderboardRows(latest);
  it("names the optimizer as the suites do: Adam at weight decay 0 whichever the config says", () => {
    expect(optimizerName("adamw", 0)).toBe("adam");
    expect(optimizerName("adam", 0)).toBe("adam");
    expect(optimizerName("adamw", 0.1)).toBe("adamw");
    expect(optimizerName("adam", 0.1)).toBe("adam + L2");
    expect(optimizerName("trained elsewhere", null)).toBe("trained elsewhere");
    const grid = rows.filter((r) => r.suite === "tiny-grid");
    expect(grid.map((r) => columnText(r, "optimizerName").text)).toEqual(["adam + L2", "adamw", "adam + L2", "adamw"]);
    expect(rows.find((r) => r.suite === "tiny")!.search).toContain("optimizer=adam");
  });

  it("shows a setting only where it differs between rows, and says the shared ones once", () => {
    const keys = shownColumns(rows).map((c) => c.key);
    for (const c of LEADERBOARD_COLUMNS.filter((c) => c.setting)) {
      const distinct = new Set(rows.map((r) => columnText(r, c.key).text)).size;
      expect(keys.includes(c.key), c.key).toBe(distinct > 1);
    }
    expect(keys).toEqual(expect.arrayContaining(["stability", "excess", "clears", "gap", "minRelativeDepth", "residualCka", "perplexity"]));
    expect(keys).not.toContain("untrainedNull");
    // One suite's rows: its grid's axes stay, the rest are said once.
    const grid = rows.filter((r) => r.suite === "tiny-grid");
    expect(shownColumns(grid).filter((c) => c.setting).map((c) => c.key)).toEqual(["nLayers", "optimizerName"]);
    expect(sharedSettings(grid)).toEqual(["Suite tiny-grid", "Family MLP", "d_model 16", "Heads 2", "Weight decay 0.1", "Tokens 32.8k", "Probes default", "Seed varies init + data", `Seeds ${grid[0].finishedRefits} / ${grid[0].seeds}`]);
  });

  it("labels the least stable layer by its place, not by a number that reads like a stability", () => {
    const row = rows.find((r) => r.minLayer !== null && r.nLayers === 2)!;
    expect(columnText(row, "minRelativeDepth").text).toBe(`${row.minLayer} of 2`);
  });

  it("opens ordered by excess over the nulls, cells without one last", () => {
    const sorted = [...rows].sort(byExcess).map((r) => r.excess);
    const known = sorted.filter((x) => x !== null) as number[];
    expect(known).toEqual([...known].sort((a, b) => b - a));
    expect(sorted.slice(known.length).every((x) => x === null)).toBe(true);
  });

  it("puts every interval, value and the excess's 0 on its bar's scale", () => {
    const excess = LEADERBOARD_COLUMNS.find((c) => c.key === "excess")!;
    const [lo, hi] = barDomain(rows, excess)!;
    for (const r of rows) for (const x of [...(r.excessInterval ?? []), ...(r.excess === null ? [] : [r.excess])]) expect(x >= lo && x <= hi).toBe(true);
    expect(lo <= 0 && hi >= 0).toBe(true);
    expect(lo).toBe(Math.min(0, ...rows.flatMap((r) => r.excessInterval ?? [])));
  });

  it("sums the table up in one line: how many cells clear the nulls", () => {
    const yes = rows.filter((r) => r.clears === "yes").length;
    const no = rows.filter((r) => r.clears === "no").length;
    expect(leaderboardSummary(rows)).toMatch(new RegExp(`^16 cells from 4 suites: ${yes} clear the informative nulls, ${no} do not`));
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
