import { describe, expect, it } from "vitest";
import { diffVersions, parseThreshold, type MetricMove, type VersionDiff } from "../../../src/pipeline/publish/diff.ts";
import { formatDiffMarkdown, formatDiffText, regressions } from "../../../src/pipeline/publish/diff-report.ts";
import { editedVersion, fixtureVersion, moveLayer, tinyOf, withLayerIntervals, type Cell } from "./helpers.ts";

// Fixture cell tiny/0189587ab56a: layer stability [0.98569, 0.99690], held-out perplexity of its
// three refits [18.945, 19.824, 19.381].
const CELL = "0189587ab56a";
const base = editedVersion(fixtureVersion(), "a", withLayerIntervals(0.01));
const find = (d: VersionDiff, metric: string): MetricMove => d.moves.find((m) => m.suite === "tiny" && m.cellId === CELL && m.metric === metric)!;
const shiftPerplexity = (by: number) => (cell: Cell) => {
  for (const r of cell.runs) r.heldOutPerplexity! += by;
};

describe("diffVersions", () => {
  it("flags a stability drop beyond the old interval as a regression", () => {
    const d = diffVersions(base, editedVersion(base, "b", moveLayer(0, -0.05)));
    const layer1 = find(d, "layer 1 anchor stability");
    expect(layer1.delta).toBeCloseTo(-0.05, 12);
    expect(layer1.interval![1] - layer1.interval![0]).toBeCloseTo(0.02, 12);
    expect(layer1.beyondNoise).toBe(true);
    expect(layer1.regression).toBe(true);
    expect(find(d, "layer 2 anchor stability")).toMatchObject({ delta: 0, beyondNoise: false, regression: false });
    // The layer mean moves by half as much and has no interval, so it cannot be called noise or not.
    expect(find(d, "anchor stability").delta).toBeCloseTo(-0.025, 12);
    expect(find(d, "anchor stability")).toMatchObject({ beyondNoise: null, regression: false });
    expect(regressions(d).map((m) => m.metric)).toEqual(["layer 1 anchor stability"]);
  });

  it("compares commonness, residual CKA and the nulls but never calls their moves regressions", () => {
    const v = fixtureVersion();
    const d = diffVersions(v, editedVersion(v, "b", (cell) => {
      const e = cell.stats!.estimates![0];
      for (const id of ["commonness.allRefits", "cka.rbf.resid_mid", "null.probeShuffled"]) e[id].value! -= 0.5;
    }));
    for (const metric of ["layer 1 commonness (all refits)", "layer 1 residual CKA", "layer 1 probe-shuffled null"]) {
      expect(find(d, metric).delta).toBeCloseTo(-0.5, 12);
      expect(find(d, metric)).toMatchObject({ beyondNoise: true, regression: false });
    }
    // The uniform null does not vary over bootstrap resamples (lo = hi): that is no interval of noise.
    expect(find(d, "layer 1 uniform null")).toMatchObject({ delta: 0, interval: null, beyondNoise: null });
    expect(regressions(d)).toEqual([]);
  });

  it("tells the headline all-pairs stability and the paper's anchor stability apart", () => {
    const d = diffVersions(fixtureVersion(), fixtureVersion());
    const cell = tinyOf(fixtureVersion()).cells[0].stats!;
    expect(find(d, "head stability (all pairs)").after).toBe(cell.cellEstimates!["meanStability.allPairs"].value);
    expect(find(d, "anchor stability").after).toBeCloseTo((cell.layers[0].stability + cell.layers[1].stability) / 2, 15);
  });

  it("ignores a noise-sized drop inside the interval", () => {
    const d = diffVersions(base, editedVersion(base, "b", moveLayer(0, -0.005)));
    expect(find(d, "layer 1 anchor stability")).toMatchObject({ beyondNoise: false, regression: false });
    expect(regressions(d)).toEqual([]);
  });

  it("does not call a rise in stability a regression", () => {
    const tight = editedVersion(fixtureVersion(), "a", withLayerIntervals(0.001));
    const move = find(diffVersions(tight, editedVersion(tight, "b", moveLayer(0, 0.005))), "layer 1 anchor stability");
    expect(move).toMatchObject({ beyondNoise: true, regression: false });
  });

  it("judges mean perplexity against a bootstrap interval over refits, higher being worse", () => {
    const worse = find(diffVersions(base, editedVersion(base, "b", shiftPerplexity(2))), "perplexity");
    const ppl = tinyOf(base).cells[0].runs.map((r) => r.heldOutPerplexity!);
    expect(ppl).toHaveLength(3);
    expect(worse.before).toBeCloseTo(ppl.reduce((a, b) => a + b) / 3, 12);
    expect(worse.delta).toBeCloseTo(2, 12);
    // Means of resampled refits lie between the smallest and largest refit.
    expect(worse.interval![0]).toBeGreaterThanOrEqual(Math.min(...ppl));
    expect(worse.interval![1]).toBeLessThanOrEqual(Math.max(...ppl));
    expect(worse).toMatchObject({ beyondNoise: true, regression: true });
    const better = find(diffVersions(base, editedVersion(base, "b", shiftPerplexity(-2))), "perplexity");
    expect(better).toMatchObject({ beyondNoise: true, regression: false });
  });

  it("lets a threshold alone decide where there is no interval (two refits)", () => {
    const twoRefits = editedVersion(base, "a", (c) => void c.runs.splice(2));
    const after = editedVersion(twoRefits, "b", shiftPerplexity(1));
    expect(find(diffVersions(twoRefits, after), "perplexity")).toMatchObject({ interval: null, beyondNoise: null, regression: false });
    expect(find(diffVersions(twoRefits, after, { thresholds: { perplexity: 0.5 } }), "perplexity").regression).toBe(true);
    expect(find(diffVersions(twoRefits, after, { thresholds: { perplexity: 2 } }), "perplexity").regression).toBe(false);
  });

  it("does not flag a move beyond the interval that is smaller than its threshold", () => {
    const after = editedVersion(base, "b", moveLayer(0, -0.05));
    expect(find(diffVersions(base, after, { thresholds: { layerStability: 0.1 } }), "layer 1 anchor stability").regression).toBe(false);
  });

  it("lists cells only one version has", () => {
    const fewer = editedVersion(base, "b", () => {});
    tinyOf(fewer).cells = [];
    const d = diffVersions(base, fewer);
    expect(d.removed).toEqual([{ suite: "tiny", cellId: CELL }]);
    expect(diffVersions(fewer, base).added).toEqual([{ suite: "tiny", cellId: CELL }]);
  });
});

describe("diffVersions on a retrained cell", () => {
  const NEW = "fffffffffff0";
  const retrained = editedVersion(base, "b", (cell) => {
    moveLayer(0, -0.05)(cell);
    cell.cellId = NEW;
  });
  it("matches a new cell id at the same suite and grid point to its predecessor, before and after", () => {
    const d = diffVersions(base, retrained);
    expect(d).toMatchObject({ added: [], removed: [], retrained: [{ suite: "tiny", cellId: NEW, predecessor: CELL }] });
    const layer1 = d.moves.find((m) => m.metric === "layer 1 anchor stability")!;
    expect(layer1).toMatchObject({ cellId: NEW, predecessor: CELL, regression: true });
    expect(layer1.delta).toBeCloseTo(-0.05, 12);
    expect(formatDiffText(d).split("\n")[1]).toBe(`retrained cells (same suite and grid point, new cell id): tiny/${CELL} -> tiny/${NEW}`);
  });
  it("leaves a grid point two new cells share unmatched, rather than guess", () => {
    const twice = editedVersion(retrained, "c", () => {});
    tinyOf(twice).cells.push({ ...structuredClone(tinyOf(twice).cells[0]), cellId: "eeeeeeeeeee0" });
    const d = diffVersions(base, twice);
    expect(d.retrained).toEqual([]);
    expect(d.removed).toEqual([{ suite: "tiny", cellId: CELL }]);
    expect(d.added.map((k) => k.cellId).sort()).toEqual(["eeeeeeeeeee0", NEW]);
  });
});

describe("diffVersions in reversed order", () => {
  it("says when the older version is given as the new one", () => {
    const [older, newer] = [editedVersion(base, "2026-12-02.8", () => {}), editedVersion(base, "2026-12-07.1", () => {})];
    expect(diffVersions(older, newer).reversed).toBe(false);
    expect(diffVersions(newer, older).reversed).toBe(true);
    expect(diffVersions(editedVersion(base, "2026-12-07.2", () => {}), newer).reversed).toBe(true);
    expect(formatDiffText(diffVersions(newer, older)).split("\n")[0]).toMatch(/^2026-12-07\.1 -> 2026-12-02\.8 \(reversed: 2026-12-07\.1 was published after 2026-12-02\.8, so each change runs backwards in time\): /);
  });
});

describe("parseThreshold", () => {
  it("reads metric=x and refuses unknown metrics or negative values", () => {
    expect(parseThreshold("perplexity=0.5")).toEqual(["perplexity", 0.5]);
    expect(parseThreshold("layerStability=0")).toEqual(["layerStability", 0]);
    expect(() => parseThreshold("null=0.1")).toThrow(/metric one of/);
    expect(() => parseThreshold("loss=1")).toThrow(/metric one of stability, layerStability, allPairsStability, excess, perplexity\b/);
    expect(() => parseThreshold("perplexity=-1")).toThrow(/got "perplexity=-1"/);
    expect(() => parseThreshold("perplexity")).toThrow(/metric=x/);
  });
});

describe("formatDiffMarkdown", () => {
  it("puts the regression in a table ahead of the folded full list", () => {
    const md = formatDiffMarkdown(diffVersions(base, editedVersion(base, "b", moveLayer(0, -0.05))));
    const lines = md.split("\n");
    expect(lines[0]).toBe("### Refit: a → b");
    expect(lines[2]).toMatch(/^⚠️ 1 regression\(s\) beyond seed noise: \d+ values compared, 1 moved beyond seed noise/);
    expect(lines[4]).toBe("| Cell | Metric | a | b | Change | 95% interval | MDD | Verdict |");
    // 0.98569 - 0.05 = 0.93569; interval 0.98569 ± 0.01, so MDD = 2.8016 x 1.4142 x 0.01 / 1.96 = 0.020.
    expect(lines[6]).toBe(`| \`tiny/${CELL}\` | layer 1 anchor stability | 0.986 | 0.936 | -0.050 | [0.976, 0.996] | 0.020 | **REGRESSION** |`);
    expect(lines[7]).toBe("");
    expect(md).toMatch(/<details><summary>All \d+ values<\/summary>[\s\S]*\| `tiny\/0189587ab56a` \| layer 2 anchor stability \| 0\.997 \| 0\.997 \| \+0\.000 \| \[0\.987, 1\.007\] \| 0\.020 \| within noise \|[\s\S]*<\/details>/);
  });

  it("says so when nothing regressed", () => {
    const md = formatDiffMarkdown(diffVersions(base, editedVersion(base, "b", moveLayer(0, -0.005))));
    expect(md.split("\n")[2]).toMatch(/^no regression beyond seed noise: \d+ values compared, 0 moved beyond seed noise/);
    expect(md).not.toContain("REGRESSION");
  });
});

describe("formatDiffText", () => {
  it("prints a headline and one aligned row per value", () => {
    const d = diffVersions(base, editedVersion(base, "b", moveLayer(0, -0.05)));
    const lines = formatDiffText(d).split("\n");
    expect(lines[0]).toMatch(/^a -> b: 1 regression\(s\) beyond seed noise/);
    expect(lines[2]).toMatch(/^cell\s+metric\s+a\s+b\s+change\s+95% interval\s+MDD\s+verdict$/);
    expect(lines.length).toBe(3 + d.moves.length);
    expect(lines.find((l) => l.includes("layer 1 anchor stability"))).toMatch(/0\.986\s+0\.936\s+-0\.050\s+\[0\.976, 0\.996\]\s+0\.020\s+REGRESSION$/);
  });
});
