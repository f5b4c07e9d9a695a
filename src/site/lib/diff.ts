// What moved between two published versions, for the site's diff pages. One implementation serves
// the site and `refit diff` (src/pipeline/publish/diff.ts measures, publish/moves.ts compares), so
// the pages flag exactly the moves the nightly regression check flags. Rows are formatted here once,
// for the build-time pages and for the version picker that diffs in the browser.
import type { MetricMove, VersionDiff } from "#pipeline/publish/moves.ts";
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
    cell: m.predecessor ? `${m.suite}/${m.cellId} (retrained; was ${m.predecessor})` : `${m.suite}/${m.cellId}`,
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

/** Said first when the pair runs backwards (the older version given as the new one); null otherwise. */
export function reversedText(d: Pick<VersionDiff, "from" | "to" | "reversed">): string | null {
  return d.reversed ? `Reversed order: ${d.from} was published after ${d.to}, so every change below runs backwards in time (newer to older).` : null;
}

/** The cells that are not compared value by value, and the retrained ones that are, one line each; a removed cell has no page in the new version to link. */
export function cellChangeLines(d: VersionDiff): { label: string; linked: boolean; cells: { suite: string; cellId: string; text: string }[] }[] {
  const lines = [
    { label: "Retrained cells (same suite and grid point, new cell id), compared with the cell each replaces: ", linked: true, cells: d.retrained.map((k) => ({ ...k, text: `${k.suite}/${k.predecessor} → ${k.cellId}` })) },
    { label: "New cells: ", linked: true, cells: d.added.map((k) => ({ ...k, text: `${k.suite}/${k.cellId}` })) },
    { label: "Cells no longer published: ", linked: false, cells: d.removed.map((k) => ({ ...k, text: `${k.suite}/${k.cellId}` })) },
  ];
  return lines.filter((l) => l.cells.length > 0);
}

/** Shown in place of the table while it shows only moves beyond noise and there are none. */
export function noneBeyondText(moves: readonly MetricMove[]): string {
  return `Nothing moved beyond noise: each of the ${moves.length} compared values stayed within its 95% interval or has none. Tick the box above to see them all.`;
}

/** The diff table's checkbox: every compared value, against the ones that moved beyond noise (shown by default, as in diffSummary). */
export function toggleText(moves: readonly MetricMove[]): string {
  const beyond = moves.filter((m) => m.beyondNoise === true).length;
  return `Show all ${moves.length} compared values, not only the ${beyond} that moved beyond their 95% interval`;
}

/** What the metric names in a diff mean, said once for every diff page. */
export const DIFF_METRIC_NOTE =
  "“Head stability (all pairs)” is the leaderboard's headline: every refit takes its turn as the anchor. “Anchor stability” is the paper's: the anchor seed against each other refit, per layer and as a mean over layers. “Excess over nulls” is stability minus the larger of the probe-shuffled and uniform nulls. Commonness, residual CKA and the null baselines are compared too; they describe a cell rather than rank it, so their moves are never regressions.";
