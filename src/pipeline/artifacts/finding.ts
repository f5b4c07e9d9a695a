// A finding's verdict on a suite (docs/formats.md "Results"): one of the paper's five findings or
// a known-answer or negative control, with its statistic, estimate, the parts it averages and the
// paper's own effect beside it.
import { z } from "zod";
import { EstimateSchema } from "./cell-stats.ts";

/** One of the paper's five findings evaluated on a suite (compare/findings.ts states each statistic). */
const VerdictSchema = z.enum(["supported", "not supported", "inconclusive", "untestable"]);
/** The per-part (a distinct set of models, or a twin pair) values a finding's statistic averages. */
const FindingPartsSchema = z.array(z.object({ cells: z.array(z.string()), estimate: EstimateSchema }).strict());

export const FindingSchema = z
  .object({
    /** The paper's findings 1-5, Refit's known-answer induction controls, then its negative controls. */
    id: z.enum(["finding1", "finding2", "finding3", "finding4", "finding5", "inductionControl", "inductionRank", "inductionRepeat", "inductionRepeatRank", "seedSources", "negativeNulls", "negativeInduction"]),
    claim: z.string(),
    statistic: z.string(),
    /** The claim holds when the statistic is above (">") or below ("<") the threshold. */
    direction: z.enum([">", "<"]),
    threshold: z.number(),
    estimate: EstimateSchema.nullable(),
    verdict: VerdictSchema,
    parts: FindingPartsSchema,
    note: z.string(),
    /** Cells the finding's rule left out, and why (docs/metrics.md); absent in versions before 2026-12-07. */
    leftOut: z.array(z.object({ cells: z.array(z.string()), reason: z.string() }).strict()).optional(),
    /** The statistic of version 2026-12-02.8 (raw head stability, every cell), kept beside a null-corrected headline. */
    raw: z.object({ statistic: z.string(), estimate: EstimateSchema.nullable(), verdict: VerdictSchema, parts: FindingPartsSchema }).strict().optional(),
    /** The paper's like-for-like effect, our estimate of it, and the second test reading one against the other. */
    paper: z
      .object({
        statistic: z.string(),
        value: z.number(),
        range: z.tuple([z.number(), z.number()]).optional(),
        source: z.string(),
        estimate: EstimateSchema.nullable(),
        verdict: z.enum([
          "agrees with the paper",
          "smaller than the paper's",
          "no effect detected, smaller than the paper's",
          "larger than the paper's",
          "opposite to the paper",
          "differs from the paper",
          "inconclusive",
          "untestable",
        ]),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Finding = z.infer<typeof FindingSchema>;
