// The paper's five findings, and Refit's known-answer induction control, as named statistics of a suite, each with a 95% bootstrap interval and
// a verdict (docs/metrics.md "Findings"). A finding's suite statistic is the MEAN of its parts:
// per-cell values (findings 1, 3, 5) or per-twin-pair differences (findings 2, 4, between cells
// that differ only in depth / only in optimizer, on one probe set). Cells resample their refits
// independently, or alike where they share them (cells that differ only in probe set), so
// replicate b of the suite statistic is the mean of the parts' replicates b. Verdict: "supported"
// when the whole interval lies on the claimed side of the threshold, "not supported" when it lies
// wholly on the other side, "inconclusive" when it straddles, "untestable" when no part exists.
import { canonicalJson } from "../artifacts/hash.ts";
import type { CellStats, Estimate, Finding } from "../artifacts/schemas.ts";
import type { ModelConfig } from "../artifacts/suite.ts";
import { percentileInterval } from "./bootstrap.ts";
import type { CellMetric } from "./definitions.ts";

export interface FindingsCell {
  cellId: string;
  /** An external family's has no data or train section, so it is never an optimizer twin. */
  config: ModelConfig;
  /** The probe set's id, where a suite's cells may differ in it; twins share it. */
  probeSet?: string;
  stats: CellStats;
  replicates: Partial<Record<CellMetric, Float64Array>>;
}

interface Part {
  cells: string[];
  value: number;
  replicates: Float64Array;
}

type Spec = Pick<Finding, "id" | "claim" | "statistic" | "direction" | "threshold"> & { parts: (cells: readonly FindingsCell[]) => Part[]; none: string };

const errors = {
  resamples: "findings: cells were bootstrapped with different numbers of resamples",
} as const;

const valueOf = (c: FindingsCell, id: CellMetric) => c.stats.cellEstimates?.[id]?.value ?? null;

/** One part per cell that has `id`. */
function perCell(id: CellMetric): (cells: readonly FindingsCell[]) => Part[] {
  return (cells) =>
    cells.flatMap((c) => {
      const value = valueOf(c, id);
      const replicates = c.replicates[id];
      return value === null || !replicates ? [] : [{ cells: [c.cellId], value, replicates }];
    });
}

/**
 * Twin cells: same config and probe set except at `paths` (e.g. [["model", "nLayers"]]). For each group, `pick`
 * chooses (low, high) cells and the part is id(high) - id(low). Only cells with a training config
 * (Refit's refits) can be twins: for a family trained elsewhere, "differs only in X" is unknown.
 */
function twins(
  paths: readonly (readonly [keyof ModelConfig, string])[],
  id: CellMetric,
  pick: (group: FindingsCell[]) => [FindingsCell, FindingsCell] | null,
): (cells: readonly FindingsCell[]) => Part[] {
  return (cells) => {
    const groups = new Map<string, FindingsCell[]>();
    for (const c of cells) {
      if (!c.config.train) continue;
      const rest = structuredClone(c.config) as Record<string, Record<string, unknown>>;
      for (const [section, field] of paths) delete rest[section][field];
      const key = canonicalJson({ rest, probeSet: c.probeSet ?? null });
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
    return [...groups.values()].flatMap((group) => {
      const pair = pick(group);
      if (!pair) return [];
      const [low, high] = pair;
      const [a, b] = [valueOf(low, id), valueOf(high, id)];
      const [ra, rb] = [low.replicates[id], high.replicates[id]];
      if (a === null || b === null || !ra || !rb) return [];
      if (ra.length !== rb.length) throw new Error(errors.resamples);
      return [{ cells: [low.cellId, high.cellId], value: b - a, replicates: rb.map((v, i) => v - ra[i]) }];
    });
  };
}

const byDepth = (g: FindingsCell[]): [FindingsCell, FindingsCell] | null => {
  const sorted = [...g].sort((a, b) => a.config.model.nLayers - b.config.model.nLayers);
  return sorted.length >= 2 && sorted[0].config.model.nLayers < sorted.at(-1)!.config.model.nLayers ? [sorted[0], sorted.at(-1)!] : null;
};
// AdamW with weightDecay 0 takes exactly Adam's steps, so the "Adam twin" of a decayed AdamW cell is
// an adam cell or an undecayed adamw cell; an undecayed twin is preferred over Adam with L2 decay.
const decoupledDecay = (c: FindingsCell) => c.config.train?.optimizer === "adamw" && c.config.train.weightDecay > 0;
const byOptimizer = (g: FindingsCell[]): [FindingsCell, FindingsCell] | null => {
  const adamw = g.find(decoupledDecay);
  const plain = g.filter((c) => !decoupledDecay(c)).sort((a, b) => a.config.train!.weightDecay - b.config.train!.weightDecay);
  return adamw && plain.length > 0 ? [plain[0], adamw] : null;
};

export const FINDINGS: readonly Spec[] = [
  {
    id: "finding1",
    claim: "Mid-depth layers have the lowest head stability and the lowest commonness (most distinct heads).",
    statistic: "Mean over cells with L >= 3 of midDip = max(dipS, dipC), dipX = min over interior layers of X minus min(X(first), X(last)), X = stability.allPairs or commonness.allRefits.",
    direction: "<",
    threshold: 0,
    parts: perCell("midDip"),
    none: "no cell has 3 or more layers",
  },
  {
    id: "finding2",
    claim: "The stability gap (most minus least stable layer) grows with depth.",
    statistic: "Mean over groups of cells that differ only in model.nLayers of gap.allPairs(deepest) - gap.allPairs(shallowest).",
    direction: ">",
    threshold: 0,
    parts: twins([["model", "nLayers"]], "gap.allPairs", byDepth),
    none: "no two cells differ only in model.nLayers",
  },
  {
    id: "finding3",
    claim: "The importance-stability correlation falls with depth (deeper unstable heads matter more).",
    statistic: "Mean over cells of importance.trend, the OLS slope over relative depth of the per-layer Pearson r between head dPPL and S(l,h).",
    direction: "<",
    threshold: 0,
    parts: perCell("importance.trend"),
    none: "no cell has an ablated anchor with a defined per-layer correlation in two layers",
  },
  {
    id: "finding4",
    claim: "AdamW cells are more stable than their Adam twins.",
    statistic:
      "Mean over twin pairs of meanStability.allPairs(adamw, weightDecay > 0) - meanStability.allPairs(twin without decoupled decay), where twins differ only in train.optimizer and train.weightDecay and the twin is an adamw cell with weightDecay 0 (exactly Adam without decay) if present, else an adam cell (lowest weightDecay).",
    direction: ">",
    threshold: 0,
    parts: twins(
      [
        ["train", "optimizer"],
        ["train", "weightDecay"],
      ],
      "meanStability.allPairs",
      byOptimizer,
    ),
    none: "no AdamW cell with weight decay has a twin without decoupled decay (adam, or adamw with weightDecay 0) differing only in train.optimizer / train.weightDecay",
  },
  {
    id: "finding5",
    claim: "The residual stream is more stable than the heads, layer by layer.",
    statistic: "Mean over cells of residualMargin = min over layers of cka.rbf.resid_mid - stability.allPairs.",
    direction: ">",
    threshold: 0,
    parts: perCell("residualMargin"),
    none: "no cell has residual captures",
  },
  {
    id: "inductionControl",
    claim:
      "Known-answer control: induction heads are stable far beyond the nulls, clearing the larger of their own probe-shuffled and uniform nulls by more than 0.2. If this fails on the synthetic induction suite, the method or the code is wrong.",
    statistic: "Mean over cells with induction heads (anchor induction score >= 0.4) of induction.excess, the heads' stability minus the larger of their own probe-shuffled and uniform nulls, over the refits that formed induction heads (induction.formed gives their share).",
    direction: ">",
    threshold: 0.2,
    parts: perCell("induction.excess"),
    none: "no cell has an anchor head with induction score >= 0.4",
  },
  {
    id: "inductionRank",
    claim: "Known-answer control: induction heads are the most stable heads beyond the nulls (their excess over the nulls is above the other heads').",
    statistic: "Mean over cells with induction heads of induction.excessGap, the induction heads' mean excess over their nulls minus the other heads' mean excess, over the refits that formed induction heads.",
    direction: ">",
    threshold: 0,
    parts: perCell("induction.excessGap"),
    none: "no cell has both an anchor head with induction score >= 0.4 and a head without",
  },
  {
    id: "inductionRepeat",
    claim:
      "Known-answer control where the answer is known: on the repeat rows (query positions whose token occurred earlier in the probe), induction heads clear the larger of their own probe-shuffled and uniform nulls by more than 0.2.",
    statistic: "Mean over cells with induction heads of induction.repeatExcess, the heads' stability minus the larger of their own nulls, all read on the repeat rows only, over the refits that formed induction heads.",
    direction: ">",
    threshold: 0.2,
    parts: perCell("induction.repeatExcess"),
    none: "no cell has an anchor head with induction score >= 0.4",
  },
];

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

/** Evaluates the five findings over a suite's cells. */
export function evaluateFindings(cells: readonly FindingsCell[]): Finding[] {
  return FINDINGS.map(({ parts: partsOf, none, ...spec }) => {
    const parts = partsOf(cells);
    const shown = parts.map((p) => ({ cells: p.cells, estimate: estimateOf(p.value, p.replicates) }));
    if (parts.length === 0) return { ...spec, estimate: null, verdict: "untestable", parts: shown, note: none };
    const B = parts[0].replicates.length;
    if (parts.some((p) => p.replicates.length !== B)) throw new Error(errors.resamples);
    const mean = new Float64Array(B);
    for (const p of parts) p.replicates.forEach((v, b) => (mean[b] += v / parts.length));
    const estimate = estimateOf(parts.reduce((s, p) => s + p.value, 0) / parts.length, mean);
    const note = `${parts.length} part(s); 95% percentile bootstrap interval over refits`;
    return { ...spec, estimate, verdict: verdict(estimate, spec.direction, spec.threshold), parts: shown, note };
  });
}
