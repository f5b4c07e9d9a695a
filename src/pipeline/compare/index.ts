// The compare stage's composer: one cell's refits in, the paper's per-head and per-layer
// statistics out (CellStats, DESIGN.md "Metrics"). Non-anchor refits are consumed one at a
// time from an iterable and only their best matches are kept, so memory stays bounded by
// two refits' patterns however many seeds a cell has. Pure maths: no tfjs, no file system.
import type { CellStats } from "../artifacts/schemas.ts";
import { headCommonness } from "./commonness.ts";
import { cbarMatrix, preparePatterns } from "./cosine.ts";
import { layerExtremes } from "./extremes.ts";
import type { PatternLayout, RefitPatterns } from "./patterns.ts";
import { type BestMatches, bestMatches, crossLayerShare, headCrossLayerStability, headStability } from "./stability.ts";
import { layerMeanAndStd, toLayerRows } from "./summary.ts";

export type { PatternLayout, RefitPatterns } from "./patterns.ts";

export interface CompareCellOptions {
  layout: PatternLayout;
  /** The anchor refit (seed 0 in the paper): every head stability is measured from it. */
  anchor: RefitPatterns;
  /** Every other refit of the cell, in seed order; read once, lazily. */
  others: Iterable<RefitPatterns>;
  /** Seed of the anchor, recorded in the result. */
  anchorSeed: number;
}

const errors = {
  noOthers: "compareCell: `others` yielded no refits; stability needs at least one refit besides the anchor",
} as const;

/** Head and layer stability, cross-layer stability, commonness and extremes of one cell. */
export function compareCell(options: CompareCellOptions): CellStats {
  const { layout, anchorSeed } = options;
  const anchor = preparePatterns(layout, options.anchor, "anchor");
  const matches: BestMatches[] = [];
  let r = 0;
  for (const other of options.others) {
    const prepared = preparePatterns(layout, other, `others[${r}]`);
    matches.push(bestMatches(cbarMatrix(anchor, prepared), layout));
    r++;
  }
  if (matches.length === 0) throw new Error(errors.noOthers);

  const stability = headStability(matches);
  const crossLayer = headCrossLayerStability(matches);
  const commonness = headCommonness(anchor);
  const stabilityByLayer = layerMeanAndStd(stability, layout);
  const crossByLayer = layerMeanAndStd(crossLayer, layout);
  const commonnessByLayer = layerMeanAndStd(commonness, layout);
  const share = crossLayerShare(matches, layout);

  return {
    nLayers: layout.nLayers,
    nHeads: layout.nHeads,
    nRefits: matches.length + 1,
    anchorSeed,
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
