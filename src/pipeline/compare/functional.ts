// Functional matching (docs/metrics.md "Past the paper"): does an anchor head's attention match in
// another refit do the same work? Work is the head's ablation fingerprint (per-probe NLL change);
// two heads agree to the degree their fingerprints correlate. Matches are the paper's (same-layer
// argmax of cbar) and the one-to-one Hungarian assignment; the null is a random head of the same
// layer. Quality against coverage ranks the matches by their cbar and reads their function.
import { othersMean, type Draw, type Statistic } from "./bootstrap.ts";
import { pearson } from "./correlation.ts";
import type { CellMetric } from "./definitions.ts";
import { maxAssignment } from "./hungarian.ts";
import { meanAndStd } from "./summary.ts";

export interface FunctionalInput {
  nLayers: number;
  nHeads: number;
  /** Every refit's fingerprints in refit order, flat [L * H * P]. */
  fingerprints: readonly ArrayLike<number>[];
  /** Per refit r >= 1, the anchor's cross-layer cbar against it, [n, n], rows the anchor's heads. */
  anchorCbar: readonly Float64Array[];
}

/** One refit's matched pairs: per anchor head, the match's cbar and the two heads' functional similarity. */
interface Matched {
  cbar: Float64Array;
  similarity: Float64Array;
}

/** Per refit r (index r; r = 0 left empty): both matchings, and the random-head null per anchor head. */
export interface FunctionalTables {
  paper: Matched[];
  hungarian: Matched[];
  random: Float64Array[];
}

/** Pearson's r of two fingerprints; 0 when either is constant (no work to compare). */
export function fingerprintSimilarity(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const r = pearson(x, y);
  return Number.isNaN(r) ? 0 : r;
}

/** The paper's match: the first head of the same layer with the largest cbar. */
function paperMatches(cbar: Float64Array, n: number, H: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => {
    const start = Math.floor(i / H) * H;
    let best = start;
    for (let j = start + 1; j < start + H; j++) if (cbar[i * n + j] > cbar[i * n + best]) best = j;
    return best;
  });
}

/** The one-to-one match: the Hungarian assignment within each layer. */
function hungarianMatches(cbar: Float64Array, n: number, H: number): Int32Array {
  const out = new Int32Array(n);
  for (let start = 0; start < n; start += H) {
    const block = Float64Array.from({ length: H * H }, (_, k) => cbar[(start + Math.floor(k / H)) * n + start + (k % H)]);
    maxAssignment(block, H).forEach((g, h) => (out[start + h] = start + g));
  }
  return out;
}

export function functionalTables(input: FunctionalInput): FunctionalTables {
  const { nLayers: L, nHeads: H, fingerprints } = input;
  const n = L * H;
  const P = fingerprints[0].length / n;
  const fp = (r: number, i: number) => (fingerprints[r] as Float32Array).subarray(i * P, (i + 1) * P);
  const matched = (cbar: Float64Array, r: number, match: Int32Array): Matched => ({
    cbar: Float64Array.from(match, (j, i) => cbar[i * n + j]),
    similarity: Float64Array.from(match, (j, i) => fingerprintSimilarity(fp(0, i), fp(r, j))),
  });
  const out: FunctionalTables = { paper: [], hungarian: [], random: [] };
  input.anchorCbar.forEach((cbar, k) => {
    const r = k + 1;
    out.paper[r] = matched(cbar, r, paperMatches(cbar, n, H));
    out.hungarian[r] = matched(cbar, r, hungarianMatches(cbar, n, H));
    out.random[r] = Float64Array.from({ length: n }, (_, i) => {
      const start = Math.floor(i / H) * H;
      let sum = 0;
      for (let j = start; j < start + H; j++) sum += fingerprintSimilarity(fp(0, i), fp(r, j));
      return sum / H;
    });
  });
  return out;
}

/** Every refit's matched pairs as (refit, cbar, similarity), best cbar first; ties stay in refit then head order. */
export function rankByCbar(matched: readonly Matched[]): { r: number; cbar: number; similarity: number }[] {
  const pairs = matched.flatMap((m, r) => (m ? Array.from(m.cbar, (cbar, i) => ({ r, cbar, similarity: m.similarity[i] })) : []));
  return pairs.sort((a, b) => b.cbar - a.cbar);
}

/**
 * The area under quality against coverage over pairs ranked by rankByCbar (ranked once per cell, not
 * per resample): q(k) the mean similarity of the first k of the drawn refits' pairs, the area the
 * mean of q over k. A refit drawn w times enters each of its pairs w times.
 */
export function coverageArea(ranked: readonly { r: number; similarity: number }[], draw: Draw): number {
  const weight = new Int32Array(Math.max(0, ...ranked.map((p) => p.r)) + 1);
  for (const r of draw.others) if (r < weight.length) weight[r]++;
  let [sum, k, area] = [0, 0, 0];
  for (const { r, similarity } of ranked) {
    for (let j = 0; j < weight[r]; j++) {
      sum += similarity;
      k++;
      area += sum / k;
    }
  }
  return k === 0 ? NaN : area / k;
}

/** The functional.* statistics of docs/metrics.md, on the tables of one cell; per-refit means are taken once, not per resample. */
export function functionalStatistics(t: FunctionalTables): Partial<Record<CellMetric, Statistic>> {
  const perRefit = (rows: readonly Float64Array[]) => rows.map((v) => (v ? meanAndStd(v).mean : NaN));
  const [paper, random] = [perRefit(t.paper.map((m) => m?.similarity)), perRefit(t.random)];
  const stability: Statistic = (d) => othersMean((r) => paper[r], d);
  const randomHead: Statistic = (d) => othersMean((r) => random[r], d);
  const [paperRanked, hungarianRanked] = [rankByCbar(t.paper), rankByCbar(t.hungarian)];
  return {
    "functional.stability": stability,
    "functional.null": randomHead,
    "functional.excess": (d) => stability(d) - randomHead(d),
    "functional.auc.paper": (d) => coverageArea(paperRanked, d),
    "functional.auc.hungarian": (d) => coverageArea(hungarianRanked, d),
  };
}

/** Per refit r >= 1 and anchor head i, at [r * n + i]: the paper match's similarity minus the random-head null. */
export function functionalExcess(t: FunctionalTables, nRefits: number, n: number): Float64Array {
  const out = new Float64Array(nRefits * n);
  for (let r = 1; r < nRefits; r++) for (let i = 0; i < n; i++) out[r * n + i] = t.paper[r].similarity[i] - t.random[r][i];
  return out;
}
