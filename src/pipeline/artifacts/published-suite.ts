// `content/versions/<version>/<suite>.json` (docs/formats.md "Published content"): a suite result
// whose runs may carry their held-out curves, and whose suite file is safe to paste into a shell.
import { z } from "zod";
import { EvalPointSchema } from "./run-record.ts";
import { FigureSchema } from "./suite.ts";
import { checkCellKind, RunSummarySchema, SuiteCellObject, SuiteResultSchema } from "./suite-result.ts";

/** A run line as published: the suite result's, plus its held-out curve from run.json. */
export const PublishedRunSchema = RunSummarySchema.extend({ curve: z.array(EvalPointSchema).optional() }).strict();

/**
 * A published suite's file: a relative path with "/" separators, each segment starting with a letter,
 * digit or "_" (no "..", no hidden folders, no leading "-"), ending .yaml or .yml. The site pastes it
 * into the command that reproduces a cell, so nothing else may reach a reader's shell.
 */
export const SuiteFileSchema = z
  .string()
  .regex(/^([A-Za-z0-9_][A-Za-z0-9_.-]*\/)*[A-Za-z0-9_][A-Za-z0-9_.-]*\.ya?ml$/, "a relative path of letters, digits, '_', '.', '-' and '/' ending .yaml or .yml (no '..')");

/** `<suite>.json` in a version: a SuiteResult whose runs may carry their training curves. */
export const PublishedSuiteSchema = SuiteResultSchema.extend({
  /** `figure`: the suite file's, when it declares one; versions before 2026-12-08 never carry it. */
  suite: SuiteResultSchema.shape.suite.extend({ file: SuiteFileSchema, figure: FigureSchema.optional() }).strict(),
  cells: z.array(SuiteCellObject.extend({ runs: z.array(PublishedRunSchema) }).strict().superRefine(checkCellKind)),
}).strict();
export type PublishedSuite = z.infer<typeof PublishedSuiteSchema>;
