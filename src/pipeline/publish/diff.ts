// What moved between two published versions, and which moves are regressions. Cells are matched by
// suite and cellId (a cellId hashes the resolved config, so equal ids mean equal experiments), and a
// retrained cell, new cellId at the same suite and grid point, to the one it replaces. A move
// is beyond noise when the new value falls outside the old version's 95% bootstrap interval (or,
// lacking that, the old value outside the new one's); it is a regression when it is also in the
// metric's bad direction and larger than any threshold set for it. This module measures each cell
// (publish/moves.ts compares the measures); shared by `refit diff` and the site's diff pages, so
// both flag the same moves.
import type { CellStats, Estimate } from "../artifacts/cell-stats.ts";
import type { PublishedSuite } from "../artifacts/published-suite.ts";
import { bootstrapReplicates, cellBootstrapSeed, percentileInterval, refitsMean, DEFAULT_RESAMPLES } from "../compare/bootstrap.ts";
import { BETTER, DIFF_METRICS, diffMeasured, type DiffMetric, type DiffOptions, type Interval, type Measured, type MeasuredVersion, type VersionDiff } from "./moves.ts";

export { BETTER, DIFF_METRICS, diffMeasured, isBeyondNoise, type CellKey, type DiffMetric, type DiffOptions, type MetricMove, type VersionDiff } from "./moves.ts";

/** A published version as both the site's loader and `refit diff` hold it. */
export interface VersionLike {
  id: string;
  suites: readonly { name: string; result: PublishedSuite }[];
}

type Cell = PublishedSuite["cells"][number];

/** An estimate's interval; a zero-width one (a statistic the bootstrap over refits does not move, e.g. the uniform null) is no interval of noise. */
function intervalOf(e: Estimate | undefined): Interval | null {
  return e && e.lo !== null && e.hi !== null && e.lo < e.hi ? [e.lo, e.hi] : null;
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

/** Bootstrap interval of the mean held-out perplexity over refits (the compare stage's rule: three or more). */
function perplexityInterval(cellId: string, ppl: readonly number[]): Interval | null {
  if (ppl.length < 3) return null;
  const [replicates] = bootstrapReplicates([(d) => refitsMean((r) => ppl[r], d)], ppl.length, { resamples: DEFAULT_RESAMPLES, seed: cellBootstrapSeed(cellId) });
  return percentileInterval(replicates);
}

/** Per-layer estimates compared beside stability: metric ID, family, and how a row names it. */
const LAYER_ESTIMATES: readonly [string, DiffMetric, string][] = [
  ["excess.informativeNull", "excess", "excess over nulls"],
  ["commonness.allRefits", "commonness", "commonness (all refits)"],
  ["cka.rbf.resid_mid", "residualCka", "residual CKA"],
  ["null.probeShuffled", "null", "probe-shuffled null"],
  ["null.uniform", "null", "uniform null"],
  ["null.untrained", "null", "untrained null"],
];

function statsMeasures(stats: CellStats): Measured[] {
  // "anchor stability" is the paper's (anchor seed against each other refit); "head stability
  // (all pairs)" is the leaderboard's headline (every refit in turn as the anchor).
  const out: Measured[] = [{ family: "stability", metric: "anchor stability", value: mean(stats.layers.map((l) => l.stability)), interval: null }];
  const allPairs = stats.cellEstimates?.["meanStability.allPairs"];
  if (allPairs && allPairs.value !== null) out.push({ family: "allPairsStability", metric: "head stability (all pairs)", value: allPairs.value, interval: intervalOf(allPairs) });
  const excess = stats.cellEstimates?.["meanExcess.informativeNull"];
  if (excess && excess.value !== null) out.push({ family: "excess", metric: "excess over nulls", value: excess.value, interval: intervalOf(excess) });
  for (const l of stats.layers) {
    const estimates = stats.estimates?.[l.layer] ?? {};
    out.push({ family: "layerStability", metric: `layer ${l.layer + 1} anchor stability`, value: l.stability, interval: intervalOf(estimates.stability) });
    for (const [id, family, name] of LAYER_ESTIMATES) {
      const e = estimates[id];
      if (e && e.value !== null) out.push({ family, metric: `layer ${l.layer + 1} ${name}`, value: e.value, interval: intervalOf(e) });
    }
  }
  return out;
}

function measure(cell: Cell): Measured[] {
  const out = cell.stats ? statsMeasures(cell.stats) : [];
  const ppl = cell.runs.flatMap((r) => (r.status === "finished" && r.heldOutPerplexity !== null ? [r.heldOutPerplexity] : []));
  if (ppl.length > 0) out.push({ family: "perplexity", metric: "perplexity", value: mean(ppl), interval: perplexityInterval(cell.cellId, ppl) });
  return out;
}

/** Every value the diff compares, per cell: what the site publishes per version for its version picker. */
export function measureVersion(v: VersionLike): MeasuredVersion {
  const point = (cell: Cell) => JSON.stringify(Object.entries(cell.label).sort(([a], [b]) => (a < b ? -1 : 1)));
  return { id: v.id, cells: v.suites.flatMap((s) => s.result.cells.map((cell) => ({ suite: s.name, cellId: cell.cellId, point: point(cell), measures: measure(cell) }))) };
}

export function diffVersions(from: VersionLike, to: VersionLike, options: DiffOptions = {}): VersionDiff {
  return diffMeasured(measureVersion(from), measureVersion(to), options);
}

/** The families a regression can happen in (those with a better direction), the only ones a threshold applies to. */
export const RANKED_METRICS = DIFF_METRICS.filter((m) => BETTER[m] !== null);

/** Parses `family=x` (x >= 0), as `refit diff --threshold` takes it. */
export function parseThreshold(text: string): [DiffMetric, number] {
  const m = /^([A-Za-z]+)=(.+)$/.exec(text);
  const family = m?.[1] as DiffMetric | undefined;
  const value = Number(m?.[2]);
  if (!m || !RANKED_METRICS.includes(family!) || !Number.isFinite(value) || value < 0) {
    throw new Error(`--threshold must be metric=x with metric one of ${RANKED_METRICS.join(", ")} and x >= 0, got "${text}"`);
  }
  return [family!, value];
}
