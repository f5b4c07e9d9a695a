// The findings page's pooled table, shaped from a findings.json: headline and raw side by side, the
// paper's effect with the second test, the cells a rule left out, and the cells shared by suites.
import { describe, expect, it } from "vitest";
import type { Finding } from "../../../src/pipeline/artifacts/finding.ts";
import type { PooledFindings } from "../../../src/pipeline/artifacts/pooled-findings.ts";
import { pooledRows, sharedCells } from "../../../src/site/lib/pooled.ts";

const finding: Finding = {
  id: "finding4",
  claim: "AdamW cells are more stable beyond the nulls than their Adam twins.",
  statistic: "s",
  direction: ">",
  threshold: 0,
  estimate: { value: 0.011, lo: -0.003, hi: 0.025 },
  verdict: "inconclusive",
  parts: [{ cells: ["a", "b"], estimate: { value: 0.011, lo: -0.003, hi: 0.025 } }],
  note: "1 part(s)",
  leftOut: [{ cells: ["c"], reason: "trained on the synthetic corpus shuffled-brown, not natural text" }],
  raw: { statistic: "r", estimate: { value: 0.02, lo: 0.01, hi: 0.03 }, verdict: "supported", parts: [] },
  paper: { statistic: "p", value: 0.048, source: "src", estimate: { value: 0.011, lo: -0.003, hi: 0.025 }, verdict: "no effect detected, smaller than the paper's" },
};
const pooled: PooledFindings = {
  schemaVersion: 1,
  kind: "refit.findings",
  suites: ["depth", "weight-decay"],
  carried: [],
  cells: [
    { cellId: "a", suites: ["depth", "weight-decay"] },
    { cellId: "b", suites: ["weight-decay"] },
  ],
  findings: [finding],
};

describe("pooledRows", () => {
  it("puts the headline, the raw statistic and the paper's test side by side", () => {
    expect(pooledRows(pooled)).toEqual([
      {
        id: "finding4",
        claim: finding.claim,
        headline: "0.011 [-0.003, 0.025]",
        verdict: "inconclusive",
        raw: { value: "0.020 [0.010, 0.030]", verdict: "supported" },
        paper: { effect: "0.048", ours: "0.011 [-0.003, 0.025]", verdict: "no effect detected, smaller than the paper's", source: "src" },
        parts: 1,
        leftOut: [{ cells: "c", reason: "trained on the synthetic corpus shuffled-brown, not natural text" }],
      },
    ]);
  });

  it("lists the cells held by more than one suite", () => {
    expect(sharedCells(pooled)).toEqual(["a: depth, weight-decay"]);
  });
});
