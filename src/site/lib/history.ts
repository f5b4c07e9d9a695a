// One cell's headline numbers across every published version that holds it (same suite and cell
// id, so the same experiment), oldest first: asv's view of a benchmark over time; and each suite's
// headline across versions, one line per grid point, for the versions page.
import type { SiteContent } from "./content.ts";
import { summarizeCell, type Interval } from "./stats.ts";
import { axisName, axisValueText, type AxisValue } from "./study.ts";

export const HISTORY_METRICS = ["stability", "excess", "perplexity"] as const;
export type HistoryMetric = (typeof HISTORY_METRICS)[number];

export const HISTORY_LABEL: Record<HistoryMetric, string> = {
  stability: "head stability (all pairs)",
  excess: "excess over nulls",
  perplexity: "held-out perplexity",
};

export interface HistoryPoint {
  version: string;
  metric: HistoryMetric;
  value: number;
  interval: Interval | null;
}

export function cellHistory(content: SiteContent, suite: string, cellId: string): HistoryPoint[] {
  return content.versions.flatMap((v) => {
    const cell = v.suites.find((s) => s.name === suite)?.result.cells.find((c) => c.cellId === cellId);
    if (!cell) return [];
    const s = summarizeCell(cell);
    const points: [HistoryMetric, number | null, Interval | null][] = [
      ["stability", s.stability, s.interval],
      ["excess", s.excess, s.excessInterval],
      ["perplexity", s.perplexity, null],
    ];
    return points.flatMap(([metric, value, interval]) => (value === null ? [] : [{ version: v.id, metric, value, interval }]));
  });
}

export interface SuitePoint {
  version: string;
  /** The cell's grid point, as the study figures name axes ("layers 2, d_model 64"): a retrained cell stays on its line. */
  series: string;
  cellId: string;
  value: number;
  interval: Interval | null;
}

export interface SuiteHistory {
  suite: string;
  points: SuitePoint[];
}

/** A cell's grid point in words; a suite of one cell has none. */
const pointName = (label: Record<string, AxisValue>) =>
  Object.entries(label)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([axis, value]) => `${axisName(axis)} ${axisValueText(value)}`)
    .join(", ") || "its one cell";

/**
 * Each suite's headline, head stability over all pairs of refits with its 95% interval, per grid
 * point across every version that publishes the suite, oldest first; suites in the order the
 * newest versions list them.
 */
export function suiteHistories(content: SiteContent): SuiteHistory[] {
  const names = [...new Set([...content.versions].reverse().flatMap((v) => v.suites.map((s) => s.name)))];
  return names.map((suite) => ({
    suite,
    points: content.versions.flatMap((v) =>
      (v.suites.find((s) => s.name === suite)?.result.cells ?? []).flatMap((cell): SuitePoint[] => {
        const { stability, interval } = summarizeCell(cell);
        return stability === null ? [] : [{ version: v.id, series: pointName(cell.label), cellId: cell.cellId, value: stability, interval }];
      }),
    ),
  }));
}
