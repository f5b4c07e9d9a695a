// The nightly's run store: finished runs (record and captures, keyed by run ID) kept in the Actions
// cache between nights, so a night trains only runs whose ID is new. The aggregate job merges the
// night's shard outputs into the store restored from the cache, keeps only the runs tonight's suites
// plan, and prints the key to save it under: the SHA-256 of the sorted capture keys it holds (a run
// ID, then the probe set where it is not the default), one a line, which is what `refit plan
// --run-ids | sha256sum` gives when the store holds every planned run on every planned probe set. A
// run the suites now capture on another probe set too is replaced by a shard's copy that has it, and
// the key changes with it, so the fuller store is saved.
// A store holds one kernel path: `--kernels blas` (wasm backend only) plans the IDs blas runs have,
// which hash the BLAS the shards' records name (suite/grid.ts runsOnKernels), and runs of the other
// path, or of two BLAS builds, are refused in one line with the store left as it was. The workflow
// keeps each path's store under its own cache key (nightly.yml RUN_STORE), so they never mix.
// Usage: node .github/scripts/run-store.ts --store <dir> --backend <name> [--kernels wasm|blas] [--from <shard-dir>...] <suite.yaml...>
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { BackendSchema, type BackendName, type KernelPath } from "../../src/pipeline/artifacts/conventions.ts";
import { InputError } from "../../src/pipeline/artifacts/input-error.ts";
import { blasKernelsIn, captureKey, finishedRecord, reuseFinishedRun, runDirOf, webgpuAdapterIn } from "../../src/pipeline/artifacts/runs.ts";
import { runsOnAdapter, runsOnKernels, trainingsOf, type Training } from "../../src/pipeline/suite/grid.ts";
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

/** The BLAS the wasm runs under these folders were trained on, refusing runs of the other kernel path than `kernels`. */
function blasOf(dirs: readonly string[], backend: BackendName, kernels: string): KernelPath | undefined {
  const found = backend === "wasm" ? blasKernelsIn(dirs) : undefined;
  if (kernels === "blas" && !found) throw new InputError(`--kernels blas, but no run under ${dirs.join(", ")} records the BLAS path`);
  if (kernels === "wasm" && found) throw new InputError(`--kernels wasm, but runs under ${dirs.join(", ")} were trained on blas (${found.blas?.library}, ${found.blas?.coreType} kernels); store them with --kernels blas`);
  return found;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { store: { type: "string" }, backend: { type: "string" }, kernels: { type: "string", default: "wasm" }, from: { type: "string", multiple: true } },
});
const backend = BackendSchema.safeParse(values.backend);
const kernelsOk = values.kernels === "wasm" || (values.kernels === "blas" && backend.data === "wasm");
if (!values.store || !backend.success || !kernelsOk || positionals.length === 0) {
  console.error("usage: run-store.ts --store <dir> --backend <name> [--kernels wasm|blas (blas: backend wasm only)] [--from <shard-dir>...] <suite.yaml...>");
  process.exit(2);
}
const dirs = [...(values.from ?? []), values.store];
let kernels: KernelPath | undefined;
try {
  kernels = blasOf(dirs, backend.data, values.kernels);
} catch (e) {
  if (!(e instanceof InputError)) throw e;
  console.error(`run store: ${e.message}; the store is left as it was`);
  process.exit(2);
}
// webgpu runs are stored under the IDs their adapter gives them (suite/grid.ts runsOnAdapter), blas runs under those their BLAS gives them.
const adapter = backend.data === "webgpu" ? webgpuAdapterIn(dirs) : null;
const planned = trainingsOf(runsOnKernels(runsOnAdapter((await Promise.all(positionals.map((f) => loadSuite(f)))).flatMap((l) => l.runs), adapter), kernels));
const { held, whole, added, removed } = mergeIntoStore(values.store, backend.data, planned, values.from ?? []);
console.error(`run store: ${whole} of ${planned.length} planned runs (${added} added tonight, ${removed} no longer planned removed)`);
console.log(`key=${storeKey(held)}`);
