// Loader and typed front end of cbar.wasm (see cbar.wat): sums of per-probe cosines between
// float32 rows, the compare stage's only heavy arithmetic. A CbarArena is one shared WebAssembly
// memory laid out in named regions; callers fill the regions through typed views and run sums
// with byte offsets, so a cell's rows are copied in once and reused by every block product.
// sumAll() spreads a batch of sums over worker threads (one per core) that share the memory;
// each sum writes its own output, so the result does not depend on which thread ran it.
import * as os from "node:os";
import { Worker } from "node:worker_threads";
import { kernelModule } from "./load.ts";
const PAGE = 65536;

/** Ints per segment in the kernel's table: begin in A, begin in B, length, A's probe, B's probe. */
export const SEGMENT_INTS = 5;

type Kind = "f32" | "f64" | "i32";
const BYTES: Record<Kind, number> = { f32: 4, f64: 8, i32: 4 };

export interface Region<K extends Kind = Kind> {
  kind: K;
  /** Byte offset in the arena's memory. */
  at: number;
  length: number;
}

export interface SumArgs {
  /** Rows of A: a float32 region and the first row and row count within it. */
  a: Region<"f32">;
  aRow: number;
  m: number;
  b: Region<"f32">;
  bRow: number;
  n: number;
  /** Values per row (stride) of both A and B. */
  ld: number;
  segments: Region<"i32">;
  /** Norms, float64 [row * P + probe], in row order of a and b. */
  normsA: Region<"f64">;
  normsB: Region<"f64">;
  nProbes: number;
  /** Output, float64 [m * n] from double outAt (default 0) of the region; zeroed, then the sums are added. */
  out: Region<"f64">;
  outAt?: number;
}

/** The kernel's arguments, as cbar-worker.ts reads them from the job table, and the table's size. */
export const JOB_INTS = 11;
const MAX_JOBS = 4096;
/** Control words shared with the workers: batch generation, next job, job count, workers done,
 *  workers started, and a flag a worker sets when a job throws. */
export const CONTROL = { generation: 0, next: 1, count: 2, done: 3, ready: 4, failed: 5 } as const;
/** How long worker threads may take to start before sums run on this thread alone. */
const START_MS = 30_000;

type CbarSum = (A: number, m: number, B: number, n: number, ld: number, segs: number, nseg: number, NA: number, NB: number, P: number, C: number) => void;

export class CbarArena {
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  private readonly kernel = new WebAssembly.Instance(kernelModule("cbar"), { env: { memory: this.memory } }).exports as {
    cbar_sum: CbarSum;
    norms: (A: number, rows: number, ld: number, segs: number, nseg: number, P: number, N: number) => void;
  };
  private pool: { workers: Worker[]; control: Int32Array; jobs: Int32Array } | null = null;
  /** Set when worker threads could not start here; sums then run on this thread only. */
  private threadsFailed = false;

  /** Lays regions out one after another (8-byte aligned), growing the memory to fit; old views are invalid after. */
  layout<T extends Record<string, [Kind, number]>>(spec: T): { [k in keyof T]: Region<T[k][0]> } {
    let at = 0;
    const out = {} as Record<string, Region>;
    for (const [name, [kind, length]] of Object.entries(spec)) {
      out[name] = { kind, at, length };
      at += Math.ceil((length * BYTES[kind]) / 8) * 8;
    }
    if (at > 4 * 1024 ** 3 - PAGE) throw new Error(`cbar: ${(at / 1024 ** 3).toFixed(1)} GiB does not fit a 32-bit WebAssembly memory; compare fewer refits at once`);
    const pages = Math.ceil(at / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (pages > 0) this.memory.grow(pages);
    return out as { [k in keyof T]: Region<T[k][0]> };
  }

  f32(r: Region<"f32">): Float32Array {
    return new Float32Array(this.memory.buffer, r.at, r.length);
  }

  f64(r: Region<"f64">): Float64Array {
    return new Float64Array(this.memory.buffer, r.at, r.length);
  }

  i32(r: Region<"i32">): Int32Array {
    return new Int32Array(this.memory.buffer, r.at, r.length);
  }

  /**
   * norms[(row - first) * P + probe] = |row on that probe's segment| for rows [first, first + count) of
   * `rows`, each segment's A side; computed as the kernel's dot, so cos(x, x) is 1 to the last bit.
   */
  norms(rows: Region<"f32">, first: number, count: number, ld: number, segments: Region<"i32">, nProbes: number, out: Region<"f64">, outRow: number): void {
    if (first < 0 || (first + count) * ld > rows.length || (outRow + count) * nProbes > out.length) throw new Error("cbar: norms outside their region");
    this.kernel.norms(rows.at + first * ld * 4, count, ld, segments.at, segments.length / SEGMENT_INTS, nProbes, out.at + outRow * nProbes * 8);
  }

  /** out[i * n + j] = sum over segments of cos(A row i, B row j) on that segment (eps 1e-8). */
  sum(x: SumArgs): Float64Array {
    const [out] = this.sumAll([x], 1);
    return out;
  }

  /** sum() for every job, spread over up to `threads` threads; the jobs' outputs must not overlap. */
  sumAll(jobs: readonly SumArgs[], threads = os.availableParallelism()): Float64Array[] {
    const args = jobs.map((x) => this.kernelArgs(x));
    const outs = jobs.map((x) => this.f64({ ...x.out, at: x.out.at + (x.outAt ?? 0) * 8, length: x.m * x.n }).fill(0));
    const pool = Math.min(threads, jobs.length) > 1 ? this.workers(threads - 1) : null;
    if (!pool) {
      for (const a of args) this.kernel.cbar_sum(...a);
      return outs;
    }
    for (let first = 0; first < args.length; first += MAX_JOBS) this.runBatch(pool, args.slice(first, first + MAX_JOBS));
    return outs;
  }

  /** One batch through the job table: the workers and this thread take jobs until none is left. */
  private runBatch(pool: NonNullable<CbarArena["pool"]>, args: Parameters<CbarSum>[]): void {
    const { control, jobs: table } = pool;
    args.forEach((a, j) => table.set(a, j * JOB_INTS));
    Atomics.store(control, CONTROL.next, 0);
    Atomics.store(control, CONTROL.count, args.length);
    Atomics.store(control, CONTROL.done, 0);
    Atomics.add(control, CONTROL.generation, 1);
    Atomics.notify(control, CONTROL.generation);
    for (let j = Atomics.add(control, CONTROL.next, 1); j < args.length; j = Atomics.add(control, CONTROL.next, 1)) this.kernel.cbar_sum(...args[j]);
    for (let done = Atomics.load(control, CONTROL.done); done < pool.workers.length; done = Atomics.load(control, CONTROL.done)) {
      Atomics.wait(control, CONTROL.done, done);
    }
    if (Atomics.load(control, CONTROL.failed)) throw new Error("cbar: a worker thread failed on a job (see its error above)");
  }

  private kernelArgs(x: SumArgs): Parameters<CbarSum> {
    const fits = (r: Region, first: number, count: number) => first >= 0 && count >= 0 && first + count <= r.length;
    if (!fits(x.a, x.aRow * x.ld, x.m * x.ld) || !fits(x.b, x.bRow * x.ld, x.n * x.ld)) throw new Error("cbar: rows outside their region");
    if (!fits(x.normsA, x.aRow * x.nProbes, x.m * x.nProbes) || !fits(x.normsB, x.bRow * x.nProbes, x.n * x.nProbes)) throw new Error("cbar: norms outside their region");
    if (!fits(x.out, x.outAt ?? 0, x.m * x.n) || x.segments.length % SEGMENT_INTS !== 0) throw new Error("cbar: output or segment table has the wrong size");
    return [
      x.a.at + x.aRow * x.ld * 4, x.m,
      x.b.at + x.bRow * x.ld * 4, x.n,
      x.ld, x.segments.at, x.segments.length / SEGMENT_INTS,
      x.normsA.at + x.aRow * x.nProbes * 8, x.normsB.at + x.bRow * x.nProbes * 8, x.nProbes,
      x.out.at + (x.outAt ?? 0) * 8,
    ];
  }

  /**
   * Worker threads sharing this memory, started on first use; they hold no reference that keeps
   * the process alive. Batches wait for every worker, so all must have started: if they do not
   * within START_MS (a runtime that cannot load them), null, and sums stay on this thread.
   */
  private workers(count: number): NonNullable<CbarArena["pool"]> | null {
    if (this.threadsFailed) return null;
    if (this.pool && this.pool.workers.length >= count) return this.pool;
    this.close();
    const control = new Int32Array(new SharedArrayBuffer(4 * 6));
    const jobs = new Int32Array(new SharedArrayBuffer(4 * JOB_INTS * MAX_JOBS));
    const workers = Array.from({ length: count }, () => {
      const w = new Worker(new URL("cbar-worker.ts", import.meta.url), { workerData: { module: kernelModule("cbar"), memory: this.memory, control, jobs } });
      w.unref();
      return w;
    });
    this.pool = { workers, control, jobs };
    const deadline = Date.now() + START_MS;
    for (let ready = Atomics.load(control, CONTROL.ready); ready < count; ready = Atomics.load(control, CONTROL.ready)) {
      if (Date.now() >= deadline) {
        this.close();
        this.threadsFailed = true;
        process.emitWarning(`cbar: ${count} worker thread(s) did not start in ${START_MS / 1000} s; comparing on one thread`);
        return null;
      }
      Atomics.wait(control, CONTROL.ready, ready, deadline - Date.now());
    }
    return this.pool;
  }

  /** Stops the worker threads (an arena can still sum afterwards, on a fresh pool). */
  close(): void {
    if (!this.pool) return;
    Atomics.store(this.pool.control, CONTROL.generation, -1);
    Atomics.notify(this.pool.control, CONTROL.generation);
    for (const w of this.pool.workers) void w.terminate();
    this.pool = null;
  }
}
