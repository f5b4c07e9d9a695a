// The nightly's run store: finished runs (record and captures, keyed by run ID) kept in the Actions
// cache between nights, so a night trains only runs whose ID is new. The aggregate job merges the
// night's shard outputs into the store restored from the cache, keeps only the runs tonight's suites
// plan, and prints the key to save it under: the SHA-256 of the sorted capture keys it holds (a run
// ID, then the probe set where it is not the default), one a line, which is what `refit plan
// --run-ids | sha256sum` gives when the store holds every planned run on every planned probe set. A
// run the suites now capture on another probe set too is replaced by a shard's copy that has it, and
// the key changes with it, so the fuller store is saved.
// Usage: node .github/scripts/run-store.ts --store <dir> --backend <name> [--from <shard-dir>...] <suite.yaml...>
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { BackendSchema, type BackendName } from "../../src/pipeline/artifacts/conventions.ts";
import { captureKey, finishedRecord, reuseFinishedRun, runDirOf, webgpuAdapterIn } from "../../src/pipeline/artifacts/runs.ts";
import { runsOnAdapter, trainingsOf, type Training } from "../../src/pipeline/suite/grid.ts";
import { loadSuite } from "../../src/pipeline/suite/load.ts";

/** The cache key suffix of a set of capture keys: as `refit plan --run-ids | sha256sum | cut -c1-32`. */
const storeKey = (keys: readonly string[]) => createHash("sha256").update(`${[...keys].sort().join("\n")}\n`).digest("hex").slice(0, 32);

/**
 * Copies finished planned runs from the shard dirs into the store, removes runs no suite plans, and
 * returns the capture keys held and how many runs are held whole (on every planned probe set).
 */
function mergeIntoStore(store: string, backend: BackendName, planned: readonly Training[], from: readonly string[]): { held: string[]; whole: number; added: number; removed: number } {
  const dir = path.join(store, "runs", backend);
  fs.mkdirSync(dir, { recursive: true });
  const byId = new Map(planned.map((t) => [t.run.runId, t]));
  let removed = 0;
  for (const name of fs.readdirSync(dir).filter((n) => !byId.has(n))) {
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed++;
  }
  let added = 0;
  for (const { run, probeSets } of byId.values()) {
    const stored = path.join(dir, run.runId);
    for (const shard of from) {
      const copy = runDirOf(shard, backend, run.runId);
      if (!finishedRecord(stored, probeSets) && finishedRecord(copy, probeSets)) fs.rmSync(stored, { recursive: true, force: true });
      if (reuseFinishedRun(run, copy, stored, probeSets)) added++;
    }
  }
  const runs = [...byId.values()];
  const held = runs.flatMap(({ run, probeSets }) => probeSets.filter((s) => finishedRecord(path.join(dir, run.runId), [s])).map((s) => captureKey(run.runId, s)));
  const whole = runs.filter(({ run, probeSets }) => finishedRecord(path.join(dir, run.runId), probeSets)).length;
  return { held, whole, added, removed };
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { store: { type: "string" }, backend: { type: "string" }, from: { type: "string", multiple: true } } });
const backend = BackendSchema.safeParse(values.backend);
if (!values.store || !backend.success || positionals.length === 0) {
  console.error("usage: run-store.ts --store <dir> --backend <name> [--from <shard-dir>...] <suite.yaml...>");
  process.exit(2);
}
// webgpu runs are stored under the IDs their adapter gives them (suite/grid.ts runsOnAdapter).
const adapter = backend.data === "webgpu" ? webgpuAdapterIn([...(values.from ?? []), values.store]) : null;
const planned = trainingsOf(runsOnAdapter((await Promise.all(positionals.map((f) => loadSuite(f)))).flatMap((l) => l.runs), adapter));
const { held, whole, added, removed } = mergeIntoStore(values.store, backend.data, planned, values.from ?? []);
console.error(`run store: ${whole} of ${planned.length} planned runs (${added} added tonight, ${removed} no longer planned removed)`);
console.log(`key=${storeKey(held)}`);
