// A version's pooled findings (docs/formats.md "Published content"):
//   content/versions/<version>/findings.json  PooledFindings, every finding over the version's unique cells
import { z } from "zod";
import { SCHEMA_VERSION } from "./conventions.ts";
import { FindingSchema } from "./finding.ts";

/**
 * Every finding evaluated once over the unique cells of the suites this version computed (a cell
 * held by several suites counts once), beside which suites hold each cell. Suites carried from an
 * earlier version have no bootstrap replicates here and are named apart.
 */
export const PooledFindingsSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    kind: z.literal("refit.findings"),
    /** Suites whose cells were pooled. */
    suites: z.array(z.string()),
    /** Suites carried unchanged from an earlier version, and so not in the pool. */
    carried: z.array(z.string()),
    cells: z.array(z.object({ cellId: z.string(), suites: z.array(z.string()).min(1) }).strict()),
    findings: z.array(FindingSchema),
  })
  .strict();
export type PooledFindings = z.infer<typeof PooledFindingsSchema>;
