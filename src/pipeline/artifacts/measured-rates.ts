// bench/rates.json: training throughputs measured by `npm run bench:gpu -- --record <where>`, which
// `refit plan` turns into hours per backend. Each entry says what ran, on what, where and when, so a
// plan's figure can be traced to the measurement behind it (docs/formats.md "Measured rates").
import { z } from "zod";
import { BackendSchema, SCHEMA_VERSION } from "./conventions.ts";

export const MeasuredRateSchema = z
  .object({
    backend: BackendSchema,
    /** The GPU adapter (webgpu) or device, as one line; null on a CPU backend. */
    adapter: z.string().nullable(),
    /** Whether that adapter is a software rasteriser (lavapipe): a test path, never a GPU figure. */
    software: z.boolean(),
    model: z.object({ nLayers: z.int().min(1), dModel: z.int().min(1), nHeads: z.int().min(1), nCtx: z.int().min(1), batchSize: z.int().min(1) }).strict(),
    tokensPerSecond: z.number().positive(),
    /** Effective training FLOP/s by refit plan's count (orchestrate/plan.ts flopsPerToken). */
    flopsPerSecond: z.number().positive(),
    /** Training processes the figure is for (one per GPU; one per core on wasm gives the machine's). */
    processes: z.int().min(1),
    peakRssMB: z.number().nonnegative(),
    deviceMB: z.number().nonnegative().nullable(),
    /** Free text: the machine, and anything that bends the number ("loaded machine"). */
    where: z.string().min(1),
    /** ISO date of the measurement. */
    when: z.iso.date(),
    gitCommit: z.string().nullable(),
  })
  .strict();
export type MeasuredRate = z.infer<typeof MeasuredRateSchema>;

export const MeasuredRatesSchema = z
  .object({ schemaVersion: z.literal(SCHEMA_VERSION), format: z.literal("refit.measured-rates"), rates: z.array(MeasuredRateSchema) })
  .strict();
