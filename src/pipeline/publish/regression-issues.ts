// One GitHub issue per regression the nightly finds, kept in step with the published versions: opened
// when `refit diff previous latest` flags a metric, updated while later versions stay worse than the
// version before the regression (its baseline), closed once a version is back within noise of it.
// Pure: it plans the issue actions from diffs; .github/scripts/regression-issues.ts carries them out
// with the gh CLI. Each issue body starts with a hidden marker naming its metric and baseline.
import { moveNumbers } from "./diff-report.ts";
import type { MetricMove, VersionDiff } from "./diff.ts";

/** The label every regression issue carries; the nightly lists open issues by it. */
export const REGRESSION_LABEL = "refit-regression";

export interface OpenIssue {
  number: number;
  body: string;
}

/** Where the site shows a diff and a cell (the caller builds them from the site's routes and URL). */
export interface IssueLinks {
  diff(from: string, to: string): string;
  cell(version: string, suite: string, cellId: string): string;
  /** The nightly run that found or checked the regression. */
  runUrl?: string;
}

export type IssueAction =
  | { kind: "open"; key: string; title: string; body: string }
  /** A new body; a comment only when the metric regressed again tonight (a comment notifies, an edit does not). */
  | { kind: "update"; number: number; key: string; body: string; comment: string | null }
  | { kind: "close"; number: number; key: string; comment: string };

export interface IssuePlanInput {
  /** previous -> latest; null when latest is the first version. */
  tonight: VersionDiff | null;
  latest: string;
  open: readonly OpenIssue[];
  /** baseline -> latest, or null when the baseline is not published (any more). */
  sinceBaseline: (baseline: string) => VersionDiff | null;
  links: IssueLinks;
}

interface Marker {
  key: string;
  baseline: string;
  /** The latest version the issue was last written for; a rerun on the same version comments nothing. */
  checked: string;
}

const MARKER = /^<!-- refit-regression key="([^"]*)" baseline="([^"]*)" checked="([^"]*)" -->/;

/** Suite, cell and metric: what one issue is about. */
export const regressionKey = (m: Pick<MetricMove, "suite" | "cellId" | "metric">) => `${m.suite}/${m.cellId}/${m.metric}`;

export function markerOf(body: string): Marker | null {
  const m = MARKER.exec(body);
  if (!m) return null;
  try {
    return { key: decodeURIComponent(m[1]), baseline: decodeURIComponent(m[2]), checked: decodeURIComponent(m[3]) };
  } catch {
    return null;
  }
}

const marker = (k: Marker) => `<!-- refit-regression key="${encodeURIComponent(k.key)}" baseline="${encodeURIComponent(k.baseline)}" checked="${encodeURIComponent(k.checked)}" -->`;
/** Inline code that content text cannot break out of. */
const code = (s: string) => `\`${s.replace(/[`\r\n]/g, "")}\``;

function describeMove(m: MetricMove, from: string, to: string): string {
  const n = moveNumbers(m);
  const against = m.interval ? `beyond seed noise: more than the critical difference of the 95% bootstrap interval ${n.interval} of the seeds` : "beyond its threshold";
  return `${code(m.metric)} of cell ${code(`${m.suite}/${m.cellId}`)} ${m.delta < 0 ? "fell" : "rose"} from ${n.before} in version ${code(from)} to ${n.after} in version ${code(to)} (change ${n.change}, ${against}).`;
}

function linkLines(m: MetricMove, from: string, to: string, links: IssueLinks): string[] {
  return [`- Diff of the two versions: ${links.diff(from, to)}`, `- The cell in ${code(to)}: ${links.cell(to, m.suite, m.cellId)}`, ...(links.runUrl ? [`- Nightly run: ${links.runUrl}`] : [])];
}

export function issueTitle(m: MetricMove, baseline: string): string {
  return `Refit regression: ${m.metric} of ${m.suite}/${m.cellId} since ${baseline}`;
}

/** The issue body: the marker, the move from the baseline to the latest version, links and what happens next. */
export function issueBody(m: MetricMove, baseline: string, latest: string, links: IssueLinks): string {
  return [
    marker({ key: regressionKey(m), baseline, checked: latest }),
    `**Regression beyond seed noise.** ${describeMove(m, baseline, latest)}`,
    "",
    ...linkLines(m, baseline, latest, links),
    "",
    `The nightly workflow opened this issue and rewrites it each night while the latest version stays worse than ${code(baseline)} beyond noise; it closes it when a version is back within noise.`,
    "",
  ].join("\n");
}

function recoveredComment(m: MetricMove | undefined, baseline: string, latest: string): string {
  if (!m) return `Closing: version ${code(latest)} no longer publishes this cell and metric.`;
  const n = moveNumbers(m);
  const where = m.beyondNoise ? "moved the good way" : "is back within seed noise";
  return `Recovered in version ${code(latest)}: ${code(m.metric)} is ${n.after} against ${n.before} in ${code(baseline)} (change ${n.change}, interval ${n.interval}), so it ${where}.`;
}

/** What to do with the regression issues after version `latest` was published. */
export function planIssues(input: IssuePlanInput): IssueAction[] {
  const { tonight, latest, links } = input;
  const tonightByKey = new Map((tonight?.moves ?? []).filter((m) => m.regression).map((m) => [regressionKey(m), m]));
  const actions: IssueAction[] = [];
  const tracked = new Map<string, number>();

  for (const issue of input.open) {
    const k = markerOf(issue.body);
    if (!k) continue;
    const first = tracked.get(k.key);
    if (first !== undefined) {
      actions.push({ kind: "close", number: issue.number, key: k.key, comment: `Closing as a duplicate of #${first}, which tracks the same cell and metric.` });
      continue;
    }
    tracked.set(k.key, issue.number);
    const since = input.sinceBaseline(k.baseline);
    const move = since?.moves.find((m) => regressionKey(m) === k.key);
    if (!since) {
      actions.push({ kind: "close", number: issue.number, key: k.key, comment: `Closing: its baseline version ${code(k.baseline)} is not published, so there is nothing to compare ${code(latest)} with.` });
    } else if (move?.regression) {
      const again = tonightByKey.get(k.key);
      const comment = again && k.checked !== latest ? `Worse again in version ${code(latest)}: ${describeMove(again, tonight!.from, latest)}\n\n${linkLines(again, tonight!.from, latest, links).join("\n")}` : null;
      actions.push({ kind: "update", number: issue.number, key: k.key, body: issueBody(move, k.baseline, latest, links), comment });
    } else {
      actions.push({ kind: "close", number: issue.number, key: k.key, comment: recoveredComment(move, k.baseline, latest) });
    }
  }

  for (const [key, m] of tonightByKey) {
    if (tracked.has(key)) continue;
    actions.push({ kind: "open", key, title: issueTitle(m, tonight!.from), body: issueBody(m, tonight!.from, latest, links) });
  }
  return actions;
}
