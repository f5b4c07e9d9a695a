// CellStats, the compare stage's output for one cell (docs/formats.md "Results"), and the
// estimates, layer summaries and extremes it is made of; suite and compare results embed it.
// metrics.md defines every value.
import { z } from "zod";

/** Per-layer summary of one cell's refits; layers 0-based here, 1-based when shown. */
export const LayerStatsSchema = z
  .object({
    layer: z.int(),
    /** S(l): mean over heads of head stability. */
    stability: z.number(),
    /** Std over heads of S(l,h), ddof = 1 (0 when the layer has one head). */
    stabilityStd: z.number(),
    /** Mean over heads of C(l,h); distinctness = 1 - commonness. */
    commonness: z.number(),
    /** As stability, but each head's best match may lie in any layer. */
    crossLayerStability: z.number(),
    crossLayerStd: z.number(),
    /** Share of this layer's best cross-layer matches landing in each layer l' (sums to 1). */
    crossLayerShare: z.array(z.number()),
  })
  .strict();
export type LayerStats = z.infer<typeof LayerStatsSchema>;

/** Layer extremes of S(l); relative depth is l / L with l 1-based. */
export const ExtremesSchema = z
  .object({
    minLayer: z.int(),
    maxLayer: z.int(),
    min: z.number(),
    max: z.number(),
    gap: z.number(),
    minRelativeDepth: z.number(),
    maxRelativeDepth: z.number(),
    /** min over l >= 1 of S(l) - S(l-1) (null for a one-layer model), and the layer l where it happens. */
    largestDrop: z.number().nullable(),
    largestDropLayer: z.int().nullable(),
  })
  .strict();
export type Extremes = z.infer<typeof ExtremesSchema>;

/** A statistic with its 95% bootstrap interval; null where the statistic is undefined (e.g. a constant input). */
export const EstimateSchema = z.object({ value: z.number().nullable(), lo: z.number().nullable(), hi: z.number().nullable() }).strict();
export type Estimate = z.infer<typeof EstimateSchema>;

/** Interval half-width of the widest layer's all-pairs stability as a function of the number of refits. */
export const SeedsNeededSchema = z
  .object({
    points: z.array(z.object({ refits: z.int(), halfWidth: z.number() }).strict()),
    /** c in half-width = c / sqrt(refits), least squares over the points. */
    coefficient: z.number(),
    forHalfWidth: z.array(z.object({ halfWidth: z.number(), refits: z.int() }).strict()),
  })
  .strict();

/** The compare stage's output for one cell. Per-head arrays are [layer][head]. */
export const CellStatsSchema = z
  .object({
    nLayers: z.int(),
    nHeads: z.int(),
    nRefits: z.int(),
    anchorSeed: z.int(),
    layers: z.array(LayerStatsSchema),
    headStability: z.array(z.array(z.number())),
    headCommonness: z.array(z.array(z.number())),
    headCrossLayerStability: z.array(z.array(z.number())),
    extremes: ExtremesSchema,
    /** Per layer, metric ID (compare/definitions.ts) -> estimate with interval. Absent in older results. */
    estimates: z.array(z.record(z.string(), EstimateSchema)).optional(),
    /** Whole-cell metric ID -> estimate with interval. */
    cellEstimates: z.record(z.string(), EstimateSchema).optional(),
    bootstrap: z.object({ resamples: z.int(), seed: z.array(z.int()) }).strict().optional(),
    seedsNeeded: SeedsNeededSchema.nullable().optional(),
    /** One-to-one (Hungarian) head stability on the anchor. */
    headHungarianStability: z.array(z.array(z.number())).optional(),
    /** dPPL of each zero-ablated anchor head; null when the anchor capture has no ablation. */
    headImportance: z.array(z.array(z.number())).nullable().optional(),
    /** Per anchor head, S(l,h) minus the larger of its probe-shuffled and uniform nulls. */
    headExcess: z.array(z.array(z.number())).optional(),
    /** Induction score of each anchor head (compare/induction.ts); null when the probes repeat no token. */
    headInduction: z.array(z.array(z.number())).nullable().optional(),
    /** Previous-token score of each anchor head; null with headInduction. */
    headPrevToken: z.array(z.array(z.number())).nullable().optional(),
    /** What was left out and why (e.g. probes without a same-length partner). */
    notes: z.array(z.string()).optional(),
  })
  .strict();
export type CellStats = z.infer<typeof CellStatsSchema>;
