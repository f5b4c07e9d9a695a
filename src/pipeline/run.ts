// suite -> runs -> train + capture (orchestrate/job.ts, in worker processes when --workers > 1)
// -> compare -> suite result JSON, through the on-disk cache: a finished run is never retrained and
// an interrupted one resumes from its newest checkpoint. Cells that differ only in their probe set
// share runs: each run is one job, which captures it on every probe set its cells use. With a
// shard, only that shard's runs are trained and nothing is compared (the other shards' runs live
// elsewhere until aggregated). The
// compare-and-assemble half is assemble/suite.ts, which `refit aggregate` uses on shards too. A
// suite of `models` trains nothing: each family's checkpoints are captured as `refit capture` does,
// into <out>/captures/<family>/, and compared as its cells.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { InputError } from "./artifacts/input-error.ts";
import { provenance } from "./artifacts/provenance.ts";
import { finishedRecord, reuseFinishedRun, runDirOf } from "./artifacts/runs.ts";
import type { Adapter, BackendName, KernelPath } from "./artifacts/conventions.ts";
import type { RunRecord } from "./artifacts/run-record.ts";
import type { SuiteResult } from "./artifacts/suite-result.ts";
import { writeJsonRecorded } from "./artifacts/checksums.ts";
import { exists, withDirLock } from "./artifacts/store.ts";
import { assembleSuiteResult } from "./assemble/suite.ts";
import { captureFamily, familyCapturePath, type CapturedModel } from "./capture/external.ts";
import { checkProbesFit, loadProbeSet } from "./data/probes.ts";
import { newJobCache, recaptureNote, runJob, summarize, type RunJob } from "./orchestrate/job.ts";
import { shardRuns, type Shard } from "./orchestrate/plan.ts";
import { runPool } from "./orchestrate/pool.ts";
import { memberDir, type FamilyMember } from "./suite/families.ts";
import { runsOnKernels, trainingsOf } from "./suite/grid.ts";
import type { LoadedSuite } from "./suite/load.ts";
import { suiteProgress, type ProgressSink } from "./train/progress.ts";
import type { StepEvent } from "./train/train.ts";

export interface RunSuiteOptions {
  outDir: string;
  backend: BackendName;
  /** The wasm backend's kernel path (activeKernels()); a blas path gives the runs their own IDs. */
  kernels?: KernelPath;
  /** The GPU adapter of a webgpu backend (its runs' IDs name it: suite/grid.ts runsOnAdapter); else null. */
  adapter: Adapter | null;
  /** Where progress goes (stderr by default in the CLI). */
  progress: ProgressSink;
  /** Training processes; 1 trains in this process. */
  workers: number;
  /** Train only this shard's runs, and compare nothing. */
  shard?: Shard;
  /** Another output directory whose finished runs are copied in rather than trained (`--reuse-from`). */
  reuseFrom?: string;
  /** Where the suite's Hub models were downloaded to: <hubDir>/<owner>/<name> (`--hub-dir`). */
  hubDir?: string;
  /** Seconds to wait for another process's lock on a run folder; absent, as long as that process lives. */
  lockTimeoutSeconds?: number;
  /** Told of each family checkpoint as it is captured or found already captured. */
  onCaptured?: (done: CapturedModel) => void;
}

/** A checkpoint's directory, refusing a Hub model nobody downloaded: Refit downloads nothing. */
function checkpointDir(m: FamilyMember, hubDir: string): string {
  const dir = memberDir(m, hubDir);
  if ("hub" in m.at && !exists(path.join(dir, "config.json"))) {
    const revision = m.revision ? ` --revision ${m.revision}` : "";
    throw new InputError(
      `${dir}: Hub model ${m.at.hub} is not there, and Refit downloads nothing; fetch it first (e.g. huggingface-cli download ${m.at.hub}${revision} --local-dir ${dir}, then bin/convert_to_hf.py pytorch-bin if it has no model.safetensors), or pass --hub-dir`,
    );
  }
  return dir;
}

/** Captures every checkpoint of a suite's `models` (ablating each family's anchor), keeping captures already made. */
async function captureFamilies(loaded: LoadedSuite, opts: RunSuiteOptions): Promise<void> {
  const probeSet = loadProbeSet(loaded.suite.probes.set);
  const hubDir = opts.hubDir ?? path.join(opts.outDir, "hub");
  for (const family of loaded.families) {
    const names = new Map<string, string>();
    // Two runs of one suite on one folder take turns on a family: captureFamily locks its folder.
    const lock = { waitSeconds: opts.lockTimeoutSeconds ?? Infinity, onWait: (m: string) => opts.progress.write(`refit: ${m}\n`) };
    await captureFamily({
      family: family.name,
      models: family.members.map((m) => {
        const dir = checkpointDir(m, hubDir);
        names.set(dir, m.name);
        return { dir, model: m.model, revision: m.revision, seed: m.seed };
      }),
      probeSet,
      backend: opts.backend,
      kernels: opts.kernels,
      ablation: "anchor",
      fileOf: (m) => familyCapturePath(opts.outDir, family.name, names.get(m.dir)!),
      folder: path.join(opts.outDir, "captures", family.name),
      lock,
      onDone: opts.onCaptured,
    });
  }
}

const WORKER = fileURLToPath(new URL("./orchestrate/worker.ts", import.meta.url));

/** Trains every job not yet finished, in this process or a pool, with one progress display; records in job order. */
async function trainAll(jobs: RunJob[], labels: string[], opts: RunSuiteOptions): Promise<RunRecord[]> {
  const done = jobs.map((j) => finishedRecord(runDirOf(j.outDir, j.backend, j.run.runId), j.probeSets));
  const todo = jobs.map((_, i) => i).filter((i) => done[i] === null);
  for (const i of todo) {
    const note = recaptureNote(jobs[i]);
    if (note) opts.progress.write(`${labels[i]}  ${note}\n`);
  }
  const display = suiteProgress(opts.progress, jobs.length, jobs.length - todo.length);
  const bars = new Map<number, ReturnType<typeof display.start>>();
  const bar = (i: number) => bars.get(i) ?? bars.set(i, display.start(labels[i])).get(i)!;
  const finish = (i: number, record: RunRecord) => {
    done[i] = record;
    bar(i).done(summarize(record));
  };
  if (opts.workers <= 1) {
    const cache = newJobCache();
    for (const i of todo) finish(i, await runJob(jobs[i], cache, (e) => bar(i).onStep(e)));
  } else {
    await runPool<RunJob, RunRecord>({
      workerModule: WORKER,
      jobs: todo.map((i) => jobs[i]),
      workers: opts.workers,
      describe: (j) => `run ${j.run.runId} (seed ${j.run.seed})`,
      onProgress: (k, e) => bar(todo[k]).onStep(e as StepEvent),
      onDone: (k, record) => finish(todo[k], record),
    });
  }
  return done as RunRecord[];
}

/**
 * Jobs for some of a suite's runs, one per run ID, labelled by their place in the whole suite; with
 * `reuseFrom`, finished runs found there are first copied into the output directory, so they count
 * as cached.
 */
function jobsOf(loaded: LoadedSuite, runs: LoadedSuite["runs"], opts: RunSuiteOptions): { jobs: RunJob[]; labels: string[] } {
  for (const cell of loaded.cells) checkProbesFit(loadProbeSet(cell.probeSet), cell.config.data.nCtx);
  const cellIndex = new Map(loaded.cells.map((c, i) => [c.cellId, i + 1]));
  const all = trainingsOf(runsOnKernels(loaded.runs, opts.kernels)).map((t) => t.run.runId);
  const trainings = trainingsOf(runsOnKernels(runs, opts.kernels));
  const kernels = opts.kernels?.path ?? "wasm";
  const jobs = trainings.map(({ run, probeSets }) => ({ run, probeSets, outDir: opts.outDir, backend: opts.backend, kernels, adapter: opts.adapter, suiteFile: loaded.file, lockTimeoutSeconds: opts.lockTimeoutSeconds }));
  const from = opts.reuseFrom;
  if (from) for (const j of jobs) reuseFinishedRun(j.run, runDirOf(from, j.backend, j.run.runId), runDirOf(j.outDir, j.backend, j.run.runId), j.probeSets);
  const labels = trainings.map(({ run, runs: shared }) => {
    const cells = shared.map((r) => cellIndex.get(r.cellId));
    return `run ${all.indexOf(run.runId) + 1}/${all.length} cell${cells.length > 1 ? "s" : ""} ${cells.join(",")} seed ${run.seed}`;
  });
  return { jobs, labels };
}

/**
 * Trains and captures one shard's runs (`refit run --shard i/N`); returns their records. Shards
 * split the kernel-free run IDs, so every shard of a plan agrees on the split whatever BLAS it has.
 */
export async function trainShard(loaded: LoadedSuite, opts: RunSuiteOptions & { shard: Shard }): Promise<RunRecord[]> {
  const { jobs, labels } = jobsOf(loaded, shardRuns(loaded.runs, opts.shard), opts);
  return trainAll(jobs, labels, opts);
}

export async function runSuite(suite: LoadedSuite, opts: RunSuiteOptions): Promise<{ result: SuiteResult; resultPath: string }> {
  const started = performance.now();
  const loaded = { ...suite, runs: runsOnKernels(suite.runs, opts.kernels) };
  const { jobs, labels } = jobsOf(loaded, loaded.runs, opts);
  const cachedRuns = jobs.filter((j) => finishedRecord(runDirOf(j.outDir, j.backend, j.run.runId), j.probeSets) !== null).length;
  await captureFamilies(loaded, opts);
  const records = await trainAll(jobs, labels, opts);
  const result = assembleSuiteResult(loaded, {
    records,
    runDir: (r) => runDirOf(opts.outDir, opts.backend, r.runId),
    familyCapture: (family, m) => familyCapturePath(opts.outDir, family.name, m.name),
    provenance: provenance(opts.backend, opts.kernels, opts.adapter),
    timings: () => ({ wallSeconds: (performance.now() - started) / 1000, trainedRuns: jobs.length - cachedRuns, cachedRuns }),
  });
  const resultPath = path.join(opts.outDir, "results", loaded.suite.name, `${loaded.hash.slice(0, 12)}-${opts.backend}.json`);
  // Two runs of one suite on one folder each write the result: the lock keeps file and record a pair.
  await withDirLock(path.dirname(resultPath), () => writeJsonRecorded(resultPath, result), { waitSeconds: Infinity });
  return { result, resultPath };
}
