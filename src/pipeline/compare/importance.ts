// Head importance against head stability, and weight norms against layer stability
// (arXiv 2602.16740; docs/metrics.md). Importance is the capture's ablation.dppl: the rise in
// probe-set perplexity when one head's z is zeroed on the anchor refit. Per layer we correlate it
// with S(l,h) over heads; the trend is the OLS slope of that r over relative depth l/L (1-based),
// so cells of different depth share one scale. Weight norms are correlated with S(l) across layers.
import { kendallTau, pearson, slope } from "./correlation.ts";

/** Per-layer Pearson r and Kendall tau-b between dPPL(l, .) and S(l, .); NaN where undefined. */
export function importanceByLayer(
  dppl: ArrayLike<number>,
  stability: ArrayLike<number>,
  { nLayers, nHeads }: { nLayers: number; nHeads: number },
): { pearson: number[]; kendall: number[] } {
  const rows = (v: ArrayLike<number>, l: number) => Array.from({ length: nHeads }, (_, h) => v[l * nHeads + h]);
  const layers = Array.from({ length: nLayers }, (_, l) => l);
  return {
    pearson: layers.map((l) => pearson(rows(dppl, l), rows(stability, l))),
    kendall: layers.map((l) => kendallTau(rows(dppl, l), rows(stability, l))),
  };
}

/** OLS slope of per-layer r over relative depth (l + 1) / L; layers with an undefined r are skipped. */
export function depthTrend(byLayer: readonly number[]): number {
  const L = byLayer.length;
  return slope(
    byLayer.map((_, l) => (l + 1) / L),
    byLayer,
  );
}

/** Pearson r across layers between S(l) and a weight norm; NaN below 3 layers (2 points always give +-1). */
export function normCorrelation(stabilityByLayer: readonly number[], norm: ArrayLike<number>): number {
  return stabilityByLayer.length < 3 ? NaN : pearson(stabilityByLayer, norm);
}
