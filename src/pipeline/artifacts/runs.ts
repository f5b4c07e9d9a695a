// Where a run's files live in an output folder (`refit run --out`): <out>/runs/<backend>/<runId>/
// holds run.json, capture.safetensors, its untrained twin capture-init.safetensors and the
// checkpoints. The orchestrator writes this tree; publishing reads shards of it; both ask here.
import * as path from "node:path";
import { RunRecordSchema, type BackendName, type RunRecord } from "./schemas.ts";
import { exists, readJson } from "./store.ts";

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
