// A published version's bookkeeping (docs/formats.md "Published content"):
//   content/latest.json                       LatestPointer, the newest version
//   content/versions/<version>/manifest.json  ContentManifest, its files' SHA-256 and how it was built
import { z } from "zod";
import { BackendSchema, GitCommitSchema, ProvenanceSchema, SCHEMA_VERSION } from "./conventions.ts";

/** Version ids are path segments of stable URLs, so they stay URL-safe; they sort by createdAt, not by name. */
export const VersionIdSchema = z.string().regex(/^[0-9A-Za-z][0-9A-Za-z._-]*$/, "letters, digits, '.', '_' and '-'");

/** A file inside a version folder, with the SHA-256 of its bytes so a changed file is detected. */
export const PublishedFileSchema = z
  .object({ file: z.string().regex(/^[a-z0-9][a-z0-9.-]*\.json$/), sha256: z.string().regex(/^[0-9a-f]{64}$/) })
  .strict();

export const ManifestSuiteSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    /** SuiteResult.suite.hash of the published result. */
    suiteHash: z.string(),
    result: PublishedFileSchema,
    /** Attention samples for the viewer, when they were extracted from the captures. */
    attention: PublishedFileSchema.optional(),
    /**
     * The version whose `refit aggregate` computed this suite, when this version only carried it
     * forward unchanged (`refit aggregate --carry`): its files are byte-identical to that version's.
     */
    carriedFrom: VersionIdSchema.optional(),
  })
  .strict();

/** How a version was built, from its runs' records and `refit aggregate` itself. */
export const BuildInfoSchema = z
  .object({
    /** Backends that trained the published runs (one unless mixing was asked for). */
    backends: z.array(BackendSchema).min(1),
    /** Distinct machines that trained runs, with how many runs each. */
    machines: z.array(ProvenanceSchema.shape.machine.extend({ runs: z.int() }).strict()),
    /** Versions seen across the runs and the aggregating process. */
    packages: z.object({ refit: z.array(z.string()), node: z.array(z.string()), tfjs: z.array(z.string()) }).strict(),
    /** Commits the runs were trained from (null where it was not a git checkout). */
    runGitCommits: z.array(GitCommitSchema),
    runs: z.int(),
    /** Sum of the runs' training seconds, over every machine. */
    trainSeconds: z.number(),
    /** Wall time of `refit aggregate` (compare stage, attention samples, writing). */
    aggregateSeconds: z.number(),
    /** Planned runs that did not finish (`refit aggregate --allow-missing`); absent when none. */
    missingRuns: z
      .array(z.object({ suite: z.string(), cellId: z.string(), runId: z.string(), seed: z.int(), reason: z.string() }).strict())
      .min(1)
      .optional(),
  })
  .strict();
export type BuildInfo = z.infer<typeof BuildInfoSchema>;

/** `content/versions/<version>/manifest.json`: what one published version holds. */
export const ContentManifestSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    kind: z.literal("refit.manifest"),
    version: VersionIdSchema,
    createdAt: z.iso.datetime(),
    gitCommit: GitCommitSchema,
    refitVersion: z.string(),
    suites: z.array(ManifestSuiteSchema).min(1),
    /** Absent in versions published before `refit aggregate` recorded it. */
    build: BuildInfoSchema.optional(),
    /** The version's pooled findings (findings.json); absent before version 2026-12-07. */
    findings: PublishedFileSchema.optional(),
  })
  .strict();
export type ContentManifest = z.infer<typeof ContentManifestSchema>;

/** `content/latest.json`: the newest published version. */
export const LatestPointerSchema = z
  .object({ schemaVersion: z.literal(SCHEMA_VERSION), kind: z.literal("refit.latest"), version: VersionIdSchema })
  .strict();
export type LatestPointer = z.infer<typeof LatestPointerSchema>;
