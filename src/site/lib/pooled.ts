// A version's pooled findings (findings.json) as the findings page's headline table: per finding,
// the null-corrected headline and the raw statistic of the earlier rule side by side, the paper's
// effect with our like-for-like estimate and the second test, and the cells the rule left out.
import type { Finding } from "#pipeline/artifacts/finding.ts";
import type { PooledFindings } from "#pipeline/artifacts/pooled-findings.ts";
import { fmt, fmtEstimate } from "./format.ts";

export interface PooledRow {
  id: Finding["id"];
  claim: string;
  headline: string;
  verdict: Finding["verdict"];
  raw: { value: string; verdict: Finding["verdict"] } | null;
  paper: { effect: string; ours: string; verdict: NonNullable<Finding["paper"]>["verdict"]; source: string } | null;
  parts: number;
  leftOut: { cells: string; reason: string }[];
}

export function pooledRows(pooled: PooledFindings): PooledRow[] {
  return pooled.findings.map((f) => ({
    id: f.id,
    claim: f.claim,
    headline: fmtEstimate(f.estimate),
    verdict: f.verdict,
    raw: f.raw ? { value: fmtEstimate(f.raw.estimate), verdict: f.raw.verdict } : null,
    paper: f.paper
      ? { effect: f.paper.range ? `${fmt(f.paper.value, 2)} (range ${f.paper.range.map((x) => fmt(x, 2)).join("-")})` : fmt(f.paper.value), ours: fmtEstimate(f.paper.estimate), verdict: f.paper.verdict, source: f.paper.source }
      : null,
    parts: f.parts.length,
    leftOut: (f.leftOut ?? []).map((o) => ({ cells: o.cells.join(", "), reason: o.reason })),
  }));
}

/** Cells held by more than one suite, as "cell: suite, suite" lines. */
export const sharedCells = (pooled: PooledFindings): string[] => pooled.cells.filter((c) => c.suites.length > 1).map((c) => `${c.cellId}: ${c.suites.join(", ")}`);
