// The suite result, what `refit run` writes for one suite (docs/formats.md "Results"): every
// cell's config, runs and CellStats, then the findings, timings and provenance. A published suite
// (published-suite.ts) extends it.
import { z } from "zod";
import { ExternalSourceSchema } from "./capture-meta.ts";
import { CellStatsSchema } from "./cell-stats.ts";
import { ProvenanceSchema, SCHEMA_VERSION } from "./conventions.ts";
import { FindingSchema } from "./finding.ts";
import { RecordedModelSchema } from "./suite.ts";

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

/** A cell of models trained elsewhere (a suite's `models`): the family and each seed's weights. */
export const FamilyInfoSchema = z
  .object({
    name: z.string().min(1),
    description: z.string(),
    /** What tokenized the probe texts for these models. */
    tokenizer: z.string().min(1),
    /** One per captured checkpoint, by seed; the lowest seed is the anchor. */
    models: z.array(z.object({ seed: z.int(), source: ExternalSourceSchema }).strict()).min(2),
  })
  .strict();

/**
 * A trained cell states its whole config (data and train too) and its runs; a family's cell states
 * the architecture only, since Refit never saw how it was trained, and has no runs.
 */
export function checkCellKind(cell: { config: { data?: unknown; train?: unknown }; family?: unknown; runs: unknown[] }, ctx: z.RefinementCtx): void {
  const issue = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
  if (cell.family === undefined && (cell.config.data === undefined || cell.config.train === undefined)) issue(["config"], "a trained cell states its data and train config");
  if (cell.family !== undefined && cell.config.train !== undefined) issue(["config", "train"], "a family trained elsewhere has no Refit training config");
  if (cell.family !== undefined && cell.runs.length > 0) issue(["runs"], "a family trained elsewhere has no Refit runs");
}

/** A probe set as a result records it: its id, the SHA-256 of its file and its number of probes. */
const ProbeSetSummarySchema = z.object({ id: z.string(), hash: z.string(), count: z.int() }).strict();

export const SuiteCellObject = z
  .object({
    cellId: z.string(),
    label: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
    /** The resolved cell config of a trained cell; only `model` for a family trained elsewhere. */
    config: RecordedModelSchema,
    /** The cell's probe set where it is not the suite's (a grid over `probes.set`); absent, the suite's. */
    probeSet: ProbeSetSummarySchema.optional(),
    runs: z.array(RunSummarySchema),
    /** Present on a cell of models trained elsewhere, absent on Refit's trained cells. */
    family: FamilyInfoSchema.optional(),
    /** null when fewer than two refits (the anchor and one more) finished. */
    stats: CellStatsSchema.nullable(),
    error: z.string().optional(),
  })
  .strict();

/** The result of `refit run` on one suite: every cell's runs and compare-stage statistics. */
export const SuiteResultSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    kind: z.literal("refit.results"),
    suite: z.object({ name: z.string(), description: z.string(), file: z.string(), hash: z.string(), seeds: z.int() }).strict(),
    /** The suite's `probes.set`: that of every cell that records none. */
    probeSet: ProbeSetSummarySchema,
    cells: z.array(SuiteCellObject.superRefine(checkCellKind)),
    timings: z.object({ wallSeconds: z.number(), trainedRuns: z.int(), cachedRuns: z.int() }).strict(),
    provenance: ProvenanceSchema,
    /** The five findings as verdicts; absent in older results. */
    findings: z.array(FindingSchema).optional(),
  })
  .strict();
export type SuiteResult = z.infer<typeof SuiteResultSchema>;
