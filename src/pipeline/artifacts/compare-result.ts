// The compare result, `refit compare --json` on a folder of captures (docs/formats.md "Results"):
// per cell the family, model, tokenizer, the files it was made from and its CellStats.
import { z } from "zod";
import { CellStatsSchema } from "./cell-stats.ts";
import { BackendSchema, ProvenanceSchema, SCHEMA_VERSION } from "./conventions.ts";
import { FindingSchema } from "./finding.ts";
import { RecordedModelSchema } from "./suite.ts";

/** The result of `refit compare <captures-dir>`: the compare stage alone on capture files. */
export const CompareResultSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    kind: z.literal("refit.compare"),
    /** The captures directory as given. */
    source: z.string(),
    cells: z.array(
      z
        .object({
          /** The captures' family: a Refit cell's ID, or an external family's name. */
          cellId: z.string(),
          /** The model as the captures describe it (data and train only for Refit's refits). */
          config: RecordedModelSchema,
          /** Tokenizer the probes were tokenized with. */
          tokenizer: z.string(),
          seeds: z.array(z.int()),
          /** Capture files used, relative to source; untrained twins listed apart. */
          captures: z.array(z.string()),
          untrainedCaptures: z.array(z.string()),
          stats: CellStatsSchema,
        })
        .strict(),
    ),
    findings: z.array(FindingSchema),
    /** backend: the captures' tfjs backend; null when none of them says (captures made by other tools). */
    provenance: ProvenanceSchema.extend({ backend: BackendSchema.nullable() }).strict(),
  })
  .strict();
export type CompareResult = z.infer<typeof CompareResultSchema>;
