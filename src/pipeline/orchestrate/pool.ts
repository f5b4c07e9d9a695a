// A pool of worker processes (node:child_process fork with an IPC channel): each worker takes
// jobs one at a time, reports progress and results as messages, and only this parent writes to
// the terminal, so output never interleaves. One process per core by default: tfjs-wasm runs one
// thread per process (docs/kernels.md), so processes are how a suite uses the machine.
// A failed or crashed job stops the pool and kills every worker; so does Ctrl-C (SIGINT/SIGTERM).
import { fork, type ChildProcess } from "node:child_process";
import * as os from "node:os";
import { InputError } from "../artifacts/input-error.ts";

/** Parent -> worker. */
export type ToWorker<J> = { type: "job"; index: number; job: J };
/** Worker -> parent. */
export type FromWorker<R> =
  | { type: "progress"; index: number; event: unknown }
  | { type: "done"; index: number; result: R }
  | { type: "error"; index: number; message: string; bad: boolean; code?: string; path?: string };

/**
 * A worker's error as the parent rethrows it: bad input stays an InputError (one line, exit 2),
 * and an operating-system error keeps its code and path, so the CLI can say it in one line.
 */
function fromWorker(m: Extract<FromWorker<unknown>, { type: "error" }>, job: string): Error {
  const message = `${job} failed: ${m.message}`;
  if (m.bad) return new InputError(message);
  return Object.assign(new Error(message), m.code ? { code: m.code, path: m.path } : {});
}

function toParent(e: unknown, index: number): FromWorker<never> {
  const err = e as NodeJS.ErrnoException;
  const bad = e instanceof InputError;
  const message = bad || err.code ? err.message : (err.stack ?? String(e));
  return { type: "error", index, message, bad, ...(err.code ? { code: err.code, path: err.path } : {}) };
}

export interface PoolOptions<J, R> {
  /** Absolute path of the worker module; it calls serveJobs(). */
  workerModule: string;
  jobs: readonly J[];
  /** Concurrent processes; defaults to the number of cores, never more than the jobs. */
  workers?: number;
  onProgress?: (index: number, event: unknown) => void;
  onDone?: (index: number, result: R) => void;
  /** Names a job in error messages. */
  describe?: (job: J) => string;
}

export const defaultWorkers = () => os.availableParallelism();

/** One pool's state, shared by its workers: what is handed out and done, and how it settles. */
interface Pool<J, R> {
  o: PoolOptions<J, R>;
  describe: (job: J) => string;
  results: R[];
  children: ChildProcess[];
  next: number;
  finished: number;
  settled: boolean;
  /** Settles once, killing every worker: with the results, or with the first error. */
  settle: (error?: Error) => void;
}

/** Runs every job in worker processes; resolves to results in job order. */
export function runPool<J, R>(o: PoolOptions<J, R>): Promise<R[]> {
  const nWorkers = Math.max(1, Math.min(o.workers ?? defaultWorkers(), o.jobs.length));
  return new Promise<R[]>((resolve, reject) => {
    const pool: Pool<J, R> = {
      o,
      describe: o.describe ?? ((_: J) => "job"),
      results: new Array<R>(o.jobs.length),
      children: [],
      next: 0,
      finished: 0,
      settled: false,
      settle: (error) => {
        if (pool.settled) return;
        pool.settled = true;
        for (const c of pool.children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
        process.off("SIGINT", onSignal).off("SIGTERM", onSignal);
        if (error) reject(error);
        else resolve(pool.results);
      },
    };
    const onSignal = (signal: NodeJS.Signals) => {
      pool.settle(Object.assign(new Error(`interrupted by ${signal}; finished runs are kept and a rerun resumes the rest`), { signal }));
    };
    process.on("SIGINT", onSignal).on("SIGTERM", onSignal);
    if (o.jobs.length === 0) return pool.settle();
    for (let w = 0; w < nWorkers; w++) startWorker(pool);
  });
}

/** Forks one worker and hands it jobs, one at a time, until none are left or the pool settles. */
function startWorker<J, R>(pool: Pool<J, R>): void {
  const { o } = pool;
  // Workers must not take Ctrl-C themselves: the parent decides, then kills them.
  const child = fork(o.workerModule, [], { stdio: ["ignore", "inherit", "inherit", "ipc"], detached: true });
  pool.children.push(child);
  let job: number | undefined;
  const feed = () => {
    if (pool.settled) return;
    if (pool.next >= o.jobs.length) {
      child.disconnect();
      return;
    }
    job = pool.next++;
    child.send({ type: "job", index: job, job: o.jobs[job] } satisfies ToWorker<J>);
  };
  child.on("message", (m: FromWorker<R>) => {
    if (m.type === "progress") o.onProgress?.(m.index, m.event);
    else if (m.type === "error") pool.settle(fromWorker(m, pool.describe(o.jobs[m.index])));
    else {
      pool.results[m.index] = m.result;
      o.onDone?.(m.index, m.result);
      if (++pool.finished === o.jobs.length) pool.settle();
      else feed();
    }
  });
  child.on("exit", (code, signal) => {
    if (job !== undefined && pool.results[job] === undefined) {
      pool.settle(new Error(`worker for ${pool.describe(o.jobs[job])} exited (${signal ?? `code ${code}`}) before finishing`));
    }
  });
  child.on("error", (e) => pool.settle(e));
  feed();
}

/**
 * Worker side: runs each job it is sent with `handle`, forwarding progress and results. A worker
 * whose parent has gone (killed with -9) stops at its next progress report instead of training on.
 */
export function serveJobs<J, R>(handle: (job: J, progress: (event: unknown) => void) => R | Promise<R>): void {
  const send = (m: FromWorker<R>) => process.send!(m);
  // `connected` changes only when the event loop turns, which a run of training steps may not let
  // it do before the run ends; the parent's PID is read live, and changes the moment it dies.
  const parent = process.ppid;
  const progress = (index: number) => (event: unknown) => {
    if (!process.connected || process.ppid !== parent) process.exit(1);
    send({ type: "progress", index, event });
  };
  process.on("message", async (m: ToWorker<J>) => {
    try {
      const result = await handle(m.job, progress(m.index));
      send({ type: "done", index: m.index, result });
    } catch (e) {
      send(toParent(e, m.index));
    }
  });
  process.on("disconnect", () => process.exit(0));
}
