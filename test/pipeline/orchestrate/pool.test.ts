import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { runPool } from "../../../src/pipeline/orchestrate/pool.ts";

const WORKER = path.resolve(import.meta.dirname, "../../fixtures/workers/square.ts");

describe("runPool", () => {
  it("runs every job across workers and returns results in job order", async () => {
    const events: unknown[] = [];
    const done: number[] = [];
    const jobs = [1, 2, 3, 4, 5, 6, 7];
    const results = await runPool<number, number>({ workerModule: WORKER, jobs, workers: 2, onProgress: (_, e) => events.push(e), onDone: (i) => done.push(i) });
    expect(results).toEqual([1, 4, 9, 16, 25, 36, 49]);
    expect(done.sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(events).toHaveLength(14);
    const pids = new Set(events.map((e) => (e as { pid?: number }).pid).filter((p) => p !== undefined));
    expect(pids.size).toBe(2);
  });

  it("uses no more workers than jobs, and resolves at once with no jobs", async () => {
    const pids = new Set<number>();
    await runPool<number, number>({ workerModule: WORKER, jobs: [3], workers: 4, onProgress: (_, e) => (e as { pid?: number }).pid && pids.add((e as { pid: number }).pid) });
    expect(pids.size).toBe(1);
    expect(await runPool<number, number>({ workerModule: WORKER, jobs: [] })).toEqual([]);
  });

  it("rejects naming the job when a job throws", async () => {
    await expect(runPool<number, number>({ workerModule: WORKER, jobs: [1, -2, 3], workers: 2, describe: (n) => `job ${n}` })).rejects.toThrow(/job -2 failed: Error: negative input -2/);
  });

  it("rejects when a worker dies mid-job", async () => {
    await expect(runPool<number, number>({ workerModule: WORKER, jobs: [13], describe: (n) => `job ${n}` })).rejects.toThrow(/job 13 exited \(code 3\) before finishing/);
  });

  it("stops a worker whose parent was killed with -9, even mid-job in steps that never yield", async () => {
    // A parent that starts the 20-second job, prints its worker's PID at the first progress event, and kills itself.
    const parent = `
      import { runPool } from ${JSON.stringify(path.resolve(import.meta.dirname, "../../../src/pipeline/orchestrate/pool.ts"))};
      runPool({ workerModule: ${JSON.stringify(WORKER)}, jobs: [99], onProgress: (_, e) => {
        if (e.pid) { console.log(e.pid); process.kill(process.pid, "SIGKILL"); }
      } });`;
    const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "refit-pool-")), "parent.mjs");
    fs.writeFileSync(script, parent);
    const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    await new Promise((resolve) => child.on("exit", resolve));
    const worker = Number(out.trim().split("\n")[0]);
    expect(worker).toBeGreaterThan(0);
    const alive = () => {
      try {
        process.kill(worker, 0);
        return true;
      } catch {
        return false;
      }
    };
    const deadline = Date.now() + 5_000;
    while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(alive(), "the worker trained on after its parent died").toBe(false);
  });
});
