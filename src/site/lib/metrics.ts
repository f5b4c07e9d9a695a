// Metric definitions for the methodology page. The compare stage keeps each metric's stable ID
// and definition (compare/definitions.ts) and this module only adds the few terms the site shows
// that are not estimates of their own (cos, cbar, cross-layer stability, layer extremes).
import { CELL_METRICS, DEFINITIONS, LAYER_METRICS } from "#pipeline/compare/definitions.ts";

export interface MetricDefinition {
  id: string;
  definition: string;
  scope: "term" | "layer" | "cell";
}

const TERMS: readonly MetricDefinition[] = [
  { id: "cos", scope: "term", definition: "cos(x, y) = x·y / max(|x||y|, 1e-8), on the flattened lower triangle (diagonal included) of one head's attention pattern on one probe, BOS row and column included." },
  { id: "cbar", scope: "term", definition: "cbar(l,h,r,h'): the mean over probes of cos between anchor head (l,h) and head (l,h') of refit r; the mean over probes is taken before any maximum over heads." },
  { id: "crossLayerStability", scope: "term", definition: "As stability, with the maximum over every head of every layer of the other refit; the share of best matches landing in each layer shows where a head's counterpart lives." },
  { id: "extremes", scope: "term", definition: "The least and most stable layers, the gap max S(l) - min S(l), their relative depth l/L (l 1-based), and the largest drop min over l of S(l) - S(l-1)." },
];

export const METRICS: readonly MetricDefinition[] = [
  ...TERMS,
  ...LAYER_METRICS.map((id) => ({ id, scope: "layer" as const, definition: DEFINITIONS[id] })),
  ...CELL_METRICS.map((id) => ({ id, scope: "cell" as const, definition: DEFINITIONS[id] })),
];
