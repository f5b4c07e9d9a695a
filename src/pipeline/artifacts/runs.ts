// Where a run's files live in an output folder (`refit run --out`): <out>/runs/<backend>/<runId>/
// holds run.json, capture.safetensors, its untrained twin capture-init.safetensors and the
// checkpoints. The orchestrator writes this tree; publishing reads shards of it; both ask here.
import * as fs from "node:fs";
import * as path from "node:path";
import { canonicalJson } from "./hash.ts";
import { RunRecordSchema, type BackendName, type RunRecord } from "./schemas.ts";
import { exists, readJson, syncDir } from "./store.ts";

export const runsDirOf = (outDir: string) => path.join(outDir, "runs");
export const runDirOf = (outDir: string, backend: BackendName, runId: string) => path.join(runsDirOf(outDir), backend, runId);
export const recordPath = (runDir: string) => path.join(runDir, "run.json");
export const capturePath = (runDir: string) => path.join(runDir, "capture.safetensors");
/** The untrained twin of a run (initParams with the run's seed, no training step): the untrained null. */
export const initCapturePath = (runDir: string) => path.join(runDir, "capture-init.safetensors");

/** Finished record of a run, or null when it has not finished (absent, failed, or its captures are missing). */
export function finishedRecord(runDir: string): RunRecord | null {
  if (![recordPath(runDir), capturePath(runDir), initCapturePath(runDir)].every(exists)) return null;
  const record = readJson(recordPath(runDir), RunRecordSchema);
  return record.status === "finished" ? record : null;
}

/**
 * Copies a run's finished copy from another output folder (e.g. a restored cache of earlier nights)
 * into `runDir`: its record and captures, not its checkpoints, which a finished run no longer needs.
 * Only when `runDir` does not exist yet (a started run there resumes instead) and the copy is the
 * run expected (same ID and config); built in a temp folder and renamed, so `runDir` is whole or
 * absent. Returns the record, or null when nothing was copied.
 */
export function reuseFinishedRun(expected: Pick<RunRecord, "runId" | "config">, fromDir: string, runDir: string): RunRecord | null {
  if (fs.existsSync(runDir)) return null;
  const record = finishedRecord(fromDir);
  if (!record || record.runId !== expected.runId || canonicalJson(record.config) !== canonicalJson(expected.config)) return null;
  // Hidden, so a copy cut short is never taken for a run ID by whoever lists the folder.
  const temp = path.join(path.dirname(runDir), `.${path.basename(runDir)}.reuse-${process.pid}`);
  fs.rmSync(temp, { recursive: true, force: true });
  fs.mkdirSync(temp, { recursive: true });
  for (const file of [capturePath, initCapturePath, recordPath]) fs.copyFileSync(file(fromDir), file(temp));
  syncDir(temp);
  fs.renameSync(temp, runDir);
  return record;
}
