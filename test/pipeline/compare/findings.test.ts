// The findings: parts found per cell and per twin pair (cells that differ only in depth or only in
// optimizer), suite statistic = mean of parts with replicates averaged per resample, and the verdict
// from where the interval lies against the threshold; the raw statistics of version 2026-12-02.8
// kept beside the null-corrected headlines, the headlines' rules for which cells enter, one part per
// distinct set of models, the paper's effect with the second test, and the negative controls.
import { describe, expect, it } from "vitest";
import type { CellStats } from "../../../src/pipeline/artifacts/cell-stats.ts";
import type { CellMetric } from "../../../src/pipeline/compare/definitions.ts";
import { evaluateFindings, uniqueCells, type FindingsCell } from "../../../src/pipeline/compare/findings.ts";
import { secondTest } from "../../../src/pipeline/compare/paper.ts";
import { CellConfigSchema } from "../../../src/pipeline/artifacts/suite.ts";

const B = 100;
/** Replicates spread evenly over value +- spread (their 95% interval is about value +- 0.95 spread). */
const spreadAround = (value: number, spread: number) => Float64Array.from({ length: B }, (_, b) => value + spread * (2 * (b / (B - 1)) - 1));

function cell(
  id: string,
  model: { nLayers: number },
  optimizer: "adam" | "adamw",
  metrics: Partial<Record<CellMetric, [number, number]>>,
  weightDecay = 0.1,
): FindingsCell {
  const config = CellConfigSchema.parse({ data: {}, train: { optimizer, weightDecay }, model });
  const cellEstimates: Record<string, { value: number; lo: number; hi: number }> = {};
  const replicates: FindingsCell["replicates"] = {};
  for (const [k, [value, spread]] of Object.entries(metrics)) {
    replicates[k as CellMetric] = spreadAround(value, spread);
    cellEstimates[k] = { value, lo: value - spread, hi: value + spread };
  }
  return { cellId: id, config, stats: { cellEstimates } as unknown as CellStats, replicates };
}

describe("evaluateFindings", () => {
  const cells = [
    cell("a2", { nLayers: 2 }, "adam", { "gap.allPairs": [0.05, 0.01], "meanStability.allPairs": [0.6, 0.01], residualMargin: [0.2, 0.05] }),
    cell("w2", { nLayers: 2 }, "adamw", { "gap.allPairs": [0.04, 0.01], "meanStability.allPairs": [0.7, 0.01], residualMargin: [-0.1, 0.2] }),
    cell("a4", { nLayers: 4 }, "adam", { "gap.allPairs": [0.15, 0.01], "meanStability.allPairs": [0.5, 0.01], midDip: [-0.05, 0.01], "importance.trend": [0.3, 0.1] }),
    cell("w4", { nLayers: 4 }, "adamw", { "gap.allPairs": [0.1, 0.01], "meanStability.allPairs": [0.55, 0.01], midDip: [0.02, 0.05] }),
  ];
  const findings = Object.fromEntries(evaluateFindings(cells).map((f) => [f.id, f]));

  it("pairs depth twins and optimizer twins, and averages the differences", () => {
    expect(findings.finding2.raw!.parts.map((p) => p.cells)).toEqual([["a2", "a4"], ["w2", "w4"]]);
    expect(findings.finding2.raw!.estimate!.value).toBeCloseTo((0.1 + 0.06) / 2, 14);
    expect(findings.finding4.raw!.parts.map((p) => p.cells)).toEqual([["a2", "w2"], ["a4", "w4"]]);
    expect(findings.finding4.raw!.estimate!.value).toBeCloseTo((0.1 + 0.05) / 2, 14);
    // Twin replicates are differences per resample, so equal spreads cancel: a zero-width interval.
    expect(findings.finding4.raw!.estimate!.lo).toBeCloseTo(0.075, 12);
  });

  it("gives supported, not supported and inconclusive from the interval", () => {
    expect(findings.finding2.raw!.verdict).toBe("supported"); // > 0, interval clear of 0
    expect(findings.finding4.raw!.verdict).toBe("supported");
    expect(findings.finding3.raw!.verdict).toBe("not supported"); // claim < 0; trend 0.3 +- 0.1
    expect(findings.finding1.raw!.estimate!.value).toBeCloseTo((-0.05 + 0.02) / 2, 14);
    expect(findings.finding1.raw!.verdict).toBe("inconclusive"); // mean -0.015, replicates straddle 0
    expect(findings.finding5.raw!.verdict).toBe("inconclusive");
  });

  it("pairs decayed AdamW with an undecayed twin (AdamW at weightDecay 0 is Adam), preferring it over Adam with L2", () => {
    const stable = (v: number) => ({ "meanStability.allPairs": [v, 0.01] as [number, number] });
    const sweep = [cell("w0", { nLayers: 2 }, "adamw", stable(0.5), 0), cell("w1", { nLayers: 2 }, "adamw", stable(0.8), 0.1)];
    const [f] = evaluateFindings(sweep).filter((x) => x.id === "finding4");
    expect(f.raw!.parts.map((p) => p.cells)).toEqual([["w0", "w1"]]);
    expect(f.raw!.estimate!.value).toBeCloseTo(0.3, 14);
    const withL2 = [...sweep, cell("a1", { nLayers: 2 }, "adam", stable(0.9), 0.1)];
    const [g] = evaluateFindings(withL2).filter((x) => x.id === "finding4");
    expect(g.raw!.parts.map((p) => p.cells)).toEqual([["w0", "w1"]]);
  });

  it("pairs twins on one probe set only: cells on another set are not twins of the first set's", () => {
    const gap = (v: number) => ({ "gap.allPairs": [v, 0.01] as [number, number] });
    const on = (c: FindingsCell, probeSet: string) => ({ ...c, cellId: `${c.cellId}-${probeSet}`, probeSet });
    const [shallow, deep] = [cell("a2", { nLayers: 2 }, "adam", gap(0.05)), cell("a4", { nLayers: 4 }, "adam", gap(0.15))];
    const [f] = evaluateFindings([on(shallow, "words-5"), on(shallow, "words-50"), on(deep, "words-5"), on(deep, "words-50")]).filter((x) => x.id === "finding2");
    expect(f.raw!.parts.map((p) => p.cells)).toEqual([
      ["a2-words-5", "a4-words-5"],
      ["a2-words-50", "a4-words-50"],
    ]);
  });

  it("is untestable without parts, and says why", () => {
    const [f] = evaluateFindings([cells[0]]).filter((x) => x.id === "finding2");
    expect(f.verdict).toBe("untestable");
    expect(f.estimate).toBeNull();
    expect(f.raw!.verdict).toBe("untestable");
    expect(f.raw!.estimate).toBeNull();
    expect(f.note).toBe("no two natural-text cells that clear the nulls differ only in model.nLayers");
  });
});

describe("the null-corrected headlines", () => {
  const clears = { "meanExcess.informativeNull": [0.05, 0.01] as [number, number] };
  const fails = { "meanExcess.informativeNull": [0.0, 0.02] as [number, number] };

  it("enter only cells that clear the nulls into findings 1 and 2, listing the rest with the reason", () => {
    const cells = [
      cell("a2", { nLayers: 2 }, "adam", { ...clears, "gap.corrected": [0.1, 0.01] }),
      cell("a4", { nLayers: 4 }, "adam", { ...clears, "gap.corrected": [0.3, 0.01], "midDip.corrected": [-0.2, 0.05] }),
      cell("a6", { nLayers: 6 }, "adam", { ...fails, "gap.corrected": [0.9, 0.01], "midDip.corrected": [0.4, 0.05] }),
    ];
    const f = Object.fromEntries(evaluateFindings(cells).map((x) => [x.id, x]));
    expect(f.finding1.parts.map((p) => p.cells)).toEqual([["a4"]]);
    expect(f.finding1.verdict).toBe("supported");
    expect(f.finding1.leftOut).toEqual([
      { cells: ["a6"], reason: expect.stringContaining("heads do not clear the informative nulls") },
      { cells: ["a2"], reason: "fewer than 3 layers" },
    ]);
    // One depth group of three cells: a6 fails, so the whole group is left out.
    expect(f.finding2.parts).toEqual([]);
    expect(f.finding2.verdict).toBe("untestable");
    expect(f.finding2.leftOut![0].cells).toEqual(["a2", "a4", "a6"]);
  });

  it("keeps synthetic-corpus cells out of the paper's findings", () => {
    const synthetic = cell("s4", { nLayers: 4 }, "adam", { ...clears, "midDip.corrected": [-0.2, 0.05] });
    synthetic.config = { ...synthetic.config, data: { ...synthetic.config.data!, corpus: { synthetic: "induction-pairs" } } };
    const [f] = evaluateFindings([synthetic]).filter((x) => x.id === "finding1");
    expect(f.verdict).toBe("untestable");
    expect(f.leftOut).toEqual([{ cells: ["s4"], reason: "trained on the synthetic corpus induction-pairs, not natural text" }]);
  });

  it("counts one set of models on several probe sets as one part, its value the mean over the sets", () => {
    const on = (c: FindingsCell, probeSet: string, v: number) => ({ ...cell(`${c.cellId}-${probeSet}`, { nLayers: 4 }, "adam", { "importance.trendAllRefits": [v, 0.01] }), probeSet });
    const base = cell("a4", { nLayers: 4 }, "adam", {});
    const [f] = evaluateFindings([on(base, "words-5", -0.2), on(base, "words-50", -0.4)]).filter((x) => x.id === "finding3");
    expect(f.parts.map((p) => p.cells)).toEqual([["a4-words-5", "a4-words-50"]]);
    expect(f.estimate!.value).toBeCloseTo(-0.3, 14);
  });

  it("leaves 2- and 3-layer models out of finding 3", () => {
    const [f] = evaluateFindings([cell("a3", { nLayers: 3 }, "adam", { "importance.trendAllRefits": [-0.2, 0.01] })]).filter((x) => x.id === "finding3");
    expect(f.verdict).toBe("untestable");
    expect(f.leftOut![0].reason).toBe('3 layers: "deeper layers" needs at least 4');
  });

  it("compares the largest decay with its Adam twin", () => {
    const m = (v: number) => ({ meanCorrected: [v, 0.01] as [number, number], "meanStability.anchor": [v, 0.01] as [number, number] });
    const sweep = [cell("w0", { nLayers: 4 }, "adamw", m(0.2), 0), cell("w1", { nLayers: 4 }, "adamw", m(0.25), 0.1), cell("w3", { nLayers: 4 }, "adamw", m(0.4), 3)];
    const [f] = evaluateFindings(sweep).filter((x) => x.id === "finding4");
    expect(f.parts.map((p) => p.cells)).toEqual([["w0", "w3"]]);
    expect(f.estimate!.value).toBeCloseTo(0.2, 14);
    // The paper's +0.048 lies below our whole interval [0.19, 0.21].
    expect(f.paper!.verdict).toBe("larger than the paper's");
  });
});

describe("the second test against the paper", () => {
  const effect = { statistic: "s", value: 0.05, source: "x" };
  const at = (lo: number, hi: number) => secondTest({ value: (lo + hi) / 2, lo, hi }, effect);

  it("reads our interval against the paper's effect", () => {
    expect(at(0.03, 0.07)).toBe("agrees with the paper");
    expect(at(0.01, 0.03)).toBe("smaller than the paper's");
    expect(at(-0.003, 0.025)).toBe("no effect detected, smaller than the paper's");
    expect(at(0.06, 0.08)).toBe("larger than the paper's");
    expect(at(-0.05, -0.01)).toBe("opposite to the paper");
    expect(at(-0.02, 0.09)).toBe("inconclusive");
  });

  it("reads a location against the paper's range", () => {
    const where = { ...effect, value: 0.75, range: [0.4, 0.8] as [number, number] };
    expect(secondTest({ value: 1, lo: 1, hi: 1 }, where)).toBe("differs from the paper");
    expect(secondTest({ value: 0.6, lo: 0.5, hi: 1 }, where)).toBe("agrees with the paper");
  });
});

describe("the negative controls", () => {
  it("pass when shuffled-text heads stay within 0.02 of the nulls and no 1-layer refit forms an induction head", () => {
    const shuffled = cell("sh", { nLayers: 2 }, "adamw", { "meanExcess.informativeNull": [0.001, 0.01] }, 0);
    shuffled.config = { ...shuffled.config, data: { ...shuffled.config.data!, corpus: { synthetic: "shuffled-brown" } } };
    const one = cell("l1", { nLayers: 1 }, "adam", { "induction.formed": [0, 0] });
    const natural = cell("b2", { nLayers: 2 }, "adam", { "meanExcess.informativeNull": [0.09, 0.01], "induction.formed": [0.5, 0.1] });
    const f = Object.fromEntries(evaluateFindings([shuffled, one, natural]).map((x) => [x.id, x]));
    expect(f.negativeNulls.parts.map((p) => p.cells)).toEqual([["sh"]]);
    expect(f.negativeNulls.verdict).toBe("supported");
    expect(f.negativeInduction.parts.map((p) => p.cells)).toEqual([["l1"]]);
    expect(f.negativeInduction.verdict).toBe("supported");
    const formed = cell("l1", { nLayers: 1 }, "adam", { "induction.formed": [0.125, 0.1] });
    expect(evaluateFindings([formed]).find((x) => x.id === "negativeInduction")!.verdict).not.toBe("supported");
  });
});

describe("uniqueCells", () => {
  it("counts a cell held by several suites once", () => {
    const a = cell("a2", { nLayers: 2 }, "adam", {});
    const b = cell("a4", { nLayers: 4 }, "adam", {});
    expect(uniqueCells([[a, b], [a], [b]]).map((c) => c.cellId)).toEqual(["a2", "a4"]);
  });
});

describe("the seed-sources finding", () => {
  const seeded = (id: string, seedVaries: "init" | "data" | undefined, corrected: number, excess = 0.1) => {
    const c = cell(id, { nLayers: 2 }, "adamw", { meanCorrected: [corrected, 0.02], "meanExcess.informativeNull": [excess, 0.01], "midDip.corrected": [0, 0.01] }, 0);
    c.config = { ...c.config, train: { ...c.config.train!, ...(seedVaries ? { seedVaries } : {}) } };
    return c;
  };

  it("is C(data order only) - C(initialization only) per group, and keeps seed-sources cells out of the paper's findings", () => {
    const f = Object.fromEntries(evaluateFindings([seeded("both", undefined, 0.3), seeded("init", "init", 0.32), seeded("data", "data", 0.6)]).map((x) => [x.id, x]));
    expect(f.seedSources.parts.map((p) => p.cells)).toEqual([["init", "data"]]);
    expect(f.seedSources.estimate!.value).toBeCloseTo(0.6 - 0.32, 14);
    expect(f.seedSources.verdict).toBe("supported");
    const bySeeds = f.finding5.leftOut!.filter((l) => /train.seedVaries/.test(l.reason));
    expect(bySeeds.map((l) => l.cells[0]).sort()).toEqual(["data", "init"]);
  });

  it("is not supported when fixing the data order leaves heads more alike, and untestable when a cell fails the nulls", () => {
    const reversed = evaluateFindings([seeded("init", "init", 0.6), seeded("data", "data", 0.3)]).find((x) => x.id === "seedSources")!;
    expect(reversed.verdict).toBe("not supported");
    const noisy = evaluateFindings([seeded("init", "init", 0.6, -0.01), seeded("data", "data", 0.3)]).find((x) => x.id === "seedSources")!;
    expect(noisy.verdict).toBe("untestable");
    expect(noisy.leftOut![0].reason).toMatch(/informative nulls/);
  });
});
