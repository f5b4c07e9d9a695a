// A checkpoint made elsewhere, in Hugging Face's GPT-2 layout (config.json + model.safetensors),
// captured on a probe set exactly as a refit is. The model's own tokenizer (GPT-2's BPE or bytes,
// as its config.json says) tokenizes the probe texts, and the capture's metadata records the
// family it belongs to, where the weights came from and the SHA-256 of model.safetensors.
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { z } from "zod";
import { sha256Hex } from "../artifacts/hash.ts";
import { InputError } from "../artifacts/input-error.ts";
import { CAPTURE_VERSION, captureKernels, type CaptureMeta } from "../artifacts/capture-meta.ts";
import type { BackendName, KernelPath } from "../artifacts/conventions.ts";
import { writeRecorded } from "../artifacts/checksums.ts";
import { exists, readBytes, readJson, withDirLock, type LockWait } from "../artifacts/store.ts";
import { checkProbesFit, tokenizeProbes, type ProbeSet } from "../data/probes.ts";
import { tokenizerNamed } from "../data/tokenizers.ts";
import { checkFinite, fromHfCheckpoint, type Checkpoint } from "../model/checkpoint.ts";
import { modelStatementOf } from "../model/config.ts";
import { paramsFromWeights } from "../model/gpt.ts";
import { captureRun, type CaptureOptions } from "./capture.ts";
import { encodeCapture, openCapture, type Capture } from "./format.ts";

export interface ExternalModel {
  /** Directory holding config.json and model.safetensors. */
  dir: string;
  /** Name recorded in the capture (a hub id, say); default: the directory as given. */
  model?: string;
  revision?: string | null;
  seed: number;
}

export interface CaptureExternalOptions extends CaptureOptions {
  family: string;
  probeSet: ProbeSet;
  backend: BackendName;
  /** The wasm backend's kernel path (activeKernels()); a blas one is recorded in the capture. */
  kernels?: KernelPath;
}

/** A checkpoint directory read and checked, with what a capture records about it. */
export interface ExternalCheckpoint extends Checkpoint {
  tokenizer: NonNullable<Checkpoint["tokenizer"]>;
  weightsSha256: string;
}

/** Reads a checkpoint directory; every problem is an InputError naming the file and the field or tensor. */
export function readExternalCheckpoint(dir: string): ExternalCheckpoint {
  const bytes = readBytes(path.join(dir, "model.safetensors"));
  const checkpoint = fromHfCheckpoint(bytes, readJson(path.join(dir, "config.json"), z.unknown()), dir);
  checkFinite(checkpoint.params, dir);
  const { tokenizer } = checkpoint;
  if (tokenizer === null) {
    throw new InputError(
      `${dir}/config.json: refit_tokenizer: missing, and vocab_size ${checkpoint.config.vocabSize} is neither GPT-2's (50257) nor the byte tokenizer's (257); add "refit_tokenizer": "gpt2" or "bytes"`,
    );
  }
  return { ...checkpoint, tokenizer, weightsSha256: sha256Hex(bytes) };
}

/** The capture of one external checkpoint (tfjs work on the active backend). */
export async function captureExternal(m: ExternalModel, checkpoint: ExternalCheckpoint, opts: CaptureExternalOptions): Promise<Capture> {
  const { config, tokenizer } = checkpoint;
  const tokens = tokenizeProbes(opts.probeSet.prompts, tokenizerNamed(tokenizer.name), tokenizer.bos);
  try {
    checkProbesFit(opts.probeSet, config.nCtx, tokens);
  } catch (e) {
    throw new InputError(`${m.dir}/config.json: n_positions: ${(e as Error).message}`);
  }
  const meta: CaptureMeta = {
    format: "refit.capture",
    version: CAPTURE_VERSION,
    seed: m.seed,
    family: opts.family,
    source: { kind: "external", model: m.model ?? m.dir, revision: m.revision ?? null, weightsSha256: checkpoint.weightsSha256 },
    config: { model: modelStatementOf(config) },
    tokenizer: tokenizer.name,
    probeSet: { id: opts.probeSet.id, hash: opts.probeSet.hash },
    probeLengths: tokens.map((t) => t.length),
    backend: opts.backend,
    ...(opts.kernels?.path === "blas" ? { kernels: opts.kernels } : {}),
  };
  const params = paramsFromWeights(config, checkpoint.params);
  try {
    return await captureRun(params, config, tokens, meta, opts);
  } finally {
    tf.dispose([...params.values()]);
  }
}

/** Where a checkpoint's capture goes: <out>/<family>/<checkpoint directory name>.safetensors. */
export const externalCapturePath = (out: string, family: string, dir: string) => path.join(out, family, `${path.basename(path.resolve(dir))}.safetensors`);

/** Where `refit run` keeps a suite family's captures: <out>/captures/<family>/<name>.safetensors, as `refit capture` leaves them by default. */
export const familyCapturePath = (outDir: string, family: string, name: string) => externalCapturePath(path.join(outDir, "captures"), family, name);

export const ABLATION = ["anchor", "all", "none"] as const;

export interface CaptureFamilyOptions {
  family: string;
  models: readonly ExternalModel[];
  probeSet: ProbeSet;
  backend: BackendName;
  /** The wasm backend's kernel path: a capture kept from another path is captured again, so a family is never mixed. */
  kernels?: KernelPath;
  /** Where each capture goes (e.g. <out>/<family>/<name>.safetensors), inside `folder`. */
  fileOf: (m: ExternalModel) => string;
  /**
   * The family's folder, locked while its captures are made: two processes capturing one family
   * would write each capture and its checksum record side by side. `lock` says how long to wait
   * for another's (default: while it lives).
   */
  folder: string;
  lock?: LockWait;
  /** Heads to zero-ablate: the anchor's (lowest seed) only, the compare stage reads no other. */
  ablation: (typeof ABLATION)[number];
  /** Told of each checkpoint as it is done. */
  onDone?: (done: CapturedModel) => void;
}

export interface CapturedModel {
  model: ExternalModel;
  file: string;
  tokenizer: string;
  /** false: a capture of the same weights (named alike), family, probe set, seed and kernel path was already there. */
  captured: boolean;
  ablated: boolean;
  seconds: number;
}

/**
 * Captures a family's checkpoints, one in memory at a time (a GPT-2 small is half a gigabyte of
 * weights), refusing a checkpoint whose architecture or tokenizer differs from the first's.
 */
export function captureFamily(opts: CaptureFamilyOptions): Promise<CapturedModel[]> {
  return withDirLock(opts.folder, () => captureUnlocked(opts), { waitSeconds: opts.lock?.waitSeconds ?? Infinity, onWait: opts.lock?.onWait });
}

async function captureUnlocked(opts: CaptureFamilyOptions): Promise<CapturedModel[]> {
  const anchor = Math.min(...opts.models.map((m) => m.seed));
  let first: { dir: string; architecture: string } | undefined;
  const captured: CapturedModel[] = [];
  for (const m of opts.models) {
    const started = performance.now();
    const checkpoint = readExternalCheckpoint(m.dir);
    const architecture = JSON.stringify([checkpoint.config, checkpoint.tokenizer]);
    first ??= { dir: m.dir, architecture };
    if (architecture !== first.architecture) throw new InputError(`${m.dir}: its architecture or tokenizer differs from ${first.dir}'s, so they cannot be one family`);
    const file = opts.fileOf(m);
    const kept = exists(file) ? openCapture(file).meta : null;
    const same =
      kept?.source.kind === "external" &&
      kept.source.weightsSha256 === checkpoint.weightsSha256 &&
      kept.source.model === (m.model ?? m.dir) &&
      kept.source.revision === (m.revision ?? null) &&
      kept.family === opts.family &&
      kept.probeSet.hash === opts.probeSet.hash &&
      kept.seed === m.seed &&
      captureKernels(kept) === captureKernels({ kernels: opts.kernels });
    const ablation = opts.ablation === "all" || (opts.ablation === "anchor" && m.seed === anchor);
    if (!same) writeRecorded(file, encodeCapture(await captureExternal(m, checkpoint, { ...opts, ablation })));
    const done = { model: m, file, tokenizer: checkpoint.tokenizer.name, captured: !same, ablated: !same && ablation, seconds: (performance.now() - started) / 1000 };
    opts.onDone?.(done);
    captured.push(done);
  }
  return captured;
}
