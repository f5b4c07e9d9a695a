// What moved between two published versions, for the site's diff pages. One implementation serves
// the site and `refit diff` (src/pipeline/publish/diff.ts measures, publish/moves.ts compares), so
// the pages flag exactly the moves the nightly regression check flags. Rows are formatted here once,
// for the build-time pages and for the version picker that diffs in the browser.
import type { MetricMove } from "#pipeline/publish/moves.ts";
import { fmt, fmtInterval, fmtSigned } from "./format.ts";

export { diffMeasured, isBeyondNoise, type CellKey, type MeasuredVersion, type MetricMove, type VersionDiff } from "#pipeline/publish/moves.ts";

export interface DiffRowText {
  cell: string;
  metric: string;
  before: string;
  after: string;
  change: string;
  interval: string;
  verdict: "regression" | "beyond interval" | "within interval" | "no interval";
}

export function diffRowText(m: MetricMove): DiffRowText {
  const digits = m.family === "perplexity" ? 2 : 3;
  return {
    cell: `${m.suite}/${m.cellId}`,
    metric: m.metric,
    before: fmt(m.before, digits),
    after: fmt(m.after, digits),
    change: fmtSigned(m.delta, digits),
    interval: fmtInterval(m.interval, digits) || "none",
    verdict: m.regression ? "regression" : m.beyondNoise === true ? "beyond interval" : m.beyondNoise === false ? "within interval" : "no interval",
  };
}

/** One sentence on a diff: how many values, how many left their interval, how many regressed. */
export function diffSummary(moves: readonly MetricMove[]): string {
  const beyond = moves.filter((m) => m.beyondNoise === true).length;
  const regressed = moves.filter((m) => m.regression).length;
  if (!moves.some((m) => m.beyondNoise !== null)) return `${moves.length} values compared; neither version carries bootstrap intervals, so no move can be called significant.`;
  return `${moves.length} values compared; ${beyond} moved beyond their 95% bootstrap interval, ${regressed} of them a regression (a drop in stability or in its excess over the nulls, or a rise in perplexity).`;
}

/** The diff table's checkbox: every compared value, against the ones that moved beyond noise (shown by default, as in diffSummary). */
export function toggleText(moves: readonly MetricMove[]): string {
  const beyond = moves.filter((m) => m.beyondNoise === true).length;
  return `Show all ${moves.length} compared values, not only the ${beyond} that moved beyond their 95% interval`;
}

/** What the metric names in a diff mean, said once for every diff page. */
export const DIFF_METRIC_NOTE =
  "“Head stability (all pairs)” is the leaderboard's headline: every refit takes its turn as the anchor. “Anchor stability” is the paper's: the anchor seed against each other refit, per layer and as a mean over layers. “Excess over nulls” is stability minus the larger of the probe-shuffled and uniform nulls. Commonness, residual CKA and the null baselines are compared too; they describe a cell rather than rank it, so their moves are never regressions.";
