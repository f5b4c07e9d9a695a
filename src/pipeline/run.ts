// suite -> runs -> train + capture (orchestrate/job.ts, in worker processes when --workers > 1)
// -> compare -> suite result JSON, through the on-disk cache: a finished run is never retrained and
// an interrupted one resumes from its newest checkpoint. With a shard, only that shard's runs are
// trained and nothing is compared (the other shards' runs live elsewhere until aggregated). The
// compare-and-assemble half is assemble/suite.ts, which `refit aggregate` uses on shards too.
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { provenance } from "./artifacts/provenance.ts";
import { finishedRecord, reuseFinishedRun, runDirOf } from "./artifacts/runs.ts";
import type { BackendName, RunRecord, SuiteResult } from "./artifacts/schemas.ts";
import { writeJsonAtomic } from "./artifacts/store.ts";
import { assembleSuiteResult } from "./assemble/suite.ts";
import { checkProbesFit, loadProbeSet } from "./data/probes.ts";
import { newJobCache, runJob, summarize, type RunJob } from "./orchestrate/job.ts";
import { shardRuns, type Shard } from "./orchestrate/plan.ts";
import { runPool } from "./orchestrate/pool.ts";
import type { LoadedSuite } from "./suite/load.ts";
import { suiteProgress, type ProgressSink } from "./train/progress.ts";
import type { StepEvent } from "./train/train.ts";

export interface RunSuiteOptions {
  outDir: string;
  backend: BackendName;
  /** Where progress goes (stderr by default in the CLI). */
  progress: ProgressSink;
  /** Training processes; 1 trains in this process. */
  workers: number;
  /** Train only this shard's runs, and compare nothing. */
  shard?: Shard;
  /** Another output directory whose finished runs are copied in rather than trained (`--reuse-from`). */
  reuseFrom?: string;
}

const WORKER = fileURLToPath(new URL("./orchestrate/worker.ts", import.meta.url));

/** Trains every job not yet finished, in this process or a pool, with one progress display; records in job order. */
async function trainAll(jobs: RunJob[], labels: string[], opts: RunSuiteOptions): Promise<RunRecord[]> {
  const done = jobs.map((j) => finishedRecord(runDirOf(j.outDir, j.backend, j.run.runId)));
  const todo = jobs.map((_, i) => i).filter((i) => done[i] === null);
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
 * Jobs for some of a suite's runs, labelled by their place in the whole suite; with `reuseFrom`,
 * finished runs found there are first copied into the output directory, so they count as cached.
 */
function jobsOf(loaded: LoadedSuite, runs: LoadedSuite["runs"], opts: RunSuiteOptions): { jobs: RunJob[]; labels: string[] } {
  const probes = loadProbeSet(loaded.suite.probes.set);
  for (const cell of loaded.cells) checkProbesFit(probes, cell.config.data.nCtx);
  const cellIndex = new Map(loaded.cells.map((c, i) => [c.cellId, i + 1]));
  const jobs = runs.map((run) => ({ run, outDir: opts.outDir, backend: opts.backend, probeSet: probes.id, suiteFile: loaded.file }));
  const from = opts.reuseFrom;
  if (from) for (const j of jobs) reuseFinishedRun(j.run, runDirOf(from, j.backend, j.run.runId), runDirOf(j.outDir, j.backend, j.run.runId));
  const labels = runs.map((run) => `run ${loaded.runs.indexOf(run) + 1}/${loaded.runs.length} cell ${cellIndex.get(run.cellId)} seed ${run.seed}`);
  return { jobs, labels };
}

/** Trains and captures one shard's runs (`refit run --shard i/N`); returns their records. */
export async function trainShard(loaded: LoadedSuite, opts: RunSuiteOptions & { shard: Shard }): Promise<RunRecord[]> {
  const { jobs, labels } = jobsOf(loaded, shardRuns(loaded.runs, opts.shard), opts);
  return trainAll(jobs, labels, opts);
}

export async function runSuite(loaded: LoadedSuite, opts: RunSuiteOptions): Promise<{ result: SuiteResult; resultPath: string }> {
  const started = performance.now();
  const { jobs, labels } = jobsOf(loaded, loaded.runs, opts);
  const cachedRuns = jobs.filter((j) => finishedRecord(runDirOf(j.outDir, j.backend, j.run.runId)) !== null).length;
  const records = await trainAll(jobs, labels, opts);
  const result = assembleSuiteResult(loaded, {
    records,
    runDir: (r) => runDirOf(opts.outDir, opts.backend, r.runId),
    provenance: provenance(opts.backend),
    timings: () => ({ wallSeconds: (performance.now() - started) / 1000, trainedRuns: jobs.length - cachedRuns, cachedRuns }),
  });
  const resultPath = path.join(opts.outDir, "results", loaded.suite.name, `${loaded.hash.slice(0, 12)}-${opts.backend}.json`);
  writeJsonAtomic(resultPath, result);
  return { result, resultPath };
}
