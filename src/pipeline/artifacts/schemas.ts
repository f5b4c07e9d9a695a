// Every artifact format Refit writes, once, as zod schemas (JSON Schema is emitted from
// these). Each stage reads and writes through these types; see docs/formats.md.
import { z } from "zod";
import { CellConfigSchema, ModelConfigSchema } from "./suite.ts";

/** Bump when any artifact format changes; it is part of every run ID, so stale results are never reused. */
export const SCHEMA_VERSION = 1;

export const BackendSchema = z.enum(["tensorflow-gpu", "tensorflow", "wasm", "cpu"]);
export type BackendName = z.infer<typeof BackendSchema>;

/** A full git commit hash (SHA-1 or SHA-256), or null outside a git checkout; the site prints it. */
export const GitCommitSchema = z
  .string()
  .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "a full git commit hash (40 or 64 lowercase hex digits)")
  .nullable();

/** Where and with what an artifact was made. */
export const ProvenanceSchema = z
  .object({
    refitVersion: z.string(),
    gitCommit: GitCommitSchema,
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

/** Version of the capture file format (its `__metadata__.version`); version 1 files still read. */
export const CAPTURE_VERSION = 2;

/** A checkpoint made elsewhere: its name or path, revision and the SHA-256 of its weights. */
export const ExternalSourceSchema = z
  .object({
    kind: z.literal("external"),
    /** Model name (e.g. a hub id) or the checkpoint's path, as given. */
    model: z.string().min(1),
    /** The model's revision (commit, tag or branch) where known. */
    revision: z.string().min(1).nullable(),
    /** SHA-256 (hex) of the weights file the capture was computed from. */
    weightsSha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits"),
  })
  .strict();

/** Where a capture's model came from: a Refit run, or a checkpoint made elsewhere. */
export const CaptureSourceSchema = z.discriminatedUnion("kind", [z.object({ kind: z.literal("refit"), runId: z.string().min(1) }).strict(), ExternalSourceSchema]);
export type CaptureSource = z.infer<typeof CaptureSourceSchema>;

/** `__metadata__` of a capture file, version 2 (all values are strings in the file; structured ones JSON-encoded). */
export const CaptureMetaSchema = z
  .object({
    format: z.literal("refit.capture"),
    version: z.literal(CAPTURE_VERSION),
    /** The seed that distinguishes this model from the rest of its family; the lowest is the anchor. */
    seed: z.int(),
    /** Captures of one family (with one probe set and backend) form a cell: a Refit cell's ID (config and, unless default, probe set), or a given name. */
    family: z.string().min(1),
    source: CaptureSourceSchema,
    config: ModelConfigSchema,
    /** Tokenizer the probes were tokenized with (Refit's: "bytes" or "gpt2"). */
    tokenizer: z.string().min(1),
    probeSet: z.object({ id: z.string(), hash: z.string() }).strict(),
    /** Token count T_p of each probe, BOS included. */
    probeLengths: z.array(z.int().min(1)),
    /** The tfjs backend that computed the capture, when Refit did. */
    backend: BackendSchema.optional(),
  })
  .strict();
export type CaptureMeta = z.infer<typeof CaptureMetaSchema>;

/** Version 1 metadata: Refit runs only, with their full config and backend. Read and upgraded, never written. */
export const CaptureMetaV1Schema = z
  .object({
    format: z.literal("refit.capture"),
    version: z.literal(1),
    seed: z.int(),
    runId: z.string(),
    config: CellConfigSchema,
    probeSet: z.object({ id: z.string(), hash: z.string() }).strict(),
    probeLengths: z.array(z.int().min(1)),
    backend: BackendSchema,
  })
  .strict();

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

/** One of the paper's five findings evaluated on a suite (compare/findings.ts states each statistic). */
const VerdictSchema = z.enum(["supported", "not supported", "inconclusive", "untestable"]);
/** The per-part (a distinct set of models, or a twin pair) values a finding's statistic averages. */
const FindingPartsSchema = z.array(z.object({ cells: z.array(z.string()), estimate: EstimateSchema }).strict());

export const FindingSchema = z
  .object({
    /** The paper's findings 1-5, Refit's known-answer induction controls, then its negative controls. */
    id: z.enum(["finding1", "finding2", "finding3", "finding4", "finding5", "inductionControl", "inductionRank", "inductionRepeat", "inductionRepeatRank", "negativeNulls", "negativeInduction"]),
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
          config: ModelConfigSchema,
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
function checkCellKind(cell: { config: { data?: unknown; train?: unknown }; family?: unknown; runs: unknown[] }, ctx: z.RefinementCtx): void {
  const issue = (path: string[], message: string) => ctx.addIssue({ code: "custom", path, message });
  if (cell.family === undefined && (cell.config.data === undefined || cell.config.train === undefined)) issue(["config"], "a trained cell states its data and train config");
  if (cell.family !== undefined && cell.config.train !== undefined) issue(["config", "train"], "a family trained elsewhere has no Refit training config");
  if (cell.family !== undefined && cell.runs.length > 0) issue(["runs"], "a family trained elsewhere has no Refit runs");
}

/** A probe set as a result records it: its id, the SHA-256 of its file and its number of probes. */
const ProbeSetSummarySchema = z.object({ id: z.string(), hash: z.string(), count: z.int() }).strict();

const SuiteCellObject = z
  .object({
    cellId: z.string(),
    label: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
    /** The resolved cell config of a trained cell; only `model` for a family trained elsewhere. */
    config: ModelConfigSchema,
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

// ---------------------------------------------------------------------------------------------
// Published content (content/, what the site renders): immutable versions plus a latest pointer.
//   content/latest.json                               LatestPointer
//   content/versions/<version>/manifest.json          ContentManifest
//   content/versions/<version>/<suite>.json           PublishedSuite (a SuiteResult, runs may carry curves)
//   content/versions/<version>/<suite>.attention.json AttentionSamples (optional)

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

/**
 * `findings.json` in a version: every finding evaluated once over the unique cells of the suites
 * this version computed (a cell held by several suites counts once), beside which suites hold each
 * cell. Suites carried from an earlier version have no bootstrap replicates here and are named apart.
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

/** `content/latest.json`: the newest published version. */
export const LatestPointerSchema = z
  .object({ schemaVersion: z.literal(SCHEMA_VERSION), kind: z.literal("refit.latest"), version: VersionIdSchema })
  .strict();
export type LatestPointer = z.infer<typeof LatestPointerSchema>;

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
  suite: SuiteResultSchema.shape.suite.extend({ file: SuiteFileSchema }).strict(),
  cells: z.array(SuiteCellObject.extend({ runs: z.array(PublishedRunSchema) }).strict().superRefine(checkCellKind)),
}).strict();
export type PublishedSuite = z.infer<typeof PublishedSuiteSchema>;

/** One way of matching an anchor head to a head of another seed, in the same layer. */
export const HeadMatchSchema = z
  .object({
    /** Matched head h' (0-based). */
    head: z.int().min(0),
    /** cbar: mean over all probes of the cosine between the two heads' patterns. */
    cbar: z.number(),
    /** Cosine on each sampled probe, in `probes` order. */
    cos: z.array(z.number()),
  })
  .strict();

export const SeedMatchSchema = z
  .object({
    seed: z.int(),
    /** The paper's match: argmax over h' of cbar (many-to-one; the first head wins ties). */
    paper: HeadMatchSchema,
    /** One-to-one Hungarian assignment of the layer's heads maximizing total cbar. */
    hungarian: HeadMatchSchema,
  })
  .strict();

/** Attention samples of one cell: a few probes' patterns for every head of every seed. */
export const AttentionCellSchema = z
  .object({
    cellId: z.string(),
    nLayers: z.int().min(1),
    nHeads: z.int().min(1),
    /** seeds[0] is the anchor. */
    seeds: z.array(z.int()).min(2),
    /** Sampled probes: index in the probe set and token labels (BOS first), cut to maxTokens. */
    probes: z.array(z.object({ index: z.int().min(0), tokens: z.array(z.string()).min(1) }).strict()).min(1),
    /** patterns[s][l][h][p]: lower triangle incl. diagonal, row-major, of seeds[s], probe p (T(T+1)/2 values). */
    patterns: z.array(z.array(z.array(z.array(z.array(z.number()))))),
    /** matches[l][h][r]: anchor head (l,h) matched in seeds[r + 1]. */
    matches: z.array(z.array(z.array(SeedMatchSchema))),
  })
  .strict()
  .superRefine((c, ctx) => {
    const shapeIssue = (path: (string | number)[], message: string) => ctx.addIssue({ code: "custom", path, message });
    if (c.patterns.length !== c.seeds.length) shapeIssue(["patterns"], `has ${c.patterns.length} seeds, expected ${c.seeds.length}`);
    c.patterns.forEach((bySeed, s) => {
      if (bySeed.length !== c.nLayers) return shapeIssue(["patterns", s], `has ${bySeed.length} layers, expected ${c.nLayers}`);
      bySeed.forEach((byLayer, l) => {
        if (byLayer.length !== c.nHeads) return shapeIssue(["patterns", s, l], `has ${byLayer.length} heads, expected ${c.nHeads}`);
        byLayer.forEach((byHead, h) =>
          c.probes.forEach(({ tokens }, p) => {
            const want = (tokens.length * (tokens.length + 1)) / 2;
            if (byHead[p]?.length !== want) shapeIssue(["patterns", s, l, h, p], `has ${byHead[p]?.length ?? 0} values, expected ${want}`);
          }),
        );
      });
    });
    if (c.matches.length !== c.nLayers || c.matches.some((m) => m.length !== c.nHeads || m.some((r) => r.length !== c.seeds.length - 1))) {
      shapeIssue(["matches"], `must be [${c.nLayers} layers][${c.nHeads} heads][${c.seeds.length - 1} other seeds]`);
    }
  });
export type AttentionCell = z.infer<typeof AttentionCellSchema>;

/** `<suite>.attention.json`: what the attention viewer shows (values rounded to 4 decimals). */
export const AttentionSamplesSchema = z
  .object({
    schemaVersion: z.literal(SCHEMA_VERSION),
    kind: z.literal("refit.attention"),
    suite: z.string(),
    probeSet: z.object({ id: z.string(), hash: z.string() }).strict(),
    maxTokens: z.int().min(1),
    cells: z.array(AttentionCellSchema),
  })
  .strict();
export type AttentionSamples = z.infer<typeof AttentionSamplesSchema>;
