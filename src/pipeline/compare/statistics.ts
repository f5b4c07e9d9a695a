// Every metric of definitions.ts as a Statistic: a function of a draw of refits (bootstrap.ts).
// The observed value is the statistic of the identity draw, and its interval comes from the same
// function on resampled draws, so point estimates and intervals can never disagree on a formula.
// Anchor-based metrics average over draw.others, all-pairs metrics over pairs of draw.all.
import { othersMean, pairsMean, refitsMean, type Draw, type Statistic } from "./bootstrap.ts";
import type { Kernel } from "./cka.ts";
import { NORM_NAMES } from "../model/config.ts";
import { SITES, type CellMetric, type LayerMetric, type Site } from "./definitions.ts";
import { depthTrend, importanceByLayer, normCorrelation } from "./importance.ts";
import { inductionHeads, type HeadScores, type RepeatRowTables } from "./induction.ts";
import type { PairTables } from "./pairs.ts";
import { attentionExcess, shareClearing } from "./universal.ts";
import { functionalExcess, functionalStatistics, functionalTables } from "./functional.ts";
import { outputStatistics } from "./output.ts";

export interface StatisticsInput {
  nLayers: number;
  nHeads: number;
  trained: PairTables;
  /** Tables of the untrained refits, same seeds in the same order; null when not captured. */
  untrained: PairTables | null;
  /** cka[`${kernel}.${site}`][l]: [R, R] pairwise CKA; absent when residuals were not given. */
  cka: Partial<Record<`${Kernel}.${Site}`, Float64Array[]>>;
  /** untrainedCka[site][l]: RBF CKA of the untrained refits. */
  untrainedCka: Partial<Record<Site, Float64Array[]>>;
  /** Anchor dPPL, flat [L * H]; null when the anchor capture has no ablation. */
  dppl: ArrayLike<number> | null;
  /** Every refit's dPPL in refit order (flat [L * H] each); null unless every refit was ablated. */
  dpplAll: readonly ArrayLike<number>[] | null;
  /** norms[name][r * L + l]; names absent from any refit are left out. */
  norms: Partial<Record<(typeof NORM_NAMES)[number], Float64Array>>;
  /** Induction and previous-token scores of every refit, in refit order; null when probe tokens are absent. */
  scores: readonly HeadScores[] | null;
  /** Every anchor head compared on the repeat rows only; null when the anchor has no induction head. */
  repeatRows: RepeatRowTables | null;
  /** Every refit's ablation fingerprints (flat [L * H * P]) in refit order; null unless every refit has them. */
  fingerprints: readonly ArrayLike<number>[] | null;
  /** Every refit's next-token log-probabilities (flat [N * V]) in refit order; null unless every refit has them. */
  logprobs: readonly ArrayLike<number>[] | null;
  probeLengths: readonly number[];
}

export interface CellStatistics {
  layers: Partial<Record<LayerMetric, Statistic>>[];
  cell: Partial<Record<CellMetric, Statistic>>;
}

const minOf = (xs: number[]) => Math.min(...xs);

export function cellStatistics(input: StatisticsInput): CellStatistics {
  const shared = sharedStatistics(input);
  return { layers: shared.layers.map((l) => layerStatistics(input, shared, l)), cell: wholeCellStatistics(input, shared) };
}

/** Table means as statistics, and the per-layer statistics that several metrics build on. */
function sharedStatistics(input: StatisticsInput) {
  const { nLayers: L, nHeads: H, trained: T, untrained: U } = input;
  const R = T.nRefits;
  const n = L * H;
  const layers = Array.from({ length: L }, (_, l) => l);
  /** Mean over heads of layer l of table row (a, r). */
  const headMean = (table: Float64Array, a: number, r: number, l: number) => {
    let s = 0;
    for (let h = 0; h < H; h++) s += table[(a * R + r) * n + l * H + h];
    return s / H;
  };
  const perRefitMean = (table: Float64Array, a: number, l: number) => {
    let s = 0;
    for (let h = 0; h < H; h++) s += table[a * n + l * H + h];
    return s / H;
  };
  const anchorBased = (table: Float64Array, l: number): Statistic => (d) => othersMean((r) => headMean(table, 0, r, l), d);
  // Bootstrap statistics run for every resample, so each pair's head mean is computed once here.
  const allPairs = (table: Float64Array, l: number): Statistic => {
    const means = Float64Array.from({ length: R * R }, (_, i) => headMean(table, Math.floor(i / R), i % R, l));
    return (d) => pairsMean(means, R, d);
  };
  const pairMatrix = (m: Float64Array, withSelf = false): Statistic => (d) => pairsMean(m, R, d, withSelf);

  const stabilityAll = layers.map((l) => allPairs(T.max, l));
  const commonAll = layers.map((l): Statistic => (d) => refitsMean((a) => perRefitMean(T.commonness, a, l), d));
  const nulls = layers.map((l) => ({
    untrained: U ? anchorBased(U.max, l) : null,
    probeShuffled: T.shuffled ? anchorBased(T.shuffled, l) : null,
    uniform: ((): Statistic => () => perRefitMean(T.uniform, 0, l))(),
  }));
  // S(l,h) on the anchor for a draw of the other refits, for the importance correlations.
  const headStability = (d: Draw) => Float64Array.from({ length: n }, (_, i) => othersMean((r) => T.max[r * n + i], d));
  const importance = (d: Draw) => importanceByLayer(input.dppl!, headStability(d), { nLayers: L, nHeads: H });
  // The nulls a trained head can beat: the untrained twin is near-uniform attention, which scores
  // near 1 against any diffuse head, so only the probe-shuffled and uniform nulls enter the headline.
  const stabilityAnchor = layers.map((l) => anchorBased(T.max, l));
  const informativeNull = layers.map((l): Statistic => {
    const beatable = [nulls[l].probeShuffled, nulls[l].uniform].filter((x): x is Statistic => x !== null);
    return (d) => Math.max(...beatable.map((f) => f(d)));
  });
  const informativeExcess = layers.map((l): Statistic => (d) => stabilityAnchor[l](d) - informativeNull[l](d));
  // docs/metrics.md "Findings as a skeptic reads them": 0 is what the nulls explain, 1 identical heads.
  const corrected = layers.map((l): Statistic => (d) => {
    const n = informativeNull[l](d);
    return (stabilityAnchor[l](d) - n) / (1 - n);
  });

  return { L, H, layers, perRefitMean, anchorBased, allPairs, pairMatrix, stabilityAll, stabilityAnchor, commonAll, nulls, importance, informativeExcess, corrected };
}
type Shared = ReturnType<typeof sharedStatistics>;

/** Every per-layer metric of layer l that the input allows. */
function layerStatistics(input: StatisticsInput, shared: Shared, l: number): Partial<Record<LayerMetric, Statistic>> {
  const { H, perRefitMean, anchorBased, allPairs, pairMatrix, stabilityAll, commonAll, nulls, importance, informativeExcess } = shared;
  const { trained: T, scores } = input;
  const stability = anchorBased(T.max, l);
  const s: Partial<Record<LayerMetric, Statistic>> = {
    stability,
    "stability.allPairs": stabilityAll[l],
    "stability.hungarian": anchorBased(T.matched, l),
    "stability.hungarianAllPairs": allPairs(T.matched, l),
    commonness: () => perRefitMean(T.commonness, 0, l),
    "commonness.allRefits": commonAll[l],
    "null.uniform": nulls[l].uniform,
    "excess.uniform": (d) => stability(d) - nulls[l].uniform(d),
  };
  const available = [nulls[l].untrained, nulls[l].probeShuffled, nulls[l].uniform].filter((x): x is Statistic => x !== null);
  s["excess.maxNull"] = (d) => stability(d) - Math.max(...available.map((f) => f(d)));
  s["excess.informativeNull"] = informativeExcess[l];
  s["stability.nullCorrected"] = shared.corrected[l];
  if (scores) s["induction.max"] = (d) => refitsMean((a) => Math.max(...scores[a].induction.subarray(l * H, (l + 1) * H)), d);
  const untrained = nulls[l].untrained;
  if (untrained) {
    s["null.untrained"] = untrained;
    s["excess.untrained"] = (d) => stability(d) - untrained(d);
  }
  const shuffled = nulls[l].probeShuffled;
  if (shuffled) {
    s["null.probeShuffled"] = shuffled;
    s["excess.probeShuffled"] = (d) => stability(d) - shuffled(d);
  }
  for (const site of SITES) {
    const rbf = input.cka[`rbf.${site}`];
    if (rbf) {
      s[`cka.rbf.${site}`] = pairMatrix(rbf[l]);
      s[`cka.rbf.${site}.withSelf`] = pairMatrix(rbf[l], true);
    }
    const linear = input.cka[`linear.${site}`];
    if (linear) s[`cka.linear.${site}`] = pairMatrix(linear[l]);
    const debiased = input.cka[`linearDebiased.${site}`];
    if (debiased) s[`cka.linearDebiased.${site}`] = pairMatrix(debiased[l]);
    const init = input.untrainedCka[site];
    if (init) s[`null.untrained.cka.rbf.${site}`] = pairMatrix(init[l]);
  }
  if (input.dppl) {
    s["importance.pearson"] = (d) => importance(d).pearson[l];
    s["importance.kendall"] = (d) => importance(d).kendall[l];
  }
  return s;
}

/** Every whole-cell metric that the input allows. */
function wholeCellStatistics(input: StatisticsInput, shared: Shared): Partial<Record<CellMetric, Statistic>> {
  const { L, layers, pairMatrix, stabilityAll, commonAll, importance, informativeExcess } = shared;
  const ckaMid = input.cka["rbf.resid_mid"];
  // Several cell statistics read the layer profile of the same draw: compute it once per draw.
  let lastProfile: { draw: Draw; values: number[] } | null = null;
  const profile = (d: Draw): readonly number[] => {
    if (lastProfile?.draw !== d) lastProfile = { draw: d, values: stabilityAll.map((f) => f(d)) };
    return lastProfile.values;
  };
  const cell: Partial<Record<CellMetric, Statistic>> = {
    "meanStability.allPairs": (d) => profile(d).reduce((a, b) => a + b, 0) / L,
    "gap.allPairs": (d) => {
      const p = profile(d);
      return Math.max(...p) - Math.min(...p);
    },
  };
  cell["meanExcess.informativeNull"] = (d) => informativeExcess.reduce((a, f) => a + f(d), 0) / L;
  Object.assign(cell, beyondPaperStatistics(input));
  Object.assign(cell, inductionControl(input), correctedStatistics(input, shared));
  if (L >= 3) {
    const dip = (v: readonly number[]) => minOf(v.slice(1, -1)) - Math.min(v[0], v[L - 1]);
    cell.midDip = (d) => Math.max(dip(profile(d)), dip(commonAll.map((f) => f(d))));
  }
  if (ckaMid) cell.residualMargin = (d) => minOf(layers.map((l) => pairMatrix(ckaMid[l])(d) - profile(d)[l]));
  if (input.dppl) cell["importance.trend"] = (d) => depthTrend(importance(d).pearson);
  if (input.dpplAll) cell["importance.trendAllRefits"] = trendAllRefits(input, input.dpplAll);
  for (const name of NORM_NAMES) {
    const norm = input.norms[name];
    if (!norm || L < 3) continue;
    cell[`weightNorm.${name}`] = (d) => normCorrelation(profile(d), layers.map((l) => refitsMean((r) => norm[r * L + l], d)));
  }
  return cell;
}

const meanOf = (v: readonly number[]) => v.reduce((a, b) => a + b, 0) / v.length;
/** Relative depth (l + 1) / L of the lowest value (the first, on ties). */
const minDepth = (v: readonly number[]) => (v.indexOf(Math.min(...v)) + 1) / v.length;

/**
 * The null-corrected statistics of the findings' headlines and the paper's raw comparisons
 * (docs/metrics.md "Findings as a skeptic reads them"). The profile C(l) is computed once per draw.
 */
function correctedStatistics(input: StatisticsInput, shared: Shared): Partial<Record<CellMetric, Statistic>> {
  const { L, layers, corrected, stabilityAnchor, pairMatrix } = shared;
  let last: { draw: Draw; values: number[] } | null = null;
  const profile = (d: Draw): number[] => {
    if (last?.draw !== d) last = { draw: d, values: corrected.map((f) => f(d)) };
    return last.values;
  };
  const anchorProfile = (d: Draw) => stabilityAnchor.map((f) => f(d));
  const out: Partial<Record<CellMetric, Statistic>> = {
    meanCorrected: (d) => meanOf(profile(d)),
    "gap.corrected": (d) => Math.max(...profile(d)) - Math.min(...profile(d)),
    "minDepth.corrected": (d) => minDepth(profile(d)),
    minDepth: (d) => minDepth(anchorProfile(d)),
    "meanStability.anchor": (d) => meanOf(anchorProfile(d)),
  };
  if (L >= 3) out["midDip.corrected"] = (d) => minOf(profile(d).slice(1, -1)) - Math.min(profile(d)[0], profile(d)[L - 1]);
  const cka = input.cka["rbf.resid_mid"];
  if (!cka) return out;
  out["residualMargin.layerMean"] = (d) => meanOf(layers.map((l) => pairMatrix(cka[l])(d))) - meanOf(anchorProfile(d));
  const floor = input.untrainedCka.resid_mid;
  if (floor) {
    const k = (l: number, d: Draw) => {
      const f = pairMatrix(floor[l])(d);
      return (pairMatrix(cka[l])(d) - f) / (1 - f);
    };
    out["residualMargin.corrected"] = (d) => meanOf(layers.map((l) => k(l, d))) - meanOf(profile(d));
  }
  return out;
}

/** The statistics of docs/metrics.md "Past the paper": universal heads, functional matching, output agreement. */
function beyondPaperStatistics(input: StatisticsInput): Partial<Record<CellMetric, Statistic>> {
  const { trained: T, nLayers: L, nHeads: H } = input;
  const n = L * H;
  const attention = attentionExcess(T);
  const out: Partial<Record<CellMetric, Statistic>> = { "universal.share": shareClearing([attention], n) };
  if (input.fingerprints) {
    const tables = functionalTables({ nLayers: L, nHeads: H, fingerprints: input.fingerprints, anchorCbar: T.anchorCbar });
    Object.assign(out, functionalStatistics(tables));
    out["universal.shareFunctional"] = shareClearing([attention, functionalExcess(tables, T.nRefits, n)], n);
  }
  if (input.logprobs) {
    const headStability = (r: number) => meanOf(Array.from(T.max.subarray(r * n, (r + 1) * n)));
    Object.assign(out, outputStatistics(input.logprobs, input.probeLengths, headStability));
  }
  return out;
}

/**
 * importance.trendAllRefits: each refit's importance trend from its own ablation against its own
 * S(l,h), taken over every other refit; the bootstrap resamples which refits enter the mean, so the
 * interval sees other anchors than seed 0. Refits whose trend is undefined are skipped.
 */
function trendAllRefits(input: StatisticsInput, dppl: readonly ArrayLike<number>[]): Statistic {
  const { nLayers: L, nHeads: H, trained: T } = input;
  const R = T.nRefits;
  const n = L * H;
  const trends = dppl.map((own, a) => {
    const stability = Float64Array.from({ length: n }, (_, i) => {
      let sum = 0;
      for (let r = 0; r < R; r++) if (r !== a) sum += T.max[(a * R + r) * n + i];
      return sum / (R - 1);
    });
    return depthTrend(importanceByLayer(own, stability, { nLayers: L, nHeads: H }).pearson);
  });
  return (d) => {
    const defined = [...d.all].filter((r) => Number.isFinite(trends[r]));
    return defined.length === 0 ? NaN : meanOf(defined.map((r) => trends[r]));
  };
}

/**
 * The induction control's statistics. induction.formed is the share of refits with an induction head.
 * The rest compare the anchor's induction heads only with the other refits that formed one: a seed
 * whose training found another solution has no induction head to match, so it says nothing about
 * whether the method recognises the circuit (its failure shows in induction.formed and in the plain
 * stability metrics). Per anchor head, S(l,h) minus the larger of its probe-shuffled and uniform
 * nulls, both over those refits; induction.excess is its mean over the anchor's induction heads,
 * induction.excessGap that mean minus the mean over every other head (when one is left);
 * induction.repeatExcess is induction.excess with stability and nulls read on the repeat rows only.
 * Only induction.formed is defined when no anchor head reaches INDUCTION_THRESHOLD.
 */
function inductionControl({ trained: T, scores, repeatRows }: StatisticsInput): Partial<Record<CellMetric, Statistic>> {
  if (!scores) return {};
  const formed = scores.map((s) => inductionHeads(s).length > 0);
  const out: Partial<Record<CellMetric, Statistic>> = { "induction.formed": (d) => refitsMean((r) => (formed[r] ? 1 : 0), d) };
  const n = T.nHeadsTotal;
  const inducting = inductionHeads(scores[0]);
  if (inducting.length === 0) return out;
  const rest = Array.from({ length: n }, (_, i) => i).filter((i) => !inducting.includes(i));
  // A resample that drew no other refit with the circuit falls back to all of them: the excess
  // then counts the seeds without it, which can only lower it.
  const formedMean = (value: (r: number) => number, d: Draw) => {
    const others = d.others.filter((r) => formed[r]);
    return others.length > 0 ? othersMean(value, { ...d, others }) : othersMean(value, d);
  };
  const headExcess = (i: number, d: Draw) => {
    const s = formedMean((r) => T.max[r * n + i], d);
    const shuffled = T.shuffled ? formedMean((r) => T.shuffled![r * n + i], d) : -Infinity;
    return s - Math.max(shuffled, T.uniform[i]);
  };
  const meanExcess = (heads: number[], d: Draw) => heads.reduce((a, i) => a + headExcess(i, d), 0) / heads.length;
  if (rest.length > 0) {
    out["induction.excess"] = (d) => meanExcess(inducting, d);
    out["induction.excessGap"] = (d) => meanExcess(inducting, d) - meanExcess(rest, d);
  }
  if (repeatRows) {
    const { max, shuffled, uniform, heads } = repeatRows;
    const m = heads.length;
    const repeatExcess = (k: number, d: Draw) =>
      formedMean((r) => max[r * m + k], d) - Math.max(shuffled ? formedMean((r) => shuffled[r * m + k], d) : -Infinity, uniform[k]);
    const positions = (wanted: (i: number) => boolean) => heads.flatMap((i, k) => (wanted(i) ? [k] : []));
    const [own, others] = [positions((i) => inducting.includes(i)), positions((i) => !inducting.includes(i))];
    const mean = (ks: number[], d: Draw) => ks.reduce((a, k) => a + repeatExcess(k, d), 0) / ks.length;
    out["induction.repeatExcess"] = (d) => mean(own, d);
    if (others.length > 0) out["induction.repeatExcessGap"] = (d) => mean(own, d) - mean(others, d);
  }
  return out;
}
