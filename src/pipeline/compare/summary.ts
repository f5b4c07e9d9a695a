// Per-layer summaries of per-head values (docs/metrics.md): the layer value is the mean
// over heads and its band is the sample std over heads (ddof = 1, as the paper reports it).
// Per-head values arrive flat ([L * H], i = l * H + h) and leave as [layer][head] rows.
import type { PatternLayout } from "./patterns.ts";

/** Mean and sample std (ddof = 1; 0 for a single value), in float64. */
export function meanAndStd(values: ArrayLike<number>): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) throw new Error("meanAndStd: no values");
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i];
  const mean = sum / n;
  if (n === 1) return { mean, std: 0 };
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (values[i] - mean) ** 2;
  return { mean, std: Math.sqrt(sq / (n - 1)) };
}

/** Splits flat per-head values into [layer][head] rows of plain numbers. */
export function toLayerRows(values: Float64Array, layout: PatternLayout): number[][] {
  const { nLayers, nHeads } = layout;
  return Array.from({ length: nLayers }, (_, l) => Array.from(values.subarray(l * nHeads, (l + 1) * nHeads)));
}

/** Mean and std over heads for each layer. */
export function layerMeanAndStd(values: Float64Array, layout: PatternLayout): { mean: number; std: number }[] {
  return toLayerRows(values, layout).map(meanAndStd);
}
