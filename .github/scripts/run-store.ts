// The nightly's run store: finished runs (record and captures, keyed by run ID) kept in the Actions
// cache between nights, so a night trains only runs whose ID is new. The aggregate job merges the
// night's shard outputs into the store restored from the cache, keeps only the runs tonight's suites
// plan, and prints the key to save it under: the SHA-256 of its sorted run IDs, one a line, which is
// what `refit plan --run-ids | sha256sum` gives when the store holds every planned run.
// Usage: node .github/scripts/run-store.ts --store <dir> --backend <name> [--from <shard-dir>...] <suite.yaml...>
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { BackendSchema, type BackendName } from "../../src/pipeline/artifacts/schemas.ts";
import { reuseFinishedRun, runDirOf } from "../../src/pipeline/artifacts/runs.ts";
import type { Run } from "../../src/pipeline/suite/grid.ts";
import { loadSuite } from "../../src/pipeline/suite/load.ts";

/** The cache key suffix of a set of run IDs: as `refit plan --run-ids | sha256sum | cut -c1-32`. */
const storeKey = (runIds: readonly string[]) => createHash("sha256").update(`${[...runIds].sort().join("\n")}\n`).digest("hex").slice(0, 32);

/** Copies finished planned runs from the shard dirs into the store, removes runs no suite plans, and returns the IDs held. */
function mergeIntoStore(store: string, backend: BackendName, planned: readonly Run[], from: readonly string[]): { held: string[]; added: number; removed: number } {
  const dir = path.join(store, "runs", backend);
  fs.mkdirSync(dir, { recursive: true });
  const byId = new Map(planned.map((r) => [r.runId, r]));
  let removed = 0;
  for (const name of fs.readdirSync(dir).filter((n) => !byId.has(n))) {
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed++;
  }
  let added = 0;
  for (const run of byId.values()) {
    for (const shard of from) if (reuseFinishedRun(run, runDirOf(shard, backend, run.runId), path.join(dir, run.runId))) added++;
  }
  return { held: fs.readdirSync(dir).sort(), added, removed };
}

const { values, positionals } = parseArgs({ allowPositionals: true, options: { store: { type: "string" }, backend: { type: "string" }, from: { type: "string", multiple: true } } });
const backend = BackendSchema.safeParse(values.backend);
if (!values.store || !backend.success || positionals.length === 0) {
  console.error("usage: run-store.ts --store <dir> --backend <name> [--from <shard-dir>...] <suite.yaml...>");
  process.exit(2);
}
const planned = (await Promise.all(positionals.map((f) => loadSuite(f)))).flatMap((l) => l.runs);
const { held, added, removed } = mergeIntoStore(values.store, backend.data, planned, values.from ?? []);
console.error(`run store: ${held.length} of ${new Set(planned.map((r) => r.runId)).size} planned runs (${added} added tonight, ${removed} no longer planned removed)`);
console.log(`key=${storeKey(held)}`);
