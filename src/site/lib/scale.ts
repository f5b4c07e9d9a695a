// The scale study, as the methodology page charts it: from the newest version that publishes a
// suite named `scale` (a grid over train.tokens, model.dModel and model.nLayers), each cell's mean
// excess over the informative nulls with its interval, one series per (nLayers, dModel).
import { newestSuite, type SiteContent, type SiteVersion } from "./content.ts";
import { summarizeCell } from "./stats.ts";

export const SCALE_SUITE = "scale";

export interface ScalePoint {
  /** "2 layers, d_model 64": one line per shape. */
  series: string;
  nLayers: number;
  dModel: number;
  tokens: number;
  cellId: string;
  excess: number;
  low: number | null;
  high: number | null;
}

export interface ScaleStudy {
  version: SiteVersion;
  points: ScalePoint[];
  /** Cells of the suite without an excess (no statistics, or a version without the nulls). */
  missing: number;
}

/** The newest version's scale study, or null when no version publishes one. */
export function scaleStudy(content: SiteContent): ScaleStudy | null {
  const newest = newestSuite(content, SCALE_SUITE);
  if (!newest) return null;
  const { version, suite } = newest;
  const { cells } = suite.result;
  const points = cells.flatMap((cell): ScalePoint[] => {
    const { excess, excessInterval } = summarizeCell(cell);
    const { model, train } = cell.config;
    if (excess === null || !train) return [];
    const { nLayers, dModel } = model;
    return [{ series: `${nLayers} ${nLayers === 1 ? "layer" : "layers"}, d_model ${dModel}`, nLayers, dModel, tokens: train.tokens, cellId: cell.cellId, excess, low: excessInterval?.[0] ?? null, high: excessInterval?.[1] ?? null }];
  });
  points.sort((a, b) => a.nLayers - b.nLayers || a.dModel - b.dModel || a.tokens - b.tokens);
  return { version, points, missing: cells.length - points.length };
}
