// Every artifact format Refit writes, once, as zod schemas (JSON Schema is emitted from
// these). Each stage reads and writes through these types; see DESIGN.md "Artifacts".
import { z } from "zod";
import { CellConfigSchema } from "../suite/schema.ts";

/** Bump when any artifact format changes; it is part of every run ID, so stale results are never reused. */
export const SCHEMA_VERSION = 1;

export const BackendSchema = z.enum(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]);
export type BackendName = z.infer<typeof BackendSchema>;

/** Where and with what an artifact was made. */
export const ProvenanceSchema = z
  .object({
    refitVersion: z.string(),
    gitCommit: z.string().nullable(),
    node: z.string(),
    tfjs: z.string(),
    backend: BackendSchema,
    machine: z.object({ platform: z.string(), arch: z.string(), cpus: z.int(), cpuModel: z.string(), memGiB: z.number() }),
  })
  .strict();
export type Provenance = z.infer<typeof ProvenanceSchema>;

export const EvalPointSchema = z.object({ step: z.int(), tokens: z.int(), trainLoss: z.number(), heldOutLoss: z.number() }).strict();

/** One (cell, seed): written when training finishes or fails. */
export const RunRecordSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    kind: z.literal("refit.run"),
    runId: z.string(),
    seed: z.int(),
    dataSeed: z.int(),
    config: CellConfigSchema,
    status: z.enum(["finished", "failed"]),
    error: z.string().optional(),
    steps: z.int(),
    tokensSeen: z.int(),
    nParams: z.int(),
    finalTrainLoss: z.number().nullable(),
    heldOutLoss: z.number().nullable(),
    heldOutPerplexity: z.number().nullable(),
    curve: z.array(EvalPointSchema),
    timings: z.object({ trainSeconds: z.number(), tokensPerSecond: z.number(), resumedFromStep: z.int() }).strict(),
    provenance: ProvenanceSchema,
  })
  .strict();
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** `__metadata__` of capture.safetensors (all values are strings in the file; structured ones JSON-encoded). */
export const CaptureMetaSchema = z
  .object({
    format: z.literal("refit.capture"),
    version: z.literal(SCHEMA_VERSION),
    seed: z.int(),
    runId: z.string(),
    config: CellConfigSchema,
    probeSet: z.object({ id: z.string(), hash: z.string() }).strict(),
    probeLengths: z.array(z.int().min(1)),
    backend: BackendSchema,
  })
  .strict();
export type CaptureMeta = z.infer<typeof CaptureMetaSchema>;

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
  })
  .strict();
export type CellStats = z.infer<typeof CellStatsSchema>;

/** One run's line in a suite result. */
export const RunSummarySchema = z
  .object({
    runId: z.string(),
    seed: z.int(),
    status: z.enum(["finished", "failed"]),
    error: z.string().optional(),
    heldOutLoss: z.number().nullable(),
    heldOutPerplexity: z.number().nullable(),
    trainSeconds: z.number(),
    tokensPerSecond: z.number(),
  })
  .strict();

/** The result of `refit run` on one suite: every cell's runs and compare-stage statistics. */
export const SuiteResultSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    kind: z.literal("refit.results"),
    suite: z.object({ name: z.string(), description: z.string(), file: z.string(), hash: z.string(), seeds: z.int() }).strict(),
    probeSet: z.object({ id: z.string(), hash: z.string(), count: z.int() }).strict(),
    cells: z.array(
      z
        .object({
          cellId: z.string(),
          label: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
          config: CellConfigSchema,
          runs: z.array(RunSummarySchema),
          /** null when fewer than two refits (the anchor and one more) finished. */
          stats: CellStatsSchema.nullable(),
          error: z.string().optional(),
        })
        .strict(),
    ),
    timings: z.object({ wallSeconds: z.number(), trainedRuns: z.int(), cachedRuns: z.int() }).strict(),
    provenance: ProvenanceSchema,
  })
  .strict();
export type SuiteResult = z.infer<typeof SuiteResultSchema>;
