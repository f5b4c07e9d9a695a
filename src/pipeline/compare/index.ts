// The compare stage's composer: one cell's refits in, CellStats out (docs/metrics.md): the
// paper's anchor-based head, layer and cross-layer stability, commonness and extremes, then every
// metric of definitions.ts with its bootstrap interval, the untrained / probe-shuffled / uniform
// nulls, residual CKA, importance and weight-norm correlations, and "seeds needed". Pure maths:
// no tfjs, no file system. Patterns and residuals are read a layer at a time (pairs.ts,
// residualCka), so memory holds one layer of every refit, plus ~2 R N^2 doubles for one CKA layer.
import type { CellStats, Estimate } from "../artifacts/cell-stats.ts";
import { bootstrapReplicates, DEFAULT_RESAMPLES, identityDraw, percentileInterval, seedsNeeded, type BootstrapOptions, type Statistic } from "./bootstrap.ts";
import { KERNELS, pairwiseCka, type Kernel } from "./cka.ts";
import { NORM_NAMES } from "../model/config.ts";
import { SITES, type CellMetric, type LayerMetric, type Site } from "./definitions.ts";
import { layerExtremes } from "./extremes.ts";
import { headScores, inductionHeads, repeatRowTables, scoreTargets, type HeadScores, type RepeatRowTables } from "./induction.ts";
import { pairTables, type PairTables } from "./pairs.ts";
import type { PatternLayout, RefitPatterns } from "./patterns.ts";
import { crossLayerShare, headCrossLayerStability, headStability } from "./stability.ts";
import { cellStatistics, type CellStatistics, type StatisticsInput } from "./statistics.ts";
import { layerMeanAndStd, toLayerRows } from "./summary.ts";

export type { PatternLayout, RefitPatterns } from "./patterns.ts";

/** One refit's residual stream, read one site and layer at a time (from a capture file). */
export interface ResidualReader {
  dModel: number;
  /** resid_pre or resid_mid of layer l: [N, dModel] row-major, N = sum of probe lengths. */
  read(site: Site, layer: number): Float32Array;
}

/** One refit as the compare stage sees it (a capture file's contents). */
export interface RefitInput {
  seed: number;
  patterns: RefitPatterns;
  /** The residual stream; omit to skip CKA. */
  resid?: ResidualReader;
  /** Frobenius norms per layer, by weight name (W_Q, ... W_out). */
  norms?: Readonly<Partial<Record<(typeof NORM_NAMES)[number], ArrayLike<number>>>>;
  /** dPPL per zero-ablated head, flat [L * H]: the anchor's for importance, every refit's for importance.trendAllRefits. */
  dppl?: ArrayLike<number> | null;
  /** The probe tokens, concatenated (N = sum of probe lengths); omit to skip induction scores. */
  tokens?: Int32Array;
  /** Ablation fingerprints, flat [L * H * P]: each head's per-probe mean NLL change; omit to skip functional matching. */
  fingerprint?: ArrayLike<number> | null;
  /** Next-token log-probabilities, flat [N * V]; omit to skip output agreement. */
  logprobs?: ArrayLike<number> | null;
}

export interface CompareCellOptions {
  layout: PatternLayout;
  /** The cell's refits in seed order; refits[0] is the anchor. At least two. */
  refits: readonly RefitInput[];
  /** The same seeds captured before training (the untrained null); omit or null when absent. */
  untrained?: readonly RefitInput[] | null;
  /** Bootstrap resamples (default 1,000). */
  resamples?: number;
  /** PRNG seed words of the bootstrap; give each cell its own so cells resample independently. */
  bootstrapSeed?: readonly number[];
}

export interface CellComparison {
  stats: CellStats;
  /** Bootstrap replicates of the whole-cell metrics, kept (in memory only) for the suite's findings. */
  replicates: Partial<Record<CellMetric, Float64Array>>;
}

const errors = {
  tooFew: "compareCell: needs at least two refits (the anchor and one more)",
} as const;

/** Fewer refits leave the bootstrap nothing to resample; their intervals are left undefined. */
export const MIN_REFITS_FOR_INTERVALS = 3;

const finite = (x: number) => (Number.isFinite(x) ? x : null);

function prepare(layout: PatternLayout, refits: readonly RefitInput[], label: string, scope = { anchorOnly: false }): PairTables {
  return pairTables(layout, refits.map((r) => r.patterns), label, scope);
}

/** Pairwise CKA per layer for each kernel and site; empty when any refit lacks residuals. */
function residualCka(layout: PatternLayout, refits: readonly RefitInput[], kernels: readonly Kernel[]) {
  const out: Partial<Record<`${Kernel}.${Site}`, Float64Array[]>> = {};
  if (refits.some((r) => !r.resid)) return out;
  const n = layout.probeLengths.reduce((a, b) => a + b, 0);
  for (const site of SITES) {
    const byLayer = Array.from({ length: layout.nLayers }, (_, l) => pairwiseCka(refits.map((r) => ({ data: r.resid!.read(site, l), n, d: r.resid!.dModel })), kernels));
    for (const kernel of kernels) out[`${kernel}.${site}`] = byLayer.map((m) => m[kernel]!);
  }
  return out;
}

/** Norms stacked as [r * L + l] for each name every refit has. */
function stackNorms(refits: readonly RefitInput[], nLayers: number): StatisticsInput["norms"] {
  const out: StatisticsInput["norms"] = {};
  for (const name of NORM_NAMES) {
    if (!refits.every((r) => r.norms?.[name])) continue;
    out[name] = Float64Array.from({ length: refits.length * nLayers }, (_, i) => refits[Math.floor(i / nLayers)].norms![name]![i % nLayers]);
  }
  return out;
}

/**
 * What a cell's captures allow, decided once: every skip in the comparison and every note that
 * explains one are read from this record, so the two cannot drift apart.
 */
interface Allowed {
  /** The untrained twins, when they cover the same seeds as the refits. */
  untrained: { inputs: readonly RefitInput[]; tables: PairTables } | null;
  untrainedWhy: "none captured" | "other seeds" | null;
  /** The anchor's dPPL, when there are 3+ heads per layer (over 2 heads a correlation is always +-1). */
  anchorDppl: ArrayLike<number> | null;
  /** Every refit's dPPL, for importance.trendAllRefits; null unless all were ablated. */
  everyDppl: readonly ArrayLike<number>[] | null;
  residuals: boolean;
  /** Every refit's fingerprints, or null unless all have them. */
  fingerprints: readonly ArrayLike<number>[] | null;
  /** Every refit's log-probabilities, or null unless all have them. */
  logprobs: readonly ArrayLike<number>[] | null;
  induction: ReturnType<typeof inductionScores>;
  intervals: boolean;
}

function allowed(layout: PatternLayout, refits: readonly RefitInput[], init: readonly RefitInput[] | null): Allowed {
  const sameSeeds = init !== null && init.length === refits.length && init.every((u, i) => u.seed === refits[i].seed);
  // The untrained null is anchor-based: only the anchor's pairs are read.
  const untrained = sameSeeds ? { inputs: init, tables: prepare(layout, init, "untrained", { anchorOnly: true }) } : null;
  const anchorDppl = layout.nHeads >= 3 ? (refits[0].dppl ?? null) : null;
  return {
    untrained,
    untrainedWhy: untrained ? null : init ? "other seeds" : "none captured",
    anchorDppl,
    everyDppl: anchorDppl && refits.every((r) => r.dppl) ? refits.map((r) => r.dppl!) : null,
    residuals: refits.every((r) => r.resid),
    fingerprints: refits.every((r) => r.fingerprint) ? refits.map((r) => r.fingerprint!) : null,
    logprobs: refits.every((r) => r.logprobs) ? refits.map((r) => r.logprobs!) : null,
    induction: inductionScores(layout, refits),
    intervals: refits.length >= MIN_REFITS_FOR_INTERVALS,
  };
}

/** One note per metric family the captures left out, in a fixed order. */
function notesOf(a: Allowed, trained: PairTables, layout: PatternLayout, refits: readonly RefitInput[]): string[] {
  const notes: string[] = [];
  if (a.untrainedWhy === "other seeds") notes.push("untrained null left out: the untrained captures do not cover the same seeds");
  if (a.untrainedWhy === "none captured") notes.push("untrained null left out: no untrained captures");
  if (trained.shuffled === null) notes.push("probe-shuffled null left out: no two probes have the same length");
  else if (trained.shuffledProbes < layout.probeLengths.length) {
    notes.push(`probe-shuffled null uses ${trained.shuffledProbes} of ${layout.probeLengths.length} probes; the rest have no same-length partner`);
  }
  if (!a.intervals) notes.push(`no intervals: the bootstrap needs at least ${MIN_REFITS_FOR_INTERVALS} refits`);
  if (layout.nHeads < 3) notes.push("importance correlations left out: they need at least 3 heads per layer");
  else if (!refits[0].dppl) notes.push("importance left out: the anchor capture has no ablation.dppl");
  if (!a.residuals) notes.push("residual CKA left out: a capture has no residual stream");
  if (!a.fingerprints) notes.push("functional matching left out: a capture has no ablation fingerprints (ablation.nll)");
  if (!a.logprobs) notes.push("output agreement left out: a capture has no next-token log-probabilities (output.logprobs)");
  if (!a.induction) notes.push("induction scores left out: a capture has no probe tokens, or no probe repeats a token");
  return notes;
}

/** Where a statistic's estimate goes: a layer's metric or a whole-cell metric. */
type Slot = { layer: number; id: LayerMetric } | { layer: "cell"; id: CellMetric };

/** Every statistic on the same draws, folded back by its typed slot. */
function estimateAll(statistics: CellStatistics, nRefits: number, options: BootstrapOptions, intervals: boolean) {
  const slots: [Slot, Statistic][] = [
    ...statistics.layers.flatMap((s, l) => Object.entries(s).map(([id, f]): [Slot, Statistic] => [{ layer: l, id: id as LayerMetric }, f])),
    ...Object.entries(statistics.cell).map(([id, f]): [Slot, Statistic] => [{ layer: "cell", id: id as CellMetric }, f]),
  ];
  const observed = identityDraw(nRefits);
  const replicates = bootstrapReplicates(slots.map(([, f]) => f), nRefits, options);
  const estimates = statistics.layers.map((): Record<string, Estimate> => ({}));
  const cellEstimates: Record<string, Estimate> = {};
  const cellReplicates: CellComparison["replicates"] = {};
  slots.forEach(([slot, f], k) => {
    // With two refits every resample repeats one refit or one pair: no interval can be had.
    const [lo, hi] = intervals ? percentileInterval(replicates[k]) : [NaN, NaN];
    const estimate = { value: finite(f(observed)), lo: finite(lo), hi: finite(hi) };
    if (slot.layer !== "cell") estimates[slot.layer][slot.id] = estimate;
    else {
      cellEstimates[slot.id] = estimate;
      cellReplicates[slot.id] = intervals ? replicates[k] : replicates[k].map(() => NaN);
    }
  });
  return { estimates, cellEstimates, cellReplicates };
}

export function compareCell(options: CompareCellOptions): CellComparison {
  const { layout, refits } = options;
  if (refits.length < 2) throw new Error(errors.tooFew);
  const bootstrap = { resamples: options.resamples ?? DEFAULT_RESAMPLES, seed: [...(options.bootstrapSeed ?? [0])] };
  const trained = prepare(layout, refits, "refits");
  const a = allowed(layout, refits, options.untrained ?? null);
  const untrainedRbf = a.untrained ? residualCka(layout, a.untrained.inputs, ["rbf"]) : {};
  const statistics = cellStatistics({
    nLayers: layout.nLayers,
    nHeads: layout.nHeads,
    trained,
    untrained: a.untrained?.tables ?? null,
    cka: a.residuals ? residualCka(layout, refits, KERNELS) : {},
    untrainedCka: { resid_pre: untrainedRbf["rbf.resid_pre"], resid_mid: untrainedRbf["rbf.resid_mid"] },
    dppl: a.anchorDppl,
    dpplAll: a.everyDppl,
    norms: stackNorms(refits, layout.nLayers),
    scores: a.induction?.scores ?? null,
    repeatRows: a.induction?.repeatRows ?? null,
    fingerprints: a.fingerprints,
    logprobs: a.logprobs,
    probeLengths: layout.probeLengths,
  });
  const { estimates, cellEstimates, cellReplicates } = estimateAll(statistics, refits.length, bootstrap, a.intervals);
  const scores = a.induction?.scores ?? null;
  return {
    stats: {
      ...paperStats(layout, refits, trained),
      estimates,
      cellEstimates,
      bootstrap,
      seedsNeeded: seedsNeeded(statistics.layers.map((s) => s["stability.allPairs"]!), refits.length, bootstrap),
      headHungarianStability: toLayerRows(anchorMean(trained.matched, trained), layout),
      headImportance: refits[0].dppl ? toLayerRows(Float64Array.from(refits[0].dppl), layout) : null,
      headExcess: toLayerRows(anchorExcess(trained), layout),
      headInduction: scores ? toLayerRows(scores[0].induction, layout) : null,
      headPrevToken: scores ? toLayerRows(scores[0].prevToken, layout) : null,
      notes: notesOf(a, trained, layout, refits),
    },
    replicates: cellReplicates,
  };
}

/**
 * Induction and previous-token scores of every refit on the anchor's probe tokens, and every anchor
 * head compared on the repeat rows (null when the anchor has no induction head); null when tokens are absent.
 */
function inductionScores(layout: PatternLayout, refits: readonly RefitInput[]): { scores: HeadScores[]; repeatRows: RepeatRowTables | null } | null {
  const tokens = refits[0].tokens;
  if (!tokens || refits.some((r) => !r.tokens)) return null;
  const targets = scoreTargets(layout, tokens);
  if (targets.induction.length === 0) return null;
  const scores = refits.map((r, i) => headScores(layout, r.patterns, targets, i === 0 ? "anchor" : `refits[${i}]`));
  // Every head on the repeat rows, so the induction heads' excess there has the other heads' beside it.
  const every = Array.from({ length: layout.nLayers * layout.nHeads }, (_, i) => i);
  const repeatRows = inductionHeads(scores[0]).length > 0 ? repeatRowTables(layout, refits.map((r) => r.patterns), every, targets.repeatRows) : null;
  return { scores, repeatRows };
}

/** Per anchor head: S(l,h) minus the larger of its probe-shuffled and uniform nulls (observed values). */
function anchorExcess(t: PairTables): Float64Array {
  const stability = anchorMean(t.max, t);
  const shuffled = t.shuffled ? anchorMean(t.shuffled, t) : null;
  return stability.map((s, i) => s - Math.max(shuffled ? shuffled[i] : -Infinity, t.uniform[i]));
}

/** Mean over refits r >= 1 of table row (0, r): per-head anchor-based values, flat [L * H]. */
function anchorMean(table: Float64Array, t: PairTables): Float64Array {
  const n = t.nHeadsTotal;
  const out = new Float64Array(n);
  for (let r = 1; r < t.nRefits; r++) for (let i = 0; i < n; i++) out[i] += table[r * n + i] / (t.nRefits - 1);
  return out;
}

/** The paper's anchor-based statistics (the fields every CellStats has). */
function paperStats(layout: PatternLayout, refits: readonly RefitInput[], trained: PairTables): Omit<CellStats, "estimates"> {
  const matches = trained.anchorMatches;
  const stability = headStability(matches);
  const crossLayer = headCrossLayerStability(matches);
  const commonness = trained.commonness.subarray(0, trained.nHeadsTotal);
  const stabilityByLayer = layerMeanAndStd(stability, layout);
  const crossByLayer = layerMeanAndStd(crossLayer, layout);
  const commonnessByLayer = layerMeanAndStd(commonness, layout);
  const share = crossLayerShare(matches, layout);
  return {
    nLayers: layout.nLayers,
    nHeads: layout.nHeads,
    nRefits: refits.length,
    anchorSeed: refits[0].seed,
    layers: stabilityByLayer.map((s, l) => ({
      layer: l,
      stability: s.mean,
      stabilityStd: s.std,
      commonness: commonnessByLayer[l].mean,
      crossLayerStability: crossByLayer[l].mean,
      crossLayerStd: crossByLayer[l].std,
      crossLayerShare: share[l],
    })),
    headStability: toLayerRows(stability, layout),
    headCommonness: toLayerRows(commonness, layout),
    headCrossLayerStability: toLayerRows(crossLayer, layout),
    extremes: layerExtremes(stabilityByLayer.map((s) => s.mean)),
  };
}
