// A version's pooled findings count a cell held by several suites once and say which suites hold it.
import { describe, expect, it } from "vitest";
import type { CellStats } from "../../../src/pipeline/artifacts/cell-stats.ts";
import { CellConfigSchema } from "../../../src/pipeline/artifacts/suite.ts";
import type { FindingsCell } from "../../../src/pipeline/compare/findings.ts";
import { pooledFindings } from "../../../src/pipeline/publish/pooled.ts";

const B = 50;
function cell(id: string, nLayers: number, gap: number): FindingsCell {
  const config = CellConfigSchema.parse({ data: {}, train: { optimizer: "adamw", weightDecay: 0 }, model: { nLayers } });
  const replicates = { "gap.allPairs": Float64Array.from({ length: B }, (_, b) => gap + 0.001 * (b - B / 2)) };
  return { cellId: id, config, stats: { cellEstimates: { "gap.allPairs": { value: gap, lo: gap, hi: gap } } } as unknown as CellStats, replicates };
}

describe("pooledFindings", () => {
  it("pools unique cells across suites and lists the suites holding each", () => {
    const [a2, a4, a6] = [cell("a2", 2, 0.1), cell("a4", 4, 0.2), cell("a6", 6, 0.5)];
    const pooled = pooledFindings(
      new Map([
        ["depth", [a2, a4, a6]],
        ["scale", [a2, a4]],
      ]),
      ["induction"],
    );
    expect(pooled.cells).toEqual([
      { cellId: "a2", suites: ["depth", "scale"] },
      { cellId: "a4", suites: ["depth", "scale"] },
      { cellId: "a6", suites: ["depth"] },
    ]);
    expect(pooled.carried).toEqual(["induction"]);
    // Counted once, the depth group is one part (a2 against a6), not two.
    const f2 = pooled.findings.find((f) => f.id === "finding2")!;
    expect(f2.raw!.parts.map((p) => p.cells)).toEqual([["a2", "a6"]]);
    expect(f2.raw!.estimate!.value).toBeCloseTo(0.4, 14);
  });
});
