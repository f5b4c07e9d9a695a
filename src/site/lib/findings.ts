// The paper's five findings per suite (docs/metrics.md "Findings"), as the scorecard shows them: the
// claim, the statistic that tests it, its estimate with the 95% interval and the verdict, from
// SuiteResult.findings (compare/findings.ts), and a sentence written from those numbers beside what
// the paper reports (paper.ts). A suite without findings lists them as not evaluated.
import type { Finding } from "#pipeline/artifacts/finding.ts";
import type { PublishedSuite } from "#pipeline/artifacts/published-suite.ts";
import { fmt, fmtInterval, fmtSigned } from "./format.ts";
import { PAPER_LAYER_STABILITY, PAPER_MODEL } from "./paper.ts";
import { intervalOf, numberOf, type Interval } from "./stats.ts";

/** Claims for versions and suites whose result carries no findings (compare/findings.ts states each version's own when it runs). */
export const CLAIMS = [
  "Middle-layer heads are the least stable across seeds, yet the most distinct within their layer.",
  "Deeper models show a stronger mid-depth dip in stability.",
  "In deeper layers, unstable heads are more functionally important than their stable peers.",
  "Weight decay (AdamW) substantially improves head stability.",
  "The residual stream is more stable than the heads.",
] as const;

type FindingId = Finding["id"];

/** Each finding's statistic by a short name, for the sentences (the full definition is Finding.statistic). */
export const STATISTIC_NAME: Record<FindingId, string> = {
  finding1: "the mid-depth dip (midDip, mean over cells with 3 or more layers)",
  finding2: "the growth of the stability gap with depth (deepest minus shallowest twin)",
  finding3: "the trend of the importance-stability correlation over relative depth",
  finding4: "the AdamW-minus-Adam difference in head stability (mean over twin pairs)",
  finding5: "the residual margin (residual CKA minus head stability, worst layer)",
  inductionControl: "the induction heads' stability beyond their own nulls, over the seeds that formed them (induction.excess)",
  inductionRank: "the induction heads' excess over the nulls minus the other heads' (induction.excessGap)",
  inductionRepeat: "the induction heads' stability beyond their own nulls on the repeat rows (induction.repeatExcess)",
  inductionRepeatRank: "the induction heads' repeat-row excess minus the other heads' on the same rows (induction.repeatExcessGap)",
  seedSources: "how much more heads differ, beyond the nulls, with only the initialization varying than with only the data order (meanCorrected difference)",
  negativeNulls: "the shuffled-text heads' stability beyond the informative nulls (meanExcess.informativeNull)",
  negativeInduction: "the share of 1-layer refits with an induction head (induction.formed)",
};

/** The paper findings' statistics from version 2026-12-07, when the headline is null-corrected (the finding carries `raw`). */
const CORRECTED_NAME: Partial<Record<FindingId, string>> = {
  finding1: "the mid-depth dip in null-corrected stability (midDip.corrected, cells with 3 or more layers that clear the nulls)",
  finding2: "the growth of the null-corrected stability gap with depth (deepest minus shallowest twin)",
  finding3: "the trend of the importance-stability correlation over relative depth, every refit ablated (cells with 4 or more layers)",
  finding4: "the AdamW-minus-Adam difference in null-corrected stability (mean over twin pairs)",
  finding5: "the residual stream above its untrained floor minus the heads above their nulls (layer means)",
};

const { adam, adamw } = PAPER_LAYER_STABILITY;
const paperModel = `an ${PAPER_MODEL.nLayers}-layer, ${PAPER_MODEL.nHeads}-head model`;

/** What the paper reports for each finding, as a sentence; null where the site restates no number of it. */
export const PAPER_REPORTS: Record<FindingId, string | null> = {
  finding1: `For ${paperModel} trained with Adam, the paper reports layer head stability falling from ${fmt(adam.layer1)} at layer 1 to ${fmt(adam.layer5)} at layer 5 (relative depth ${fmt(5 / PAPER_MODEL.nLayers, 2)}).`,
  finding2: `In that ${PAPER_MODEL.nLayers}-layer Adam model the gap is at least ${fmt(adam.layer1 - adam.layer5)} (${fmt(adam.layer1)} at layer 1 minus ${fmt(adam.layer5)} at layer 5).`,
  finding3: null,
  finding4: `In ${paperModel}, the paper reports AdamW lifting layer 5's head stability from ${fmt(adam.layer5)} (Adam) to ${fmt(adamw.layer5)}, a difference of ${fmtSigned(adamw.layer5 - adam.layer5)}.`,
  finding5: null,
  inductionControl: null,
  inductionRank: null,
  inductionRepeat: null,
  inductionRepeatRank: null,
  seedSources: null,
  negativeNulls: null,
  negativeInduction: null,
};

export interface FindingPart {
  cells: string[];
  value: number | null;
  interval: Interval | null;
}

export interface FindingRow {
  id: FindingId;
  /** "1" to "5" for the paper's findings, "control" for Refit's known-answer checks, "beyond the paper" for seedSources. */
  label: string;
  claim: string;
  /** How the claim is tested, e.g. "midDip < 0"; null when not evaluated. */
  test: string | null;
  /** The statistic's full definition; null when not evaluated. */
  statistic: string | null;
  direction: Finding["direction"] | null;
  threshold: number | null;
  parts: FindingPart[];
  /** null: the findings stage did not run for this suite. */
  verdict: Finding["verdict"] | null;
  value: number | null;
  interval: Interval | null;
  note: string | null;
  /** For the known-answer controls: how many seeds formed induction heads, in words; null otherwise. */
  formation: string | null;
  /** The headline is null-corrected (versions from 2026-12-07, where the raw statistic stands beside it). */
  corrected?: boolean;
}

function rowOf(f: Finding, label: string, formation: string | null = null): FindingRow {
  return {
    id: f.id,
    label,
    claim: f.claim,
    test: `${f.statistic} ${f.direction} ${f.threshold}`,
    statistic: f.statistic,
    direction: f.direction,
    threshold: f.threshold,
    parts: f.parts.map((p) => ({ cells: p.cells, value: numberOf(p.estimate.value), interval: intervalOf(p.estimate) })),
    verdict: f.verdict,
    value: numberOf(f.estimate?.value),
    interval: intervalOf(f.estimate),
    note: f.note || null,
    formation,
    corrected: f.raw !== undefined,
  };
}

/** A finding the suite's result does not carry: shown as not evaluated. */
function notEvaluated(id: FindingId, label: string, claim: string): FindingRow {
  return { id, label, claim, test: null, statistic: null, direction: null, threshold: null, parts: [], verdict: null, value: null, interval: null, note: null, formation: null };
}

/** The paper's five findings, in order, each evaluated or not. */
export function findingRows(result: PublishedSuite): FindingRow[] {
  return CLAIMS.map((claim, i) => {
    const id = `finding${i + 1}` as FindingId;
    const f = result.findings?.find((x) => x.id === id);
    const label = String(i + 1);
    return f ? rowOf(f, label) : notEvaluated(id, label, claim);
  });
}

/** Page anchors of the findings page: a suite's section, and one finding's card within it. */
export const suiteAnchor = (suite: string) => `suite-${suite}`;
export const findingAnchor = (suite: string, id: FindingId) => `${suite}-${id}`;

/** Whether the findings page draws a card for this row: every paper finding does; a control only where the suite tests it. */
export const hasCard = (f: FindingRow): boolean => isPaperFinding(f) || (f.verdict !== null && f.verdict !== "untestable");

/** The paper's five findings carry their number as the label; controls and findings past the paper a word. */
export const isPaperFinding = (f: Pick<FindingRow, "label">): boolean => /^\d$/.test(f.label);

/** Findings past the paper's (docs/metrics.md "Past the paper"), shown beside the controls but not called one. */
const labelOf = (id: FindingId) => (id === "seedSources" ? "beyond the paper" : "control");

/** Refit's known-answer controls (induction heads on synthetic repeats), and findings past the paper, that a suite's result carries. */
export function controlRows(result: PublishedSuite): FindingRow[] {
  return (result.findings ?? []).filter((f) => !f.id.startsWith("finding")).map((f) => rowOf(f, labelOf(f.id), formationOf(result)));
}

/** "6 of 8 seeds" per cell that measured induction.formed, as one sentence; null when none did. */
function formationOf(result: PublishedSuite): string | null {
  const counts = result.cells.flatMap(({ stats }) => {
    const share = numberOf(stats?.cellEstimates?.["induction.formed"]?.value);
    return stats && share !== null ? [`${Math.round(share * stats.nRefits)} of ${stats.nRefits} seeds`] : [];
  });
  return counts.length > 0 ? `Induction heads formed in ${counts.join(", ")}; the control compares the anchor with those only.` : null;
}

/**
 * What the suite shows for one finding, in words written from its numbers: the statistic with its
 * interval, where the interval lies against the threshold, and the verdict that follows.
 */
export function findingSentence(f: FindingRow): string {
  if (f.verdict === null) return "Not evaluated for this suite in this version.";
  if (f.verdict === "untestable") return `Untestable in this suite: ${f.note ?? "its grid has no cells that test it"}.`;
  const name = (f.corrected ? CORRECTED_NAME[f.id] : undefined) ?? STATISTIC_NAME[f.id];
  const measured = `${name[0].toUpperCase()}${name.slice(1)} is ${fmt(f.value)}${f.interval ? ` with 95% interval ${fmtInterval(f.interval)}` : " (no interval)"}`;
  const side = f.direction === ">" ? "above" : "below";
  if (!f.interval || f.threshold === null) return `${measured}; the claim needs it ${side} ${f.threshold}. Verdict: ${f.verdict}.`;
  const [lo, hi] = f.interval;
  const where = lo > f.threshold ? `lies wholly above ${f.threshold}` : hi < f.threshold ? `lies wholly below ${f.threshold}` : `contains ${f.threshold}`;
  const formation = f.formation ? ` ${f.formation}` : "";
  return `${measured}. The claim needs it ${side} ${f.threshold}; the interval ${where}, so the finding is ${f.verdict}${f.verdict === "inconclusive" ? " with this many seeds" : ""} in this suite.${formation}`;
}

/** One finding across the suites of a version: its row in each suite, in suite order. */
export interface ScorecardRow {
  id: FindingId;
  label: string;
  claim: string;
  bySuite: FindingRow[];
}

/**
 * The version's findings at a glance, a row per finding and a column per suite: the paper's five
 * always, and each known-answer control that some suite actually tests.
 */
export function scorecard(suites: readonly { result: PublishedSuite }[]): ScorecardRow[] {
  const paper = suites.map((s) => findingRows(s.result));
  const controls = suites.map((s) => controlRows(s.result));
  const rows: ScorecardRow[] = CLAIMS.map((fallback, i) => {
    const bySuite = paper.map((p) => p[i]);
    // The rule in force is the one the version published (a finding's claim changes with its rule); the paper's text only where no suite evaluated it.
    const claim = bySuite.find((f) => f.verdict !== null)?.claim ?? fallback;
    return { id: `finding${i + 1}` as FindingId, label: String(i + 1), claim, bySuite };
  });
  const tested = new Map(controls.flat().filter((c) => c.verdict !== "untestable").map((c) => [c.id, c.claim]));
  for (const [id, claim] of tested) {
    rows.push({ id, label: labelOf(id), claim, bySuite: controls.map((c) => c.find((x) => x.id === id) ?? notEvaluated(id, labelOf(id), claim)) });
  }
  return rows;
}
