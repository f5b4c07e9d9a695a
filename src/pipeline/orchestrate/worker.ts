// Entry point of a training worker process (forked by pool.ts): initialises the backend the
// parent chose, then runs the jobs it is sent, reporting each training step as progress.
import type { RunRecord } from "../artifacts/run-record.ts";
import { activeAdapter, initBackend } from "../model/backend.ts";
import { adapterLine } from "../model/webgpu.ts";
import { newJobCache, runJob, type RunJob } from "./job.ts";
import { serveJobs } from "./pool.ts";

const cache = newJobCache();
let backend: string | null = null;

serveJobs<RunJob, RunRecord>(async (job, progress) => {
  // The parent chose the kernel path (and told OpenBLAS its core type through the environment), so the run IDs hold here too.
  if (backend !== `${job.backend} ${job.kernels}`) backend = `${await initBackend(job.backend, { kernels: job.kernels })} ${job.kernels}`;
  // A run's ID names the parent's adapter; a worker that got another would train a different model under it.
  const adapter = activeAdapter();
  if (job.adapter && (!adapter || adapterLine(adapter) !== adapterLine(job.adapter))) {
    throw new Error(`worker ${process.pid}: webgpu runs on ${adapter ? adapterLine(adapter) : "no adapter"}, not ${adapterLine(job.adapter)} as its run ID says`);
  }
  return runJob(job, cache, progress);
});
