// What moved between two versions' measured values (publish/diff.ts measures them): cells matched
// by suite and cellId, each metric's change, whether it is beyond seed noise (larger than the
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

export interface MeasuredVersion {
  id: string;
  cells: (CellKey & { measures: Measured[] })[];
}

export interface MetricMove extends CellKey {
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
  added: CellKey[];
  removed: CellKey[];
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

export function diffMeasured(from: MeasuredVersion, to: MeasuredVersion, options: DiffOptions = {}): VersionDiff {
  const before = new Map(from.cells.map((c) => [keyOf(c), c]));
  const after = new Map(to.cells.map((c) => [keyOf(c), c]));
  const moves: MetricMove[] = [];
  for (const [k, now] of after) {
    const was = before.get(k);
    if (!was) continue;
    const old = new Map(was.measures.map((m) => [m.metric, m]));
    for (const m of now.measures) {
      const o = old.get(m.metric);
      if (!o) continue;
      const delta = m.value - o.value;
      const interval = o.interval ?? m.interval;
      const beyondNoise = isBeyondNoise(o.value, m.value, interval);
      moves.push({
        suite: now.suite,
        cellId: now.cellId,
        family: m.family,
        metric: m.metric,
        before: o.value,
        after: m.value,
        delta,
        interval,
        beyondNoise,
        detectable: interval ? minimumDetectable(interval) : null,
        regression: isRegression(m.family, delta, beyondNoise, options.thresholds?.[m.family]),
      });
    }
  }
  moves.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
  const key = ({ suite, cellId }: CellKey): CellKey => ({ suite, cellId });
  return {
    from: from.id,
    to: to.id,
    added: [...after.values()].filter((c) => !before.has(keyOf(c))).map(key),
    removed: [...before.values()].filter((c) => !after.has(keyOf(c))).map(key),
    moves,
  };
}
