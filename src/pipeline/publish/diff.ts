// What moved between two published versions, and which moves are regressions. Cells are matched by
// suite and cellId (a cellId hashes the resolved config, so equal ids mean equal experiments). A move
// is beyond noise when the new value falls outside the old version's 95% bootstrap interval (or,
// lacking that, the old value outside the new one's); it is a regression when it is also in the
// metric's bad direction and larger than any threshold set for it. Shared by `refit diff` and the
// site's diff page (src/site/lib/diff.ts), so both flag the same moves.
import type { CellStats, PublishedSuite } from "../artifacts/schemas.ts";
import { cellBootstrapSeed } from "../capture/compare-input.ts";
import { bootstrapReplicates, percentileInterval, refitsMean, DEFAULT_RESAMPLES } from "../compare/bootstrap.ts";

export type Interval = [number, number];

/** Metric families compared; a threshold is set per family. */
export const DIFF_METRICS = ["stability", "layerStability", "allPairsStability", "perplexity"] as const;
export type DiffMetric = (typeof DIFF_METRICS)[number];

/** Which way is better: a drop in stability or a rise in perplexity is a regression. */
export const BETTER: Readonly<Record<DiffMetric, "higher" | "lower">> = {
  stability: "higher",
  layerStability: "higher",
  allPairsStability: "higher",
  perplexity: "lower",
};

export interface CellKey {
  suite: string;
  cellId: string;
}

export interface MetricMove extends CellKey {
  family: DiffMetric;
  /** As shown: "stability", "layer 2 stability", "all-pairs stability", "perplexity". */
  metric: string;
  before: number;
  after: number;
  delta: number;
  /** The old version's interval, else the new one's; null when neither has one. */
  interval: Interval | null;
  /** null when neither version has an interval for this metric. */
  beyondInterval: boolean | null;
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

/** A published version as both the site's loader and `refit diff` hold it. */
export interface VersionLike {
  id: string;
  suites: readonly { name: string; result: PublishedSuite }[];
}

export interface DiffOptions {
  /**
   * Smallest |change| that counts as a regression, per family. Where a metric has no interval
   * (e.g. fewer than three refits), a move beyond its threshold counts on its own.
   */
  thresholds?: Partial<Record<DiffMetric, number>>;
}

type Cell = PublishedSuite["cells"][number];

const outside = (x: number, iv: Interval) => x < iv[0] || x > iv[1];

export function isBeyond(before: number, after: number, was: Interval | null, now: Interval | null): boolean | null {
  if (was) return outside(after, was);
  if (now) return outside(before, now);
  return null;
}

function intervalOf(e: { lo: number | null; hi: number | null } | undefined): Interval | null {
  return e && e.lo !== null && e.hi !== null && e.lo <= e.hi ? [e.lo, e.hi] : null;
}

interface Measured {
  family: DiffMetric;
  metric: string;
  value: number;
  interval: Interval | null;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Bootstrap interval of the mean held-out perplexity over refits (the compare stage's rule: three or more). */
function perplexityInterval(cellId: string, ppl: readonly number[]): Interval | null {
  if (ppl.length < 3) return null;
  const [replicates] = bootstrapReplicates([(d) => refitsMean((r) => ppl[r], d)], ppl.length, { resamples: DEFAULT_RESAMPLES, seed: cellBootstrapSeed(cellId) });
  return percentileInterval(replicates);
}

function statsMeasures(stats: CellStats): Measured[] {
  const out: Measured[] = [{ family: "stability", metric: "stability", value: mean(stats.layers.map((l) => l.stability)), interval: null }];
  for (const l of stats.layers) {
    out.push({ family: "layerStability", metric: `layer ${l.layer + 1} stability`, value: l.stability, interval: intervalOf(stats.estimates?.[l.layer]?.stability) });
  }
  const allPairs = stats.cellEstimates?.["meanStability.allPairs"];
  if (allPairs && allPairs.value !== null) out.push({ family: "allPairsStability", metric: "all-pairs stability", value: allPairs.value, interval: intervalOf(allPairs) });
  return out;
}

function measure(cell: Cell): Measured[] {
  const out = cell.stats ? statsMeasures(cell.stats) : [];
  const ppl = cell.runs.flatMap((r) => (r.status === "finished" && r.heldOutPerplexity !== null ? [r.heldOutPerplexity] : []));
  if (ppl.length > 0) out.push({ family: "perplexity", metric: "perplexity", value: mean(ppl), interval: perplexityInterval(cell.cellId, ppl) });
  return out;
}

function isRegression(family: DiffMetric, delta: number, beyond: boolean | null, threshold: number | undefined): boolean {
  const worse = BETTER[family] === "higher" ? delta < 0 : delta > 0;
  if (!worse || Math.abs(delta) <= (threshold ?? 0)) return false;
  return beyond ?? threshold !== undefined;
}

function cellsOf(v: VersionLike): Map<string, CellKey & { cell: Cell }> {
  const map = new Map<string, CellKey & { cell: Cell }>();
  for (const s of v.suites) for (const cell of s.result.cells) map.set(`${s.name}/${cell.cellId}`, { suite: s.name, cellId: cell.cellId, cell });
  return map;
}

export function diffVersions(from: VersionLike, to: VersionLike, options: DiffOptions = {}): VersionDiff {
  const before = cellsOf(from);
  const after = cellsOf(to);
  const key = ({ suite, cellId }: CellKey) => ({ suite, cellId });
  const moves: MetricMove[] = [];
  for (const [k, now] of after) {
    const was = before.get(k);
    if (!was) continue;
    const old = new Map(measure(was.cell).map((m) => [m.metric, m]));
    for (const m of measure(now.cell)) {
      const o = old.get(m.metric);
      if (!o) continue;
      const delta = m.value - o.value;
      const beyondInterval = isBeyond(o.value, m.value, o.interval, m.interval);
      moves.push({
        ...key(now),
        family: m.family,
        metric: m.metric,
        before: o.value,
        after: m.value,
        delta,
        interval: o.interval ?? m.interval,
        beyondInterval,
        regression: isRegression(m.family, delta, beyondInterval, options.thresholds?.[m.family]),
      });
    }
  }
  moves.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta));
  return {
    from: from.id,
    to: to.id,
    added: [...after.keys()].filter((k) => !before.has(k)).map((k) => key(after.get(k)!)),
    removed: [...before.keys()].filter((k) => !after.has(k)).map((k) => key(before.get(k)!)),
    moves,
  };
}

/** Parses `family=x` (x >= 0), as `refit diff --threshold` takes it. */
export function parseThreshold(text: string): [DiffMetric, number] {
  const m = /^([A-Za-z]+)=(.+)$/.exec(text);
  const family = m?.[1] as DiffMetric | undefined;
  const value = Number(m?.[2]);
  if (!m || !DIFF_METRICS.includes(family!) || !Number.isFinite(value) || value < 0) {
    throw new Error(`--threshold must be metric=x with metric one of ${DIFF_METRICS.join(", ")} and x >= 0, got "${text}"`);
  }
  return [family!, value];
}
