// Entry point of a training worker process (forked by pool.ts): initialises the backend the
// parent chose, then runs the jobs it is sent, reporting each training step as progress.
import type { RunRecord } from "../artifacts/run-record.ts";
import { initBackend } from "../model/backend.ts";
import { newJobCache, runJob, type RunJob } from "./job.ts";
import { serveJobs } from "./pool.ts";

const cache = newJobCache();
let backend: string | null = null;

serveJobs<RunJob, RunRecord>(async (job, progress) => {
  if (backend !== job.backend) backend = await initBackend(job.backend);
  return runJob(job, cache, progress);
});
