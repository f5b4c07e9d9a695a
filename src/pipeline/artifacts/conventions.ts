// What every JSON artifact shares (docs/formats.md "Conventions"): the schemaVersion that
// store.ts checks on every read, the backend names, and the provenance block that says where and
// with what an artifact was made (filled in by provenance.ts).
import { z } from "zod";

/** Bump when any artifact format changes; it is part of every run ID, so stale results are never reused. */
export const SCHEMA_VERSION = 1;

export const BackendSchema = z.enum(["tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"]);
export type BackendName = z.infer<typeof BackendSchema>;

/**
 * The GPU a webgpu run computed on, as WebGPU's adapter info names it. Results differ in the last
 * bits between adapters, so it is part of a webgpu run's ID (suite/grid.ts) and of its provenance.
 */
export const AdapterSchema = z
  .object({ vendor: z.string(), architecture: z.string(), device: z.string(), description: z.string(), software: z.boolean() })
  .strict();
export type Adapter = z.infer<typeof AdapterSchema>;

/** A full git commit hash (SHA-1 or SHA-256), or null outside a git checkout; the site prints it. */
export const GitCommitSchema = z
  .string()
  .regex(/^[0-9a-f]{40}([0-9a-f]{24})?$/, "a full git commit hash (40 or 64 lowercase hex digits)")
  .nullable();

/**
 * Which kernels did the wasm backend's dense products: Refit's WebAssembly ones, or the BLAS addon
 * (native/) with the library and CPU kernels it loaded. Absent on other backends and in artifacts
 * made before the addon existed (all wasm).
 */
export const KernelPathSchema = z
  .object({
    path: z.enum(["wasm", "blas"]),
    blas: z.object({ library: z.string(), coreType: z.string(), threads: z.int() }).strict().nullable(),
  })
  .strict();
export type KernelPath = z.infer<typeof KernelPathSchema>;

/** Where and with what an artifact was made. */
export const ProvenanceSchema = z
  .object({
    refitVersion: z.string(),
    gitCommit: GitCommitSchema,
    node: z.string(),
    tfjs: z.string(),
    backend: BackendSchema,
    kernels: KernelPathSchema.optional(),
    /** Only for webgpu: the adapter it ran on. */
    adapter: AdapterSchema.optional(),
    machine: z.object({ platform: z.string(), arch: z.string(), cpus: z.int(), cpuModel: z.string(), memGiB: z.number() }),
  })
  .strict();
export type Provenance = z.infer<typeof ProvenanceSchema>;
