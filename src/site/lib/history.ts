// One cell's headline numbers across every published version that holds it (same suite and cell
// id, so the same experiment), oldest first: asv's view of a benchmark over time; and each suite's
// headline across versions, one line per grid point, for the versions page.
import type { SiteContent } from "./content.ts";
import { summarizeCell, type Interval } from "./stats.ts";
import { axisName, axisValueText, naturalOrder, type AxisValue } from "./study.ts";

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
  /** The grid point itself, axis to value, for splitting a suite with more lines than colours. */
  grid: Record<string, AxisValue>;
  cellId: string;
  value: number;
  interval: Interval | null;
}

export interface SuiteHistory {
  suite: string;
  /** The facet the newest version's figure declares, if any: the first axis to split panels on. */
  facet: string | null;
  points: SuitePoint[];
}

/** A grid point in words, the given axes only; a suite of one cell has none. */
const pointName = (grid: Record<string, AxisValue>, axes: readonly string[] = Object.keys(grid)) =>
  axes
    .toSorted()
    .map((axis) => `${axisName(axis)} ${axisValueText(grid[axis])}`)
    .join(", ") || "its one cell";

/**
 * Each suite's headline, head stability over all pairs of refits with its 95% interval, per grid
 * point across every version that publishes the suite, oldest first; suites in the order the
 * newest versions list them.
 */
export function suiteHistories(content: SiteContent): SuiteHistory[] {
  const names = [...new Set([...content.versions].reverse().flatMap((v) => v.suites.map((s) => s.name)))];
  return names.map((suite) => {
    const published = content.versions.flatMap((v) => v.suites.filter((s) => s.name === suite).map((s) => ({ version: v.id, result: s.result })));
    return {
      suite,
      facet: published.at(-1)?.result.suite.figure?.facet ?? null,
      points: published.flatMap(({ version, result }) =>
        result.cells.flatMap((cell): SuitePoint[] => {
          const { stability, interval } = summarizeCell(cell);
          return stability === null ? [] : [{ version, series: pointName(cell.label), grid: cell.label, cellId: cell.cellId, value: stability, interval }];
        }),
      ),
    };
  });
}

/** One panel of a suite's history: its title, and its points, each with `line` naming only the axes the panel does not fix. */
export interface HistoryPanel {
  title: string;
  points: (SuitePoint & { line: string })[];
}

const distinct = (points: readonly SuitePoint[], axes: readonly string[]) => new Set(points.map((p) => pointName(p.grid, axes))).size;

/**
 * A suite's history in panels of at most `most` lines, so that no two lines of a panel share a
 * colour: one panel when the grid points fit; else split by the suite's declared facet first, then
 * by the axis with the most values, until the axes left name at most `most` lines. Each line keeps
 * the same name, so the same colour, in every panel.
 */
export function historyPanels(history: SuiteHistory, most: number): HistoryPanel[] {
  const axes = [...new Set(history.points.flatMap((p) => Object.keys(p.grid)))];
  const byValues = axes.toSorted((a, b) => distinct(history.points, [b]) - distinct(history.points, [a]) || (a < b ? -1 : 1));
  const order = [...(history.facet && axes.includes(history.facet) ? [history.facet] : []), ...byValues.filter((a) => a !== history.facet)];
  const split: string[] = [];
  while (distinct(history.points, axes.filter((a) => !split.includes(a))) > most && split.length < axes.length - 1) split.push(order[split.length]);
  if (split.length === 0) return [{ title: history.suite, points: history.points.map((p) => ({ ...p, line: p.series })) }];
  const rest = axes.filter((a) => !split.includes(a));
  // Panels in the natural order of their values (study.ts), points in their own order within each.
  const byValue = (a: SuitePoint, b: SuitePoint) => {
    for (const axis of split) {
      const [x, y] = [a.grid[axis], b.grid[axis]];
      if (x !== y) return naturalOrder(x, y);
    }
    return 0;
  };
  const panels = new Map<string, HistoryPanel["points"]>();
  for (const p of history.points.toSorted(byValue)) {
    const key = pointName(p.grid, split);
    panels.set(key, [...(panels.get(key) ?? []), { ...p, line: pointName(p.grid, rest) }]);
  }
  return [...panels].map(([key, points]) => ({ title: `${history.suite} (${key})`, points }));
}
