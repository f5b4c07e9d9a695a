// The run record, `run.json` in a run folder (docs/formats.md "Run folder"): one (cell, seed)'s
// outcome, written last by its job, so its presence marks the run as trained.
import { z } from "zod";
import { ProvenanceSchema, SCHEMA_VERSION } from "./conventions.ts";
import { CellConfigSchema } from "./suite.ts";

export const EvalPointSchema = z.object({ step: z.int(), tokens: z.int(), trainLoss: z.number(), heldOutLoss: z.number() }).strict();

/** One (cell, seed): written when training finishes or fails. */
export const RunRecordSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    kind: z.literal("refit.run"),
    runId: z.string(),
    seed: z.int(),
    dataSeed: z.int(),
    /** The seed the initialization was drawn from; absent in records older than `train.seedVaries`, where it is `seed`. */
    initSeed: z.int().optional(),
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
