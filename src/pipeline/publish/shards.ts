// Finds a suite's runs in shard output directories (<dir>/runs/<backend>/<runId>/, as `refit run
// --shard` leaves them) and its families' captures (<dir>/captures/<family>/), and checks they can
// be published together: every planned run present, finished and captured on the probe set of
// every cell that has it, a run or capture found twice only if its captures are byte-identical,
// records that match the suite's resolved config. A run shared by cells on several probe sets is
// located (or missing) in one copy for all of them, so the cells read one model. Problems are
// collected, not thrown one by one, so a single message can list everything that is missing
// (docs/design.md "Publishing"; as asv checks before publishing).
import * as fs from "node:fs";
import * as path from "node:path";
import { canonicalJson, sha256Hex } from "../artifacts/hash.ts";
import { BackendSchema, type BackendName } from "../artifacts/conventions.ts";
import type { RunRecord } from "../artifacts/run-record.ts";
import { capturePath, finishedRecord, initCapturePath, recordPath, runDirOf, runsDirOf, trainedRecord } from "../artifacts/runs.ts";
import { exists, readBytes } from "../artifacts/store.ts";
import { DEFAULT_PROBE_SET } from "../artifacts/suite.ts";
import { familyCapturePath } from "../capture/external.ts";
import { openCapture } from "../capture/format.ts";
import { trainingsOf, type Run } from "../suite/grid.ts";
import type { LoadedSuite } from "../suite/load.ts";

/** A planned run (of one cell) and where its finished copy, captured on every probe set of its cells, was found. */
export interface LocatedRun {
  run: Run;
  record: RunRecord;
  /** The run directory the captures are read from. */
  dir: string;
  backend: BackendName;
}

/** The records of located runs, each run ID once however many cells (probe sets) share it. */
export const locatedRecords = (located: readonly LocatedRun[]): RunRecord[] => [...new Map(located.map((l) => [l.run.runId, l.record])).values()];

/** A planned run with no finished copy in any shard directory (its shard failed, or is still running). */
export interface MissingRun {
  run: Run;
  /** "missing from every --from directory", or why the copies found are unfinished. */
  reason: string;
}

export interface LocateResult {
  located: LocatedRun[];
  /** Planned runs without a finished copy; only `refit aggregate --allow-missing` publishes without them. */
  missing: MissingRun[];
  /** One line per problem; publishing must not go ahead while any remain. */
  problems: string[];
}

/** A finished record found on disk, whether or not the suite plans it. */
interface Found {
  record: RunRecord;
  dir: string;
  backend: BackendName;
}

/** Every run directory under the shard dirs, keyed by run ID; unknown backend folders are problems. */
function scanShards(from: readonly string[], problems: string[]): Map<string, { dir: string; backend: BackendName }[]> {
  const byRun = new Map<string, { dir: string; backend: BackendName }[]>();
  for (const shard of from) {
    if (!fs.existsSync(shard) || !fs.statSync(shard).isDirectory()) {
      problems.push(`${shard}: not a directory`);
      continue;
    }
    const runsDir = runsDirOf(shard);
    if (!fs.existsSync(runsDir)) {
      // A suite of `models` leaves only captures/.
      if (!fs.existsSync(path.join(shard, "captures"))) problems.push(`${shard}: holds no runs/ or captures/ folder (is it the --out directory of a refit run?)`);
      continue;
    }
    for (const name of fs.readdirSync(runsDir).filter((d) => !d.startsWith(".")).sort()) {
      const backend = BackendSchema.safeParse(name);
      if (!backend.success) {
        problems.push(`${path.join(runsDir, name)}: "${name}" is not a backend (${BackendSchema.options.join(", ")})`);
        continue;
      }
      for (const runId of fs.readdirSync(path.join(runsDir, name)).filter((d) => !d.startsWith(".")).sort()) {
        const copies = byRun.get(runId) ?? [];
        copies.push({ dir: runDirOf(shard, backend.data, runId), backend: backend.data });
        byRun.set(runId, copies);
      }
    }
  }
  return byRun;
}

/** "train.tokens: 32768 here, 16384 in the suite" for each leaf where two configs differ. */
export function configDifferences(found: unknown, wanted: unknown, at = ""): string[] {
  if (typeof found === "object" && found !== null && typeof wanted === "object" && wanted !== null && !Array.isArray(found)) {
    const keys = [...new Set([...Object.keys(found), ...Object.keys(wanted)])].sort();
    return keys.flatMap((k) => configDifferences((found as Record<string, unknown>)[k], (wanted as Record<string, unknown>)[k], at ? `${at}.${k}` : k));
  }
  if (canonicalJson(found ?? null) === canonicalJson(wanted ?? null)) return [];
  return [`${at}: ${canonicalJson(found ?? null)} in the shard, ${canonicalJson(wanted ?? null)} in the suite`];
}

const captureHashes = (dir: string, probeSets: readonly string[]) =>
  probeSets.flatMap((s) => [capturePath(dir, s), initCapturePath(dir, s)]).map((f) => (exists(f) ? sha256Hex(readBytes(f)) : "")).join(" ");

/** Why an unfinished copy is not usable, for the missing-run message. */
function unfinishedReason(dir: string, probeSets: readonly string[]): string {
  const file = recordPath(dir);
  if (!exists(file)) return `${dir} has no run.json (still running, or killed: rerun that shard to resume it)`;
  const record = JSON.parse(new TextDecoder().decode(readBytes(file))) as { status?: string; error?: string };
  if (record.status === "failed") return `${dir} failed: ${record.error ?? "no error recorded"}`;
  const sets = probeSets.length > 1 || probeSets[0] !== DEFAULT_PROBE_SET ? ` on probe set${probeSets.length > 1 ? "s" : ""} ${probeSets.join(", ")}` : "";
  return `${dir} lacks its capture files${sets}`;
}

/** Closest stray run of the same seed: a hint that a shard ran another version of the suite file. */
function strayHint(run: Run, strays: readonly Found[]): string {
  const candidates = strays
    .filter((s) => s.record.seed === run.seed)
    .map((s) => ({ s, diffs: configDifferences(s.record.config, run.config) }))
    .sort((a, b) => a.diffs.length - b.diffs.length);
  const best = candidates[0];
  if (!best || best.diffs.length > 3) return "";
  return `; ${best.s.dir} has seed ${run.seed} of a config that differs in ${best.diffs.join("; ")} (trained from another version of the suite?)`;
}

export interface LocateOptions {
  from: readonly string[];
  /** Run IDs that other suites being aggregated plan, so they are not taken for strays. */
  plannedElsewhere?: ReadonlySet<string>;
}

/** Locates every planned run of a suite in the shard dirs; see LocateResult. */
export function locateRuns(loaded: LoadedSuite, opts: LocateOptions): LocateResult {
  const problems: string[] = [];
  const byRun = scanShards(opts.from, problems);
  const planned = new Set(loaded.runs.map((r) => r.runId));
  const strays: Found[] = [];
  for (const [runId, copies] of byRun) {
    if (planned.has(runId) || opts.plannedElsewhere?.has(runId)) continue;
    for (const c of copies) {
      const record = trainedRecord(c.dir);
      if (record) strays.push({ record, ...c });
    }
  }

  const located: LocatedRun[] = [];
  const missing: MissingRun[] = [];
  for (const { run, probeSets, runs: cells } of trainingsOf(loaded.runs)) {
    const name = runName(loaded, run);
    const copies = byRun.get(run.runId) ?? [];
    const finished: Found[] = [];
    const unfinished: string[] = [];
    for (const c of copies) {
      const record = finishedRecord(c.dir, probeSets);
      if (!record) unfinished.push(unfinishedReason(c.dir, probeSets));
      else if (record.runId !== run.runId || record.seed !== run.seed || canonicalJson(record.config) !== canonicalJson(run.config)) {
        problems.push(`${name}: ${recordPath(c.dir)} describes another run (its runId, seed or config differ from the directory's)`);
      } else if (record.provenance.backend !== c.backend) {
        problems.push(`${name}: ${recordPath(c.dir)} says backend ${record.provenance.backend}, but it lies under runs/${c.backend}`);
      } else finished.push({ record, ...c });
    }
    if (finished.length === 0) {
      const reason = unfinished.length > 0 ? `not finished: ${unfinished.join("; ")}` : `missing from every --from directory${strayHint(run, strays)}`;
      missing.push(...cells.map((r) => ({ run: r, reason })));
      continue;
    }
    // The same run from two shards (e.g. a retried job) is fine only if it is the same result.
    const sameBackend = finished.filter((f) => f.backend === finished[0].backend);
    const hashes = new Set(sameBackend.map((f) => captureHashes(f.dir, probeSets)));
    if (hashes.size > 1) {
      problems.push(`${name}: its captures differ between ${sameBackend.map((f) => f.dir).join(" and ")}; keep one of them`);
      continue;
    }
    located.push(...cells.map((r) => ({ run: r, record: finished[0].record, dir: finished[0].dir, backend: finished[0].backend })));
  }
  const inSuiteOrder = (a: { run: Run }, b: { run: Run }) => loaded.runs.indexOf(a.run) - loaded.runs.indexOf(b.run);
  return { located: located.sort(inSuiteOrder), missing: missing.sort(inSuiteOrder), problems };
}

export interface LocatedFamilies {
  /** The capture of each checkpoint, by familyKey(family, checkpoint name). */
  files: Map<string, string>;
  /** The backends that computed them. */
  backends: BackendName[];
  problems: string[];
}

export const familyKey = (family: string, name: string) => `${family}/${name}`;

/**
 * Finds the capture of every checkpoint of a suite's `models` in the shard dirs, where `refit run`
 * leaves them (<dir>/captures/<family>/<name>.safetensors): one copy, or byte-identical ones. A
 * family is published whole or not at all, since its cell ID hashes every seed's weights.
 */
export function locateFamilyCaptures(loaded: LoadedSuite, from: readonly string[]): LocatedFamilies {
  const files = new Map<string, string>();
  const backends = new Set<BackendName>();
  const problems: string[] = [];
  for (const family of loaded.families) {
    for (const m of family.members) {
      const name = `${loaded.suite.name}: family ${family.name}, ${m.model} (seed ${m.seed})`;
      const copies = from.map((d) => familyCapturePath(d, family.name, m.name)).filter(exists);
      if (copies.length === 0) {
        problems.push(`${name}: no captures/${family.name}/${m.name}.safetensors in any --from directory; \`refit run ${loaded.file} --out <dir>\` captures it`);
      } else if (new Set(copies.map((c) => sha256Hex(readBytes(c)))).size > 1) {
        problems.push(`${name}: its captures differ between ${copies.join(" and ")}; keep one of them`);
      } else {
        const { backend } = openCapture(copies[0]).meta;
        if (backend === undefined) problems.push(`${name}: ${copies[0]} names no backend, so Refit did not capture it; capture it with refit run`);
        else backends.add(backend);
        files.set(familyKey(family.name, m.name), copies[0]);
      }
    }
  }
  return { files, backends: [...backends], problems };
}

/** "tiny: run 1a2b... (cell 1, seed 3)": how problems and missing runs name a run. */
export function runName(loaded: LoadedSuite, run: Run): string {
  return `${loaded.suite.name}: run ${run.runId} (cell ${loaded.cells.findIndex((c) => c.cellId === run.cellId) + 1}, seed ${run.seed})`;
}

/** Problems for runs of more than one backend, naming a few runs of each; none when there is one backend. */
export function backendProblems(located: readonly (LocatedRun & { suite: string })[]): string[] {
  const byBackend = new Map<BackendName, string[]>();
  for (const l of located) byBackend.set(l.backend, [...(byBackend.get(l.backend) ?? []), `${l.suite}/${l.run.runId}`]);
  if (byBackend.size <= 1) return [];
  const parts = [...byBackend].map(([b, runs]) => `${b} (${runs.length} run(s): ${runs.slice(0, 3).join(", ")}${runs.length > 3 ? ", ..." : ""})`);
  return [`runs were trained on different backends, whose results differ in the last bits: ${parts.join("; ")}; rerun them on one backend, or pass --allow-mixed-backends`];
}
