// Uncertainty by bootstrap over refits (docs/metrics.md "Beyond the paper"; Efron & Tibshirani
// 1993, percentile intervals). Each resample draws refits with replacement from a seeded PRNG, so
// intervals are deterministic; every statistic of a cell sees the SAME draws, so a gap between two
// statistics gets its interval from the joint resample. "Seeds needed" repeats the bootstrap with
// m of the R refits (m-out-of-n) and fits half-width = c / sqrt(m) to extrapolate.
import { rng as seededRng, type Rng } from "../data/rng.ts";

/** One resample: `all` draws R refits from 0..R-1; `others` draws R-1 from the non-anchor refits 1..R-1. */
export interface Draw {
  all: Int32Array;
  others: Int32Array;
}

/** A scalar statistic of a cell, evaluated on a draw (NaN when the draw cannot define it). */
export type Statistic = (draw: Draw) => number;

export interface BootstrapOptions {
  /** Number of resamples (1,000 by default). */
  resamples: number;
  /** PRNG seed words; a cell adds its own so cells resample independently. */
  seed: readonly number[];
}

export const DEFAULT_RESAMPLES = 1000;
/** First word of every bootstrap seed; the cell adds its own word so cells resample independently. */
export const BOOTSTRAP_SEED = 20260216;

/** A cell's bootstrap seed: the same draws wherever that cell is compared (run, compare, aggregate, diff). */
export const cellBootstrapSeed = (cellId: string): number[] => [BOOTSTRAP_SEED, Number.parseInt(cellId.slice(0, 8), 16) || 0];
export const CONFIDENCE = 0.95;

/** The observed sample: every refit once. Point estimates are statistics of this draw. */
export function identityDraw(nRefits: number): Draw {
  return {
    all: Int32Array.from({ length: nRefits }, (_, i) => i),
    others: Int32Array.from({ length: nRefits - 1 }, (_, i) => i + 1),
  };
}

/** A resample of `size` refits (with replacement) from nRefits. */
export function drawRefits(rng: Rng, nRefits: number, size = nRefits): Draw {
  return {
    all: Int32Array.from({ length: size }, () => rng.int(nRefits)),
    others: Int32Array.from({ length: size - 1 }, () => 1 + rng.int(nRefits - 1)),
  };
}

/** Mean of value(r) over the draw's non-anchor refits (anchor-based statistics). */
export function othersMean(value: (r: number) => number, draw: Draw): number {
  let total = 0;
  for (const r of draw.others) total += value(r);
  return total / draw.others.length;
}

/** Mean of value(r) over all drawn refits. */
export function refitsMean(value: (r: number) => number, draw: Draw): number {
  let total = 0;
  for (const r of draw.all) total += value(r);
  return total / draw.all.length;
}

/**
 * Mean of m[a * nRefits + r] (a matrix of pair values, row-major) over ordered pairs of draw
 * positions s != t. Without self-pairs, pairs that drew the same refit twice are skipped too (they
 * would compare a refit with itself); NaN when no pair is left. With self-pairs every (s, t),
 * s == t included, counts. Indexing the matrix directly, not through a callback, matters: this
 * runs R^2 times per statistic per resample.
 */
export function pairsMean(m: ArrayLike<number>, nRefits: number, draw: Draw, withSelf = false): number {
  const idx = draw.all;
  let total = 0;
  let count = 0;
  for (let s = 0; s < idx.length; s++) {
    const row = idx[s] * nRefits;
    for (let t = 0; t < idx.length; t++) {
      if (!withSelf && idx[s] === idx[t]) continue;
      total += m[row + idx[t]];
      count++;
    }
  }
  return count === 0 ? NaN : total / count;
}

/** Replicates[k][b] = statistic k on resample b; all statistics see the same draws. */
export function bootstrapReplicates(stats: readonly Statistic[], nRefits: number, options: BootstrapOptions, size = nRefits): Float64Array[] {
  const rng = seededRng([...options.seed, size]);
  const out = stats.map(() => new Float64Array(options.resamples));
  for (let b = 0; b < options.resamples; b++) {
    const draw = drawRefits(rng, nRefits, size);
    stats.forEach((stat, k) => (out[k][b] = stat(draw)));
  }
  return out;
}

/** The q-quantile (0..1) by numpy's default linear interpolation, NaN values dropped (NaN if none left). */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(values).filter((v) => !Number.isNaN(v)).sort();
  if (sorted.length === 0) return NaN;
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/** Percentile interval at `level` (95% by default) from bootstrap replicates. */
export function percentileInterval(replicates: ArrayLike<number>, level = CONFIDENCE): [number, number] {
  const tail = (1 - level) / 2;
  return [quantile(replicates, tail), quantile(replicates, 1 - tail)];
}

export interface SeedsNeeded {
  /** Interval half-width with m refits, m = 3..R (the widest of the statistics). */
  points: { refits: number; halfWidth: number }[];
  /** c in half-width = c / sqrt(m), least squares over the points. */
  coefficient: number;
  /** Refits needed for each target half-width, from the fit. */
  forHalfWidth: { halfWidth: number; refits: number }[];
}

export const HALF_WIDTH_TARGETS = [0.05, 0.02, 0.01] as const;

/**
 * Interval half-width as a function of the number of refits m: the bootstrap repeated with m
 * refits drawn from the R observed (m-out-of-n), taking the widest of `stats` (e.g. one per layer).
 * null with fewer than 3 refits.
 */
export function seedsNeeded(stats: readonly Statistic[], nRefits: number, options: BootstrapOptions): SeedsNeeded | null {
  if (nRefits < 3) return null;
  const points: SeedsNeeded["points"] = [];
  for (let m = 3; m <= nRefits; m++) {
    const widths = bootstrapReplicates(stats, nRefits, options, m).map((reps) => {
      const [lo, hi] = percentileInterval(reps);
      return (hi - lo) / 2;
    });
    points.push({ refits: m, halfWidth: Math.max(...widths) });
  }
  // Minimizing sum (hw_m - c m^-1/2)^2 gives c = sum(hw_m m^-1/2) / sum(1/m).
  const coefficient = points.reduce((s, p) => s + p.halfWidth / Math.sqrt(p.refits), 0) / points.reduce((s, p) => s + 1 / p.refits, 0);
  const forHalfWidth = HALF_WIDTH_TARGETS.map((w) => ({ halfWidth: w, refits: Math.max(2, Math.ceil((coefficient / w) ** 2)) }));
  return { points, coefficient, forHalfWidth };
}
