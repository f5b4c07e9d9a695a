// What the site shows of one cell, shaped from CellStats. The paper's metrics are always there;
// the estimates beyond it (bootstrap intervals, null baselines, residual CKA, importance) are
// optional and read here, in one place, by the metric IDs in OPTIONAL_FIELDS
// (compare/definitions.ts): an absent estimate yields null and the page says "not computed".
import type { CellStats, Estimate } from "#pipeline/artifacts/cell-stats.ts";
import type { PublishedSuite } from "#pipeline/artifacts/published-suite.ts";
import type { CellMetric, LayerMetric } from "#pipeline/compare/definitions.ts";

export type Cell = PublishedSuite["cells"][number];
export type Interval = [number, number];

/** The metric IDs the site reads from CellStats.estimates (per layer) and cellEstimates; typed against definitions.ts so they cannot drift. */
export const OPTIONAL_FIELDS = {
  layerInterval: "stability",
  /** S(l) with every refit taking its turn as the anchor, so it does not hinge on one seed. */
  layerAllPairs: "stability.allPairs",
  // The nulls a trained head can beat. Attention at initialisation is near-uniform, so untrained
  // refits agree almost perfectly (null.untrained ~ 1): shown on its own, never the bar to clear.
  layerNullProbeShuffled: "null.probeShuffled",
  layerNullUniform: "null.uniform",
  layerNullUntrained: "null.untrained",
  /** Stability minus the larger of the probe-shuffled and uniform nulls, per resample. */
  layerExcess: "excess.informativeNull",
  layerCka: "cka.rbf.resid_mid",
  /** The leaderboard's headline: mean head stability over all ordered refit pairs, with its interval. */
  cellHeadline: "meanStability.allPairs",
  /** Its mean over layers: a cell clears the nulls when this whole interval lies above 0. */
  cellExcess: "meanExcess.informativeNull",
  /** The share of the anchor's heads that clear their own nulls across refits (docs/metrics.md "Past the paper"). */
  cellUniversal: "universal.share",
} as const satisfies Record<string, LayerMetric | CellMetric>;

/** A number, or null for anything else (absent, null, NaN). */
export function numberOf(x: unknown): number | null {
  return typeof x === "number" && Number.isFinite(x) ? x : null;
}

/** [lo, hi] of an estimate (or a two-number array); null when either end is missing. */
export function intervalOf(x: Estimate | readonly unknown[] | null | undefined): Interval | null {
  const [lo, hi] = (Array.isArray(x) ? x : x ? [(x as Estimate).lo, (x as Estimate).hi] : []).map(numberOf);
  return lo !== null && lo !== undefined && hi !== null && hi !== undefined && lo <= hi ? [lo, hi] : null;
}

const layerEstimate = (stats: CellStats, l: number, id: string): Estimate | null => stats.estimates?.[l]?.[id] ?? null;

export interface LayerPoint {
  /** 1-based, as shown to people. */
  layer: number;
  stability: number;
  stabilityStd: number;
  interval: Interval | null;
  /** S(l) over all ordered pairs of refits, with its interval, where computed. */
  allPairs: number | null;
  allPairsInterval: Interval | null;
  commonness: number;
  crossLayerStability: number;
  nullProbeShuffled: number | null;
  nullUniform: number | null;
  nullUntrained: number | null;
  /** Stability minus the larger of the probe-shuffled and uniform nulls, with its interval where computed. */
  excess: number | null;
  excessInterval: Interval | null;
  residualCka: number | null;
}

const valueOf = (stats: CellStats, l: number, id: string) => numberOf(layerEstimate(stats, l, id)?.value);

export function layerPoints(stats: CellStats): LayerPoint[] {
  return stats.layers.map((l) => ({
    layer: l.layer + 1,
    stability: l.stability,
    stabilityStd: l.stabilityStd,
    interval: intervalOf(layerEstimate(stats, l.layer, OPTIONAL_FIELDS.layerInterval)),
    allPairs: valueOf(stats, l.layer, OPTIONAL_FIELDS.layerAllPairs),
    allPairsInterval: intervalOf(layerEstimate(stats, l.layer, OPTIONAL_FIELDS.layerAllPairs)),
    commonness: l.commonness,
    crossLayerStability: l.crossLayerStability,
    nullProbeShuffled: valueOf(stats, l.layer, OPTIONAL_FIELDS.layerNullProbeShuffled),
    nullUniform: valueOf(stats, l.layer, OPTIONAL_FIELDS.layerNullUniform),
    nullUntrained: valueOf(stats, l.layer, OPTIONAL_FIELDS.layerNullUntrained),
    excess: valueOf(stats, l.layer, OPTIONAL_FIELDS.layerExcess),
    excessInterval: intervalOf(layerEstimate(stats, l.layer, OPTIONAL_FIELDS.layerExcess)),
    residualCka: valueOf(stats, l.layer, OPTIONAL_FIELDS.layerCka),
  }));
}

/** dPPL per head, [layer][head], when the importance metric ran. */
export function headImportance(stats: CellStats): number[][] | null {
  return stats.headImportance ?? null;
}

const mean = (xs: readonly number[]) => (xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length);

export interface CellSummary {
  finishedRefits: number;
  /** Mean over all heads of S(l,h) (every layer has the same number of heads, so also the mean of S(l)). */
  stability: number | null;
  interval: Interval | null;
  /** Mean over layers of stability minus the larger of the probe-shuffled and uniform nulls. */
  excess: number | null;
  excessInterval: Interval | null;
  /** Whether the whole excess interval lies above 0; null without an interval. */
  clearsNulls: boolean | null;
  /** Mean over layers of the untrained null: what initialisation alone scores (near 1). */
  untrainedNull: number | null;
  gap: number | null;
  /** 1-based layer of the least stable layer, and its relative depth l / L. */
  minLayer: number | null;
  minRelativeDepth: number | null;
  residualCka: number | null;
  /** Share of heads that are universal (universal.share), with its interval; null before version 2026-12-07.2. */
  universal: number | null;
  universalInterval: Interval | null;
  /** Mean held-out perplexity over finished refits. */
  perplexity: number | null;
}

/** A cell clears the nulls when the whole interval of its excess lies above 0; without an interval it cannot be said. */
export const clearsNulls = (excessInterval: Interval | null): boolean | null => (excessInterval ? excessInterval[0] > 0 : null);

export function summarizeCell(cell: Cell): CellSummary {
  // A family trained elsewhere has no runs: its captured checkpoints are its refits.
  const finished = cell.family?.models ?? cell.runs.filter((r) => r.status === "finished");
  const perplexity = mean(cell.runs.flatMap((r) => (r.status === "finished" && r.heldOutPerplexity !== null ? [r.heldOutPerplexity] : [])));
  const { stats } = cell;
  if (!stats) {
    const none = { stability: null, interval: null, excess: null, excessInterval: null, clearsNulls: null, untrainedNull: null, gap: null, minLayer: null, minRelativeDepth: null, residualCka: null, universal: null, universalInterval: null };
    return { finishedRefits: finished.length, perplexity, ...none };
  }
  const points = layerPoints(stats);
  // All-pairs mean with its interval when the cell has it; else the paper's anchor-based mean, no interval.
  const headline = stats.cellEstimates?.[OPTIONAL_FIELDS.cellHeadline];
  const stability = numberOf(headline?.value) ?? mean(points.map((p) => p.stability));
  const allOf = (xs: (number | null)[]) => (xs.every((x) => x !== null) ? mean(xs as number[]) : null);
  const excess = stats.cellEstimates?.[OPTIONAL_FIELDS.cellExcess];
  const excessInterval = intervalOf(excess);
  const universal = stats.cellEstimates?.[OPTIONAL_FIELDS.cellUniversal];
  return {
    finishedRefits: finished.length,
    stability,
    interval: intervalOf(headline),
    excess: numberOf(excess?.value),
    excessInterval,
    clearsNulls: clearsNulls(excessInterval),
    untrainedNull: allOf(points.map((p) => p.nullUntrained)),
    gap: stats.extremes.gap,
    minLayer: stats.extremes.minLayer + 1,
    minRelativeDepth: stats.extremes.minRelativeDepth,
    residualCka: allOf(points.map((p) => p.residualCka)),
    universal: numberOf(universal?.value),
    universalInterval: intervalOf(universal),
    perplexity,
  };
}
