// Where a run's files live in an output folder (`refit run --out`): <out>/runs/<backend>/<runId>/
// holds run.json, the checkpoints, and per probe set the run is captured on a capture and its
// untrained twin: capture.safetensors and capture-init.safetensors on the default set,
// capture.<set>.safetensors and capture.<set>-init.safetensors on another. Training does not
// depend on the probe set, so one run folder serves every cell that differs only in its set. The
// orchestrator writes this tree; publishing reads shards of it; both ask here.
import * as fs from "node:fs";
import * as path from "node:path";
import { canonicalJson } from "./hash.ts";
import type { Adapter, BackendName, KernelPath } from "./conventions.ts";
import { InputError } from "./input-error.ts";
import { RunRecordSchema, type RunRecord } from "./run-record.ts";
import { DEFAULT_PROBE_SET } from "./suite.ts";
import { sidecarOf, verifyChecksum, withRepairHint } from "./checksums.ts";
import { exists, readJson, syncDir } from "./store.ts";

export const runsDirOf = (outDir: string) => path.join(outDir, "runs");
export const runDirOf = (outDir: string, backend: BackendName, runId: string) => path.join(runsDirOf(outDir), backend, runId);
export const recordPath = (runDir: string) => path.join(runDir, "run.json");
// The default set keeps the names captures had before a run could be captured on several sets,
// so caches and shards made then stay valid.
const captureStem = (probeSet: string) => (probeSet === DEFAULT_PROBE_SET ? "capture" : `capture.${probeSet}`);
/** A run's capture on one probe set. */
export const capturePath = (runDir: string, probeSet: string) => path.join(runDir, `${captureStem(probeSet)}.safetensors`);
/** The untrained twin of a run (initParams with the run's seed, no training step) on one probe set: the untrained null. */
export const initCapturePath = (runDir: string, probeSet: string) => path.join(runDir, `${captureStem(probeSet)}-init.safetensors`);
const captureFiles = (runDir: string, probeSet: string) => [capturePath(runDir, probeSet), initCapturePath(runDir, probeSet)];

/** Whether a run folder holds both captures on a probe set. */
export const hasCaptures = (runDir: string, probeSet: string) => captureFiles(runDir, probeSet).every(exists);

/**
 * How `refit plan --run-ids` and the nightly's run store name a run's captures on one probe set:
 * the run ID, then the set unless it is the default (so a default-set suite's lines are its run IDs).
 */
export const captureKey = (runId: string, probeSet: string) => (probeSet === DEFAULT_PROBE_SET ? runId : `${runId} ${probeSet}`);

/** Record of a run whose training finished, whether or not it has been captured on every probe set; else null. */
export function trainedRecord(runDir: string): RunRecord | null {
  const file = recordPath(runDir);
  if (!exists(file)) return null;
  verifyChecksum(file);
  const record = withRepairHint(file, () => readJson(file, RunRecordSchema));
  return record.status === "finished" ? record : null;
}

/** Record of a run that finished and is captured on every one of `probeSets`, or null (absent, failed, or a capture missing). */
export function finishedRecord(runDir: string, probeSets: readonly string[]): RunRecord | null {
  return probeSets.every((s) => hasCaptures(runDir, s)) ? trainedRecord(runDir) : null;
}

/**
 * Copies a run's finished copy from another output folder (e.g. a restored cache of earlier nights)
 * into `runDir`: its record and its captures on `probeSets`, not its checkpoints, which a finished
 * run no longer needs. Only when `runDir` does not exist yet (a started run there resumes instead),
 * the copy is the run expected (same ID and config) and it holds every capture asked for; built in a
 * temp folder and renamed, so `runDir` is whole or absent. Returns the record, or null when nothing
 * was copied.
 */
export function reuseFinishedRun(expected: Pick<RunRecord, "runId" | "config">, fromDir: string, runDir: string, probeSets: readonly string[]): RunRecord | null {
  if (fs.existsSync(runDir)) return null;
  const record = finishedRecord(fromDir, probeSets);
  if (!record || record.runId !== expected.runId || canonicalJson(record.config) !== canonicalJson(expected.config)) return null;
  // Hidden, so a copy cut short is never taken for a run ID by whoever lists the folder.
  const temp = path.join(path.dirname(runDir), `.${path.basename(runDir)}.reuse-${process.pid}`);
  fs.rmSync(temp, { recursive: true, force: true });
  fs.mkdirSync(temp, { recursive: true });
  const files = [...probeSets.flatMap((s) => captureFiles(fromDir, s)), recordPath(fromDir)];
  // A damaged copy is refused here rather than carried into this cache under a new record.
  for (const file of files) verifyChecksum(file);
  for (const file of files.flatMap((f) => (exists(sidecarOf(f)) ? [f, sidecarOf(f)] : [f]))) fs.copyFileSync(file, path.join(temp, path.basename(file)));
  syncDir(temp);
  fs.renameSync(temp, runDir);
  return record;
}

/** The run records under the `backend` folder of each output folder, with their run folders; folders without a record (unfinished) are skipped. */
function recordsUnder(outDirs: readonly string[], backend: BackendName): { dir: string; record: RunRecord }[] {
  return outDirs.flatMap((out) => {
    const dir = path.join(runsDirOf(out), backend);
    if (!fs.existsSync(dir)) return [];
    return fs
      .readdirSync(dir)
      .filter((d) => !d.startsWith(".") && exists(recordPath(path.join(dir, d))))
      .map((d) => ({ dir: path.join(dir, d), record: readJson(recordPath(path.join(dir, d)), RunRecordSchema) }));
  });
}

/**
 * The GPU adapter of the webgpu runs under these output folders (from their records' provenance),
 * null when there are none: webgpu run IDs name their adapter (suite/grid.ts runsOnAdapter), so
 * whoever looks a suite's runs up there needs it. Runs from two adapters are never one cell, so
 * finding more than one is an error naming both.
 */
export function webgpuAdapterIn(outDirs: readonly string[]): Adapter | null {
  const found = new Map<string, { adapter: Adapter; dir: string }>();
  for (const { dir, record } of recordsUnder(outDirs, "webgpu")) {
    const adapter = record.provenance.adapter;
    if (adapter) found.set(canonicalJson([adapter.vendor, adapter.architecture, adapter.device]), { adapter, dir });
  }
  const all = [...found.values()];
  if (all.length > 1) {
    throw new InputError(`${all[0].dir} and ${all[1].dir} were trained on different GPU adapters (${[all[0], all[1]].map((f) => `${f.adapter.vendor} ${f.adapter.architecture} ${f.adapter.device}`).join(" vs ")}); aggregate each adapter's shards apart`);
  }
  return all[0]?.adapter ?? null;
}

/**
 * The BLAS kernel path the wasm runs in `outDirs` were trained on, when they were: blas run IDs name
 * the BLAS (suite/grid.ts runsOnKernels), so aggregate must plan under the same IDs. Runs of two
 * BLAS builds, or blas runs beside wasm-kernel ones, cannot share a cell and are refused.
 */
export function blasKernelsIn(outDirs: readonly string[]): KernelPath | undefined {
  const found = new Map<string, { kernels: KernelPath; dir: string }>();
  for (const { dir, record } of recordsUnder(outDirs, "wasm")) {
    const kernels = record.provenance.kernels ?? { path: "wasm", blas: null };
    found.set(kernels.path === "blas" && kernels.blas ? `${kernels.blas.library} ${kernels.blas.coreType}` : "wasm", { kernels, dir });
  }
  const all = [...found.values()];
  if (all.length > 1) {
    const paths = all.slice(0, 2).map((f) => `${f.dir} (${f.kernels.path === "blas" ? `blas ${f.kernels.blas!.library} ${f.kernels.blas!.coreType}` : "wasm kernels"})`);
    throw new InputError(`${paths.join(" and ")} were trained on different kernel paths; aggregate each path's shards apart`);
  }
  return all[0]?.kernels.path === "blas" ? all[0].kernels : undefined;
}
