// The paper's five findings, Refit's known-answer induction control and its negative controls, as
// named statistics over a suite's cells or a whole version's, each with a 95% bootstrap interval and
// a verdict (docs/metrics.md "Findings" and "Findings as a skeptic reads them"). A finding's
// statistic is the MEAN of its parts (finding-parts.ts), so replicate b of the statistic is the mean
// of the parts' replicates b. A paper finding's headline is null-corrected over the units its rule
// admits; its raw statistic (the rule of version 2026-12-02.8, one part per cell) and the paper's own
// effect with the second test (paper.ts) stand beside it. Verdict: "supported" when the whole
// interval lies on the claimed side of the threshold, "not supported" when wholly on the other side,
// "inconclusive" when it straddles, "untestable" when no part exists.
import type { Estimate } from "../artifacts/cell-stats.ts";
import type { Finding } from "../artifacts/finding.ts";
import { percentileInterval } from "./bootstrap.ts";
import {
  allOf,
  bothSeeds,
  byDepth,
  byOptimizer,
  bySeedSource,
  cellUnit,
  clearsNulls,
  corpusIs,
  deepEnough,
  DEPTH,
  errors,
  modelSetUnits,
  naturalText,
  OPTIMIZER,
  perUnit,
  scoped,
  SEED_SOURCE,
  twins,
  type FindingsCell,
  type Part,
  type PartsOf,
} from "./finding-parts.ts";
import { PAPER_EFFECTS, secondTest } from "./paper.ts";

export type { FindingsCell } from "./finding-parts.ts";

type Spec = Pick<Finding, "id" | "claim" | "statistic" | "direction" | "threshold"> & {
  parts: PartsOf;
  none: string;
  /** The statistic of version 2026-12-02.8, over every cell, one part per cell. */
  raw?: { statistic: string; parts: PartsOf };
  /** Our like-for-like statistic for the paper's effect (paper.ts), over distinct sets of models. */
  paper?: PartsOf;
};

/** The paper's findings: natural text, each seed setting both the initialization and the data order. */
const paperModels = allOf(naturalText, bothSeeds);
const threeLayers = (u: { config: { model: { nLayers: number } } }) => (u.config.model.nLayers >= 3 ? null : "fewer than 3 layers");
const oneLayer = (u: { config: { model: { nLayers: number } } }) => (u.config.model.nLayers === 1 ? null : "not a 1-layer model");

export const FINDINGS: readonly Spec[] = [
  {
    id: "finding1",
    claim: "Mid-depth layers have the lowest head stability beyond the nulls.",
    statistic:
      "Mean over natural-text cells whose heads clear the informative nulls (meanExcess.informativeNull interval above 0) with L >= 3 of midDip.corrected = min over interior layers of C(l) minus min(C(first), C(last)), C(l) = (S - N) / (1 - N) the null-corrected stability.",
    direction: "<",
    threshold: 0,
    parts: perUnit("midDip.corrected", allOf(paperModels, clearsNulls), "fewer than 3 layers"),
    none: "no natural-text cell with 3 or more layers clears the informative nulls",
    raw: {
      statistic: "Mean over cells with L >= 3 of midDip = max(dipS, dipC), dipX = min over interior layers of X minus min(X(first), X(last)), X = stability.allPairs or commonness.allRefits.",
      parts: perUnit("midDip"),
    },
    paper: perUnit("minDepth.corrected", allOf(paperModels, clearsNulls, threeLayers)),
  },
  {
    id: "finding2",
    claim: "The stability gap beyond the nulls (most minus least stable layer) grows with depth.",
    statistic: "Mean over groups of natural-text cells that differ only in model.nLayers, every cell clearing the informative nulls, of gap.corrected(deepest) - gap.corrected(shallowest).",
    direction: ">",
    threshold: 0,
    parts: twins(DEPTH, "gap.corrected", byDepth, paperModels, clearsNulls),
    none: "no two natural-text cells that clear the nulls differ only in model.nLayers",
    raw: { statistic: "Mean over groups of cells that differ only in model.nLayers of gap.allPairs(deepest) - gap.allPairs(shallowest).", parts: twins(DEPTH, "gap.allPairs", byDepth) },
    paper: twins(DEPTH, "gap.allPairs", byDepth, paperModels),
  },
  {
    id: "finding3",
    claim: "The importance-stability correlation falls with depth (deeper unstable heads matter more).",
    statistic:
      "Mean over natural-text cells with L >= 4 of importance.trendAllRefits: each refit's OLS slope over relative depth of the per-layer Pearson r between its head dPPL and its S(l,h) over every other refit, averaged over refits.",
    direction: "<",
    threshold: 0,
    parts: perUnit("importance.trendAllRefits", allOf(paperModels, deepEnough), "not every refit has an ablation with a defined per-layer correlation in two layers"),
    none: "no natural-text cell with 4 or more layers has every refit ablated",
    raw: { statistic: "Mean over cells of importance.trend, the OLS slope over relative depth of the per-layer Pearson r between the anchor's head dPPL and S(l,h).", parts: perUnit("importance.trend") },
  },
  {
    id: "finding4",
    claim: "AdamW cells are more stable beyond the nulls than their Adam twins.",
    statistic:
      "Mean over natural-text twin pairs of meanCorrected(adamw, the largest weightDecay > 0) - meanCorrected(twin without decoupled decay: adamw with weightDecay 0, else adam with the lowest weightDecay), twins differing only in train.optimizer and train.weightDecay.",
    direction: ">",
    threshold: 0,
    parts: twins(OPTIMIZER, "meanCorrected", byOptimizer, paperModels),
    none: "no natural-text AdamW cell with weight decay has a twin without decoupled decay differing only in train.optimizer / train.weightDecay",
    raw: {
      statistic: "Mean over twin pairs of meanStability.allPairs(adamw, weightDecay > 0) - meanStability.allPairs(twin without decoupled decay).",
      parts: twins(OPTIMIZER, "meanStability.allPairs", byOptimizer),
    },
    paper: twins(OPTIMIZER, "meanStability.anchor", byOptimizer, paperModels),
  },
  {
    id: "finding5",
    claim: "The residual stream is more stable than the heads, each above its own floor.",
    statistic:
      "Mean over natural-text cells of residualMargin.corrected = mean over layers of (CKA - F) / (1 - F) minus mean over layers of C(l), CKA = cka.rbf.resid_mid and F its untrained-twin floor.",
    direction: ">",
    threshold: 0,
    parts: perUnit("residualMargin.corrected", paperModels, "no residual captures or no untrained twins"),
    none: "no natural-text cell has residual captures and untrained twins",
    raw: { statistic: "Mean over cells of residualMargin = min over layers of cka.rbf.resid_mid - stability.allPairs.", parts: perUnit("residualMargin") },
    paper: perUnit("residualMargin.layerMean", paperModels),
  },
  {
    id: "seedSources",
    claim: "Beyond the paper: varying only the initialization makes heads differ more, beyond the nulls, than varying only the data order.",
    statistic:
      "Mean over natural-text groups of cells that differ only in train.seedVaries, every cell clearing the informative nulls, of meanCorrected(data order only: the initialization fixed) - meanCorrected(initialization only: the data order fixed).",
    direction: ">",
    threshold: 0,
    parts: twins(SEED_SOURCE, "meanCorrected", bySeedSource, naturalText, clearsNulls),
    none: "no natural-text cells that clear the informative nulls differ only in train.seedVaries (suite seed-sources)",
  },
  ...INDUCTION_CONTROLS(),
  {
    id: "negativeNulls",
    claim: "Negative control: heads trained on text whose order was shuffled away agree no more than the informative nulls predict (within 0.02). If this fails, the method calls noise universal.",
    statistic: "Mean over cells trained on shuffled-brown of meanExcess.informativeNull; the control passes when the whole interval lies below 0.02.",
    direction: "<",
    threshold: 0.02,
    parts: scoped(corpusIs("shuffled-brown"), perUnit("meanExcess.informativeNull")),
    none: "no cell is trained on shuffled-brown",
  },
  {
    id: "negativeInduction",
    claim: "Negative control: a 1-layer model cannot form an induction head (it needs a previous-token head in an earlier layer), so no refit may have one.",
    statistic: "Mean over 1-layer cells with induction scores of induction.formed, the share of refits with a head scoring >= 0.4; the control passes when the whole interval lies below 0.01 (no refit formed one).",
    direction: "<",
    threshold: 0.01,
    parts: scoped(oneLayer, perUnit("induction.formed")),
    none: "no 1-layer cell has induction scores",
  },
];

function INDUCTION_CONTROLS(): Spec[] {
  const formedOnly = "over the refits that formed induction heads (induction.formed gives their share)";
  return [
    {
      id: "inductionControl",
      claim:
        "Known-answer control: induction heads are stable far beyond the nulls, clearing the larger of their own probe-shuffled and uniform nulls by more than 0.2. If this fails on the synthetic induction suite, the method or the code is wrong.",
      statistic: `Mean over cells with induction heads (anchor induction score >= 0.4) of induction.excess, the heads' stability minus the larger of their own probe-shuffled and uniform nulls, ${formedOnly}.`,
      direction: ">",
      threshold: 0.2,
      parts: perUnit("induction.excess"),
      none: "no cell has an anchor head with induction score >= 0.4",
    },
    {
      id: "inductionRank",
      claim: "Known-answer control: induction heads are the most stable heads beyond the nulls (their excess over the nulls is above the other heads').",
      statistic: `Mean over cells with induction heads of induction.excessGap, the induction heads' mean excess over their nulls minus the other heads' mean excess, ${formedOnly}.`,
      direction: ">",
      threshold: 0,
      parts: perUnit("induction.excessGap"),
      none: "no cell has both an anchor head with induction score >= 0.4 and a head without",
    },
    {
      id: "inductionRepeat",
      claim:
        "Known-answer control where the answer is known: on the repeat rows (query positions whose token occurred earlier in the probe), induction heads clear the larger of their own probe-shuffled and uniform nulls by more than 0.2.",
      statistic: `Mean over cells with induction heads of induction.repeatExcess, the heads' stability minus the larger of their own nulls, all read on the repeat rows only, ${formedOnly}.`,
      direction: ">",
      threshold: 0.2,
      parts: perUnit("induction.repeatExcess"),
      none: "no cell has an anchor head with induction score >= 0.4",
    },
    {
      id: "inductionRepeatRank",
      claim: "Known-answer control on the repeat rows: induction heads clear their nulls there by more than the other heads do on the same rows, so the row-restricted test is not passed by any head.",
      statistic: `Mean over cells with induction heads of induction.repeatExcessGap, the induction heads' repeat-row excess minus the other heads', ${formedOnly}.`,
      direction: ">",
      threshold: 0,
      parts: perUnit("induction.repeatExcessGap"),
      none: "no cell has both an anchor head with induction score >= 0.4 and a head without",
    },
  ];
}

function verdict(e: Estimate, direction: ">" | "<", threshold: number): Finding["verdict"] {
  if (e.lo === null || e.hi === null) return "inconclusive";
  const [above, below] = [e.lo > threshold, e.hi < threshold];
  if (direction === ">") return above ? "supported" : below ? "not supported" : "inconclusive";
  return below ? "supported" : above ? "not supported" : "inconclusive";
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? x : null);

function estimateOf(value: number, replicates: Float64Array): Estimate {
  const [lo, hi] = percentileInterval(replicates);
  return { value: finiteOrNull(value), lo: finiteOrNull(lo), hi: finiteOrNull(hi) };
}

/** The mean of the parts with its interval and verdict; null estimate without parts. */
function combine(parts: readonly Part[], spec: Pick<Spec, "direction" | "threshold">) {
  const shown = parts.map((p) => ({ cells: p.cells, estimate: estimateOf(p.value, p.replicates) }));
  if (parts.length === 0) return { estimate: null, verdict: "untestable" as const, parts: shown };
  const B = parts[0].replicates.length;
  if (parts.some((p) => p.replicates.length !== B)) throw new Error(errors.resamples);
  const mean = new Float64Array(B);
  for (const p of parts) p.replicates.forEach((v, b) => (mean[b] += v / parts.length));
  const estimate = estimateOf(parts.reduce((s, p) => s + p.value, 0) / parts.length, mean);
  return { estimate, verdict: verdict(estimate, spec.direction, spec.threshold), parts: shown };
}

const note = (n: number) => `${n} part(s), each a distinct set of models; 95% percentile bootstrap interval over refits`;

/** Evaluates every finding over the given cells (a suite's, or the unique cells of a version). */
export function evaluateFindings(cells: readonly FindingsCell[]): Finding[] {
  const units = modelSetUnits(cells);
  // The raw statistics keep the rule of 2026-12-02.8, which knew no seed-sources cell.
  const perCell = cells.map(cellUnit).filter((u) => bothSeeds(u) === null);
  return FINDINGS.map(({ parts: partsOf, none, raw, paper, ...spec }) => {
    const { parts, leftOut } = partsOf(units);
    const headline = combine(parts, spec);
    const finding: Finding = { ...spec, ...headline, note: parts.length === 0 ? none : note(parts.length), ...(leftOut.length > 0 ? { leftOut } : {}) };
    if (raw) {
      const rawParts = raw.parts(perCell).parts;
      const r = combine(rawParts, spec);
      finding.raw = { statistic: raw.statistic, estimate: r.estimate, verdict: r.verdict, parts: r.parts };
    }
    const effect = PAPER_EFFECTS[spec.id];
    if (effect && paper) {
      const ours = combine(paper(units).parts, spec).estimate;
      finding.paper = { statistic: effect.statistic, value: effect.value, ...(effect.range ? { range: effect.range } : {}), source: effect.source, estimate: ours, verdict: ours ? secondTest(ours, effect) : "untestable" };
    }
    return finding;
  });
}

/** One part per distinct cell of a version: a cell held by several suites counts once. */
export function uniqueCells(suites: readonly (readonly FindingsCell[])[]): FindingsCell[] {
  return [...new Map(suites.flat().map((c) => [c.cellId, c])).values()];
}
