// The paper's five findings per suite (docs/metrics.md "Findings"), as the scorecard shows them: the
// claim, the statistic that tests it, its estimate with the 95% interval and the verdict, from
// SuiteResult.findings (compare/findings.ts). A suite without findings lists them as not evaluated.
import type { Finding, PublishedSuite } from "../../pipeline/artifacts/schemas.ts";
import { intervalOf, numberOf, type Interval } from "./stats.ts";

/** Claims for suites whose result carries no findings (compare/findings.ts states them when it runs). */
export const CLAIMS = [
  "Middle-layer heads are the least stable across seeds, yet the most distinct within their layer.",
  "Deeper models show a stronger mid-depth dip in stability.",
  "In deeper layers, unstable heads are more functionally important than their stable peers.",
  "Weight decay (AdamW) substantially improves head stability.",
  "The residual stream is more stable than the heads.",
] as const;

export interface FindingRow {
  id: string;
  claim: string;
  /** How the claim is tested, e.g. "midDip < 0"; null when not evaluated. */
  test: string | null;
  /** null: the findings stage did not run for this suite. */
  verdict: Finding["verdict"] | null;
  value: number | null;
  interval: Interval | null;
  note: string | null;
}

export function findingRows(result: PublishedSuite): FindingRow[] {
  return CLAIMS.map((claim, i) => {
    const id = `finding${i + 1}`;
    const f = result.findings?.find((x) => x.id === id);
    if (!f) return { id, claim, test: null, verdict: null, value: null, interval: null, note: null };
    return {
      id,
      claim: f.claim,
      test: `${f.statistic} ${f.direction} ${f.threshold}`,
      verdict: f.verdict,
      value: numberOf(f.estimate?.value),
      interval: intervalOf(f.estimate),
      note: f.note || null,
    };
  });
}
