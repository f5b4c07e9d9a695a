// The suite file format: one zod schema is the single source of truth for what a
// suite may say, its defaults, and the resolved config every later stage receives.
// Unknown keys are errors everywhere (`.strict()`), so a typo never falls back to a default.
// It lives with the other formats because every artifact records a cell's resolved config.
import { z } from "zod";

/** Training data and tokenization. */
export const DataSchema = z
  .object({
    /**
     * `brown` (the embedded Brown corpus), a local text file / directory relative to the suite file,
     * or `{ synthetic: induction }` / `{ synthetic: induction-pairs }`: random letters with a
     * segment repeated (data/synthetic.ts), the known-answer control where induction heads must form;
     * `{ synthetic: shuffled-brown }`: Brown with each document's characters shuffled, a negative
     * control whose order carries nothing for heads to agree on.
     */
    corpus: z
      .union([z.literal("brown"), z.object({ path: z.string().min(1) }).strict(), z.object({ synthetic: z.enum(["induction", "induction-pairs", "shuffled-brown"]) }).strict()])
      .default("brown"),
    /** Byte-level tokenizer (vocab 257: bytes 0-255 plus BOS = 256). */
    tokenizer: z.literal("bytes").default("bytes"),
    /** Context length in tokens, BOS included. */
    nCtx: z.int().min(8).max(1024).default(64),
    /** Fraction of documents held out for evaluation and probes (split by document id). */
    heldOutFraction: z.number().gt(0).lt(0.5).default(0.1),
  })
  .strict();

/** Optimizer and schedule; PyTorch semantics for Adam (L2 in the gradient) and AdamW (decoupled decay). */
export const TrainSchema = z
  .object({
    /** Training tokens per run; steps = ceil(tokens / (batchSize * nCtx)). */
    tokens: z.int().min(1).default(300_000),
    batchSize: z.int().min(1).max(4096).default(16),
    optimizer: z.enum(["adam", "adamw"]).default("adam"),
    lr: z.number().gt(0).max(1).default(1e-3),
    /** Up to 10: at this project's step counts, the paper's decay dose (lr x weightDecay x steps ~ 3) needs decays above 1. */
    weightDecay: z.number().min(0).max(10).default(0),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    eps: z.number().gt(0).default(1e-8),
    /** Linear warmup from 0 to lr over this many steps, then constant. */
    warmupSteps: z.int().min(0).default(0),
    /** Clip the global gradient norm to this value; omit for no clipping. */
    gradClip: z.number().gt(0).optional(),
    /** Evaluate held-out loss every this many steps (and always at the end). */
    evalEvery: z.int().min(1).default(100),
    /** Held-out tokens per evaluation. */
    evalTokens: z.int().min(1).default(16_384),
    /** Write a resumable checkpoint every this many steps (and always at the end). */
    checkpointEvery: z.int().min(1).default(100),
    /** Fixes data order separately from the init seed; omit to use the run's seed for both. */
    dataSeed: z.int().min(0).optional(),
    /**
     * Which source of randomness the run's seed sets: `init` (initialization only; data order
     * fixed to seed 0's), `data` (data order only; initialization fixed to seed 0's) or `both`
     * (the default). `both` is stored as absent, so run IDs of suites that never name it are
     * unchanged and a `both` cell shares its runs with them.
     */
    seedVaries: z.preprocess((v) => (v === "both" ? undefined : v), z.enum(["init", "data"]).optional()),
  })
  .strict();

/** Architecture only (GPT-2 style decoder): a suite's `model` section. */
export const ModelSchema = z
  .object({
    nLayers: z.int().min(1).max(64).default(2),
    dModel: z.int().min(4).max(4096).default(64),
    nHeads: z.int().min(1).max(64).default(4),
    /** false = attention-only transformer. */
    mlp: z.boolean().default(true),
    /** MLP hidden width; defaults to 4 * dModel. */
    dMlp: z.int().min(1).optional(),
  })
  .strict();

/**
 * The architecture as a suite states it, defaults filled in. The model built from it is
 * model/config.ts's GptConfig (gptConfigOf adds the context, vocabulary and GPT-2's settings);
 * modelStatementOf reads one back from a GptConfig, e.g. a checkpoint trained elsewhere.
 */
export type ModelStatement = z.infer<typeof ModelSchema>;

export const METRICS = ["stability", "commonness", "crossLayer"] as const;
export type Metric = (typeof METRICS)[number];

/** The probe set of a suite that names none; its cells keep the IDs they had before a suite could vary its probe set. */
export const DEFAULT_PROBE_SET = "default";

export const ProbesSchema = z
  .object({
    /** Id of a probe set file in src/pipeline/data/probes/. */
    set: z.string().regex(/^[a-z0-9][a-z0-9-]*$/).default(DEFAULT_PROBE_SET),
  })
  .strict();

/**
 * A grid axis: dotted path into the cell config (e.g. `model.nLayers`) -> values to sweep; or
 * `probes.set`, which captures the same trained runs on several probe sets, one cell per set.
 */
const AxisPathSchema = z.string().regex(/^((data|train|model)\.[A-Za-z0-9]+|probes\.set)$/, "a grid key is `data.<field>`, `train.<field>`, `model.<field>` or `probes.set`");

export const GridSchema = z
  .record(
    AxisPathSchema,
    z.array(z.union([z.number(), z.string(), z.boolean()])).min(1, "a grid axis needs at least one value"),
  )
  .refine((g) => Object.keys(g).length > 0, "grid has no axes; omit `grid` for a single cell");

/**
 * The study a suite's figure draws: each cell's stability and excess against the grid axis `x`,
 * one line per value of `series`, one panel row per value of `facet`. Presentation only: the suite
 * loader checks each names a grid axis, and the suite hash leaves it out.
 */
export const FigureSchema = z.object({ x: AxisPathSchema, series: AxisPathSchema.optional(), facet: AxisPathSchema.optional() }).strict();
export type Figure = z.infer<typeof FigureSchema>;

/** A family's name: it names the family's cell, its captures' folder and its leaderboard label. */
export const FamilyNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-', starting with a letter or digit");

/**
 * One checkpoint of a family, in Hugging Face's GPT-2 layout (config.json + model.safetensors).
 * Refit never downloads: `path` is a local directory, relative to the suite file; `hub` names a
 * model on the Hugging Face Hub that whoever runs the suite has already downloaded (and converted,
 * if it ships only pytorch_model.bin) into `<--hub-dir>/<hub>`. The hub id and revision are
 * recorded in the capture, so a published cell says which public weights it measured.
 */
export const CheckpointSchema = z.union([
  z.object({ path: z.string().min(1) }).strict(),
  z
    .object({
      hub: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/, "a Hugging Face model id, owner/name"),
      /** The branch, tag or commit that was downloaded; recorded, never fetched. */
      revision: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, "a branch, tag or commit").optional(),
    })
    .strict(),
]);

/** A family of models trained elsewhere from different seeds: one leaderboard cell. */
export const FamilySchema = z
  .object({
    family: FamilyNameSchema,
    description: z.string().default(""),
    /** Its seeds' checkpoints; the seed of each is the last number in its directory (or hub) name, as in `refit capture`. */
    checkpoints: z.array(CheckpointSchema).min(2, "a family needs at least two seeds to compare"),
  })
  .strict();
export type Family = z.infer<typeof FamilySchema>;

export const SuiteSchema = z
  .object({
    /** Suite id: lowercase, digits and dashes; names the results folder. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "lowercase letters, digits and dashes"),
    description: z.string().default(""),
    /** Refits per cell; seeds 0..seeds-1, seed 0 is the anchor. */
    seeds: z.int().min(2).max(1000).default(4),
    data: DataSchema.default(DataSchema.parse({})),
    train: TrainSchema.default(TrainSchema.parse({})),
    model: ModelSchema.default(ModelSchema.parse({})),
    grid: GridSchema.optional(),
    probes: ProbesSchema.default(ProbesSchema.parse({})),
    metrics: z.array(z.enum(METRICS)).min(1).default([...METRICS]),
    /** The axes its figure plots; without it the site infers them from the grid (docs/formats.md). */
    figure: FigureSchema.optional(),
    /**
     * Families of models trained elsewhere, captured and compared instead of training a grid: a
     * suite lists `models` or trains (`seeds`, `data`, `train`, `model`, `grid`), never both.
     * Each family is one cell; `seeds` becomes the size of the largest family.
     */
    models: z.array(FamilySchema).min(1).optional(),
  })
  .strict();

export type SuiteInput = z.input<typeof SuiteSchema>;
export type Suite = z.infer<typeof SuiteSchema>;

/** Heads split dModel evenly: the one cross-field rule of every model description. */
function checkHeadsDivide(c: { model: ModelStatement }, ctx: z.RefinementCtx): void {
  if (c.model.dModel % c.model.nHeads !== 0) {
    ctx.addIssue({
      code: "custom",
      path: ["model", "dModel"],
      message: `dModel (${c.model.dModel}) must be divisible by nHeads (${c.model.nHeads})`,
    });
  }
}

/** The fully resolved config of one cell: what a run trains. */
export const CellConfigSchema = z.object({ data: DataSchema, train: TrainSchema, model: ModelSchema }).strict().superRefine(checkHeadsDivide);
export type CellConfig = z.infer<typeof CellConfigSchema>;

/**
 * What a capture, a compare result and a leaderboard cell record about their model: its statement
 * always; the data and training config only where Refit trained it (then it is the CellConfig). A
 * model trained elsewhere states no Refit training config it never had.
 */
export const RecordedModelSchema = z
  .object({ model: ModelSchema, data: DataSchema.optional(), train: TrainSchema.optional() })
  .strict()
  .superRefine(checkHeadsDivide);
export type RecordedModel = z.infer<typeof RecordedModelSchema>;
