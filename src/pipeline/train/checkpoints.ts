// Resumable training checkpoints. Each is a folder `ckpt-<step>/` holding the model as a Hugging
// Face GPT-2 checkpoint (model.safetensors + config.json) and `optimizer.safetensors` (Adam
// moments, with the loop's progress in its metadata). The folder is built under a temporary
// name and renamed into place, so a kill -9 at any moment leaves either the old or the new
// checkpoint, never a half one; older checkpoints are removed only after the rename. Each file's
// SHA-256 is recorded inside the folder before the rename and checked before a resume, so a
// damaged checkpoint is refused rather than trained on.
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { decodeSafetensors, writeSafetensors } from "../artifacts/safetensors.ts";
import { recordChecksum, repairHint, verifyChecksum, withRepairHint } from "../artifacts/checksums.ts";
import { InputError } from "../artifacts/input-error.ts";
import { destinationOf, isPartial, partialFor, readBytes } from "../artifacts/store.ts";
import { loadCheckpoint, saveCheckpointFrom } from "../model/checkpoint.ts";
import type { GptConfig } from "../model/config.ts";
import type { Params } from "../model/gpt.ts";
import type { AdamState } from "./optimizer.ts";

export interface TrainProgress {
  step: number;
  tokensSeen: number;
  trainSeconds: number;
  lastTrainLoss: number | null;
  curve: { step: number; tokens: number; trainLoss: number; heldOutLoss: number }[];
}

const CKPT = /^ckpt-(\d+)$/;
const OPTIMIZER_FILE = "optimizer.safetensors";
/** The files of a checkpoint folder, each with its recorded SHA-256. */
const CHECKPOINT_FILES = ["model.safetensors", "config.json", OPTIMIZER_FILE];

// Each tensor is read when the file writer comes to it, so a checkpoint is never all in memory at
// once (it is three times the model); asynchronously, since a GPU backend cannot read synchronously.
const deferred = (v: tf.Variable) => ({ dtype: "F32" as const, shape: [...v.shape], data: async () => (await v.data()) as Float32Array });

/** Finished checkpoint folders of a run, newest first. */
function checkpointDirs(runDir: string): { dir: string; step: number }[] {
  if (!fs.existsSync(runDir)) return [];
  return fs
    .readdirSync(runDir)
    .map((name) => ({ name, m: CKPT.exec(name) }))
    .filter((x) => x.m !== null)
    .map((x) => ({ dir: path.join(runDir, x.name), step: Number(x.m![1]) }))
    .sort((a, b) => b.step - a.step);
}

/** Whether a run folder holds a finished checkpoint to resume (or, for a finished run, to capture) from. */
export const hasCheckpoint = (runDir: string): boolean => checkpointDirs(runDir).length > 0;

export interface CheckpointSource {
  params: Params;
  adam: AdamState;
  progress: TrainProgress;
  gpt: GptConfig;
  /** Written into config.json as `refit_*` keys, so a checkpoint says which run made it and how. */
  about: { runId: string; seed: number; backend: string };
}

export async function saveTrainingCheckpoint(runDir: string, s: CheckpointSource): Promise<string> {
  const final = path.join(runDir, `ckpt-${s.progress.step}`);
  const partial = partialFor(final);
  // Half-built folders left by a killed process (any pid) are never resumed from; clear them.
  for (const name of fs.existsSync(runDir) ? fs.readdirSync(runDir) : []) {
    if (isPartial(name) && CKPT.test(destinationOf(name))) fs.rmSync(path.join(runDir, name), { recursive: true, force: true });
  }
  const extra = { refit_run_id: s.about.runId, refit_seed: s.about.seed, refit_backend: s.about.backend, refit_step: s.progress.step };
  await saveCheckpointFrom(partial, new Map([...s.params].map(([n, v]) => [n, deferred(v)])), { config: s.gpt, extra });
  const moments = new Map([...[...s.adam.m].map(([n, m]) => [`m.${n}`, deferred(m)] as const), ...[...s.adam.v].map(([n, v]) => [`v.${n}`, deferred(v)] as const)]);
  const meta = { adamStep: String(s.adam.step), progress: JSON.stringify(s.progress) };
  await writeSafetensors(path.join(partial, OPTIMIZER_FILE), moments, meta);
  for (const name of CHECKPOINT_FILES) recordChecksum(path.join(partial, name));
  fs.rmSync(final, { recursive: true, force: true });
  fs.renameSync(partial, final);
  for (const old of checkpointDirs(runDir).slice(1)) fs.rmSync(old.dir, { recursive: true, force: true });
  return final;
}

/** Restores the newest checkpoint into params/adam/progress (in place); false if there is none. */
export function loadLatestCheckpoint(runDir: string, into: { params: Params; adam: AdamState; progress: TrainProgress }): boolean {
  const latest = checkpointDirs(runDir)[0];
  if (!latest) return false;
  // A checkpoint from before checksums has none to check; it is read as it always was.
  for (const name of CHECKPOINT_FILES) verifyChecksum(path.join(latest.dir, name));
  const weights = withRepairHint(path.join(latest.dir, "model.safetensors"), () => loadCheckpoint(latest.dir).params);
  const optFile = path.join(latest.dir, OPTIMIZER_FILE);
  const opt = withRepairHint(optFile, () => decodeSafetensors(readBytes(optFile), optFile));
  const restore = (v: tf.Variable, data: Float32Array | undefined, what: string) => {
    if (!data || data.length !== v.size) throw new InputError(`${latest.dir}: checkpoint has no matching ${what}; ${repairHint(latest.dir)}`);
    tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
  };
  for (const [n, p] of into.params) {
    restore(p, weights.get(n)?.data, n);
    restore(into.adam.m.get(n)!, opt.tensors.get(`m.${n}`)?.data as Float32Array, `m.${n}`);
    restore(into.adam.v.get(n)!, opt.tensors.get(`v.${n}`)?.data as Float32Array, `v.${n}`);
  }
  into.adam.step = Number(opt.metadata.adamStep);
  Object.assign(into.progress, JSON.parse(opt.metadata.progress) as TrainProgress);
  return true;
}
