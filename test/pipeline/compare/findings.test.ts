// The five findings: parts found per cell and per twin pair (cells that differ only in depth or
// only in optimizer), suite statistic = mean of parts with replicates averaged per resample, and
// the verdict from where the interval lies against the threshold.
import { describe, expect, it } from "vitest";
import type { CellStats } from "../../../src/pipeline/artifacts/schemas.ts";
import type { CellMetric } from "../../../src/pipeline/compare/definitions.ts";
import { evaluateFindings, type FindingsCell } from "../../../src/pipeline/compare/findings.ts";
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
    expect(findings.finding2.parts.map((p) => p.cells)).toEqual([["a2", "a4"], ["w2", "w4"]]);
    expect(findings.finding2.estimate!.value).toBeCloseTo((0.1 + 0.06) / 2, 14);
    expect(findings.finding4.parts.map((p) => p.cells)).toEqual([["a2", "w2"], ["a4", "w4"]]);
    expect(findings.finding4.estimate!.value).toBeCloseTo((0.1 + 0.05) / 2, 14);
    // Twin replicates are differences per resample, so equal spreads cancel: a zero-width interval.
    expect(findings.finding4.estimate!.lo).toBeCloseTo(0.075, 12);
  });

  it("gives supported, not supported and inconclusive from the interval", () => {
    expect(findings.finding2.verdict).toBe("supported"); // > 0, interval clear of 0
    expect(findings.finding4.verdict).toBe("supported");
    expect(findings.finding3.verdict).toBe("not supported"); // claim < 0; trend 0.3 +- 0.1
    expect(findings.finding1.estimate!.value).toBeCloseTo((-0.05 + 0.02) / 2, 14);
    expect(findings.finding1.verdict).toBe("inconclusive"); // mean -0.015, replicates straddle 0
    expect(findings.finding5.verdict).toBe("inconclusive");
  });

  it("pairs decayed AdamW with an undecayed twin (AdamW at weightDecay 0 is Adam), preferring it over Adam with L2", () => {
    const stable = (v: number) => ({ "meanStability.allPairs": [v, 0.01] as [number, number] });
    const sweep = [cell("w0", { nLayers: 2 }, "adamw", stable(0.5), 0), cell("w1", { nLayers: 2 }, "adamw", stable(0.8), 0.1)];
    const [f] = evaluateFindings(sweep).filter((x) => x.id === "finding4");
    expect(f.parts.map((p) => p.cells)).toEqual([["w0", "w1"]]);
    expect(f.estimate!.value).toBeCloseTo(0.3, 14);
    const withL2 = [...sweep, cell("a1", { nLayers: 2 }, "adam", stable(0.9), 0.1)];
    const [g] = evaluateFindings(withL2).filter((x) => x.id === "finding4");
    expect(g.parts.map((p) => p.cells)).toEqual([["w0", "w1"]]);
  });

  it("pairs twins on one probe set only: cells on another set are not twins of the first set's", () => {
    const gap = (v: number) => ({ "gap.allPairs": [v, 0.01] as [number, number] });
    const on = (c: FindingsCell, probeSet: string) => ({ ...c, cellId: `${c.cellId}-${probeSet}`, probeSet });
    const [shallow, deep] = [cell("a2", { nLayers: 2 }, "adam", gap(0.05)), cell("a4", { nLayers: 4 }, "adam", gap(0.15))];
    const [f] = evaluateFindings([on(shallow, "words-5"), on(shallow, "words-50"), on(deep, "words-5"), on(deep, "words-50")]).filter((x) => x.id === "finding2");
    expect(f.parts.map((p) => p.cells)).toEqual([
      ["a2-words-5", "a4-words-5"],
      ["a2-words-50", "a4-words-50"],
    ]);
  });

  it("is untestable without parts, and says why", () => {
    const [f] = evaluateFindings([cells[0]]).filter((x) => x.id === "finding2");
    expect(f.verdict).toBe("untestable");
    expect(f.estimate).toBeNull();
    expect(f.note).toBe("no two cells differ only in model.nLayers");
  });
});
