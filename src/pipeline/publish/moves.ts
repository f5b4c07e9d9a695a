// What moved between two versions' measured values (publish/diff.ts measures them): cells matched
// by suite and cellId, else a retrained cell (a new cellId at the same suite and grid point) to the
// cell it replaces, each metric's change, whether it is beyond seed noise (larger than the
// critical difference of the metric's interval, detectable.ts) and whether that makes it a
// regression. Pure (its one import is too), so the site's version picker runs it in the browser on
// the measures it publishes per version, and flags exactly what `refit diff` flags.
import { criticalDifference, minimumDetectable, type Interval } from "./detectable.ts";

export type { Interval } from "./detectable.ts";

/** Metric families compared; a threshold is set per family. */
export const DIFF_METRICS = ["stability", "layerStability", "allPairsStability", "excess", "commonness", "residualCka", "null", "perplexity"] as const;
export type DiffMetric = (typeof DIFF_METRICS)[number];

/**
 * Which way is better: a drop in stability or in its excess over the nulls, or a rise in perplexity, is a regression.
 * Commonness, residual CKA and the nulls describe a cell rather than rank it: null, never a regression.
 */
export const BETTER: Readonly<Record<DiffMetric, "higher" | "lower" | null>> = {
  stability: "higher",
  layerStability: "higher",
  allPairsStability: "higher",
  excess: "higher",
  commonness: null,
  residualCka: null,
  null: null,
  perplexity: "lower",
};

export interface CellKey {
  suite: string;
  cellId: string;
}

/** One value of one cell as measured for the diff. */
export interface Measured {
  family: DiffMetric;
  /** As shown, e.g. "head stability (all pairs)", "layer 2 anchor stability", "perplexity". */
  metric: string;
  value: number;
  interval: Interval | null;
}

interface MeasuredCell extends CellKey {
  /** The cell's grid point (its label, keys sorted) as text: a retrained cell keeps it under a new cellId. Absent in measures built before 2026-12-08. */
  point?: string;
  measures: Measured[];
}

export interface MeasuredVersion {
  id: string;
  cells: MeasuredCell[];
}

/** A retrained cell: the same suite and grid point under a new cellId (its config changed outside the grid). */
interface Retrained extends CellKey {
  predecessor: string;
}

export interface MetricMove extends CellKey {
  /** The old cellId when the cell was retrained under a new one; absent when the ids match. */
  predecessor?: string;
  family: DiffMetric;
  metric: string;
  before: number;
  after: number;
  delta: number;
  /** The old version's interval, else the new one's; null when neither has one. */
  interval: Interval | null;
  /** |delta| above the interval's critical difference; null when neither version has an interval for this metric. */
  beyondNoise: boolean | null;
  /** The smallest true change the seed count finds with 80% power; null without an interval. */
  detectable: number | null;
  /** Worse in the metric's direction, beyond noise and beyond its threshold. */
  regression: boolean;
}

export interface VersionDiff {
  from: string;
  to: string;
  /** Whether `from` was published after `to` (both ids date-numbered), so every change runs backwards in time. */
  reversed: boolean;
  added: CellKey[];
  removed: CellKey[];
  /** Matched to their predecessors and compared; in neither added nor removed. */
  retrained: Retrained[];
  /** Largest |delta| first. */
  moves: MetricMove[];
}

export interface DiffOptions {
  /**
   * Smallest |change| that counts as a regression, per family. Where a metric has no interval
   * (e.g. fewer than three refits), a move beyond its threshold counts on its own.
   */
  thresholds?: Partial<Record<DiffMetric, number>>;
}

/** Whether |after - before| exceeds the critical difference of the old interval (else the new one's). */
export function isBeyondNoise(before: number, after: number, interval: Interval | null): boolean | null {
  return interval ? Math.abs(after - before) > criticalDifference(interval) : null;
}

function isRegression(family: DiffMetric, delta: number, beyond: boolean | null, threshold: number | undefined): boolean {
  const better = BETTER[family];
  const worse = better === "higher" ? delta < 0 : better === "lower" ? delta > 0 : false;
  if (!worse || Math.abs(delta) <= (threshold ?? 0)) return false;
  return beyond ?? threshold !== undefined;
}

const keyOf = ({ suite, cellId }: CellKey) => `${suite}/${cellId}`;

/** A version id's place in time, [date, number], for ids as refit aggregate makes them (2026-12-02.8); null for any other id. */
function versionRank(id: string): [string, number] | null {
  const m = /^(\d{4}-\d{2}-\d{2})\.(\d+)$/.exec(id);
  return m ? [m[1], Number(m[2])] : null;
}

function isReversed(from: string, to: string): boolean {
  const [a, b] = [versionRank(from), versionRank(to)];
  return a !== null && b !== null && (a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]));
}

/** Pairs of cells to compare: equal keys, then each unmatched new cell with the one unmatched old cell of its suite and grid point. */
function pairCells(from: MeasuredVersion, to: MeasuredVersion): { pairs: [MeasuredCell, MeasuredCell][]; added: MeasuredCell[]; removed: MeasuredCell[] } {
  const before = new Map(from.cells.map((c) => [keyOf(c), c]));
  const after = new Set(to.cells.map(keyOf));
  const pairs: [MeasuredCell, MeasuredCell][] = to.cells.flatMap((c) => (before.has(keyOf(c)) ? [[before.get(keyOf(c))!, c] as [MeasuredCell, MeasuredCell]] : []));
  const removed = from.cells.filter((c) => !after.has(keyOf(c)));
  const added = to.cells.filter((c) => !before.has(keyOf(c)));
  // A grid point is matched only when exactly one cell holds it on each side, so a pair is never a guess.
  const at = (c: MeasuredCell) => (c.point === undefined ? null : `${c.suite}\u0000${c.point}`);
  const only = (cells: MeasuredCell[], c: MeasuredCell) => at(c) !== null && cells.filter((o) => at(o) === at(c)).length === 1;
  const retrained = added.flatMap((c) => {
    const was = removed.find((o) => at(o) === at(c));
    return was && only(added, c) && only(removed, was) ? [[was, c] as [MeasuredCell, MeasuredCell]] : [];
  });
  const matched = new Set(retrained.flat());
  return { pairs: [...pairs, ...retrained], added: added.filter((c) => !matched.has(c)), removed: removed.filter((c) => !matched.has(c)) };
}

/** Every metric both cells measured: the change, whether it is beyond noise and whether it regresses. */
function movesOf(was: MeasuredCell, now: MeasuredCell, options: DiffOptions): MetricMove[] {
  const old = new Map(was.measures.map((m) => [m.metric, m]));
  return now.measures.flatMap((m): MetricMove[] => {
    const o = old.get(m.metric);
    if (!o) return [];
    const delta = m.value - o.value;
    const interval = o.interval ?? m.interval;
    const beyondNoise = isBeyondNoise(o.value, m.value, interval);
    return [{
      suite: now.suite,
      cellId: now.cellId,
      ...(was.cellId !== now.cellId && { predecessor: was.cellId }),
      family: m.family,
      metric: m.metric,
      before: o.value,
      after: m.value,
      delta,
      interval,
      beyondNoise,
      detectable: interval ? minimumDetectable(interval) : null,
      regression: isRegression(m.family, delta, beyondNoise, options.thresholds?.[m.family]),
    }];
  });
}

export function diffMeasured(from: MeasuredVersion, to: MeasuredVersion, options: DiffOptions = {}): VersionDiff {
  const { pairs, added, removed } = pairCells(from, to);
  const moves = pairs.flatMap(([was, now]) => movesOf(was, now, options));
  moves.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
  const key = ({ suite, cellId }: CellKey): CellKey => ({ suite, cellId });
  return {
    from: from.id,
    to: to.id,
    reversed: isReversed(from.id, to.id),
    added: added.map(key),
    removed: removed.map(key),
    retrained: pairs.filter(([was, now]) => was.cellId !== now.cellId).map(([was, now]) => ({ ...key(now), predecessor: was.cellId })),
    moves,
  };
}
