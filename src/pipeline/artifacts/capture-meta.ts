// The `__metadata__` of a capture file (docs/formats.md "Capture file"): which model, family,
// seed, probe set and tokenizer a capture's tensors belong to. capture/format.ts reads and writes
// the tensors; this is the part the compare stage groups cells by.
import { z } from "zod";
import { BackendSchema, KernelPathSchema } from "./conventions.ts";
import { CellConfigSchema, RecordedModelSchema } from "./suite.ts";

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
    config: RecordedModelSchema,
    /** Tokenizer the probes were tokenized with (Refit's: "bytes" or "gpt2"). */
    tokenizer: z.string().min(1),
    probeSet: z.object({ id: z.string(), hash: z.string() }).strict(),
    /** Token count T_p of each probe, BOS included. */
    probeLengths: z.array(z.int().min(1)),
    /** The tfjs backend that computed the capture, when Refit did. */
    backend: BackendSchema.optional(),
    /**
     * Written only where a model trained elsewhere was captured with the wasm backend's dense
     * products on the BLAS addon (its library and CPU kernels); absent, Refit's own kernels or
     * another backend. Refit runs need none: a blas run's ID names its BLAS.
     */
    kernels: KernelPathSchema.optional(),
  })
  .strict();
export type CaptureMeta = z.infer<typeof CaptureMetaSchema>;

/** The kernel path a capture's arithmetic ran on, in words; captures on different ones are never one cell. */
export const captureKernels = (m: Pick<CaptureMeta, "kernels">): string =>
  m.kernels?.path === "blas" && m.kernels.blas ? `blas (${m.kernels.blas.library}, ${m.kernels.blas.coreType} kernels)` : "wasm kernels";

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
