// `refit aggregate` as a function: shard output directories -> one new immutable content version
// (asv's Publish.run: validate everything at the boundary, then rebuild; never patch). Every planned
// run of every suite must be present and finished (publish/shards.ts); the compare stage runs on
// them exactly as `refit run` does (assemble/suite.ts), and the version folder (suite
// results with curves, attention samples, manifest with SHA-256 sums) is written whole before
// latest.json moves (publish/version.ts). With allowMissing (a night whose shards did not all
// finish) the runs that did are published and each missing one is marked: a failed run line in its
// cell saying why, and an entry in the manifest's build.missingRuns. A suite's `models` are
// published from their captures (<dir>/captures/<family>/), each family whole. An aggregated suite's
// timings.wallSeconds is the sum of its runs' training seconds plus the compare stage: the shards'
// own wall clocks are not recorded.
import * as fs from "node:fs";
import * as path from "node:path";
import { canonicalJson, sha256Hex } from "../artifacts/hash.ts";
import { provenance } from "../artifacts/provenance.ts";
import { AttentionSamplesSchema, type AttentionSamples } from "../artifacts/attention-samples.ts";
import { SCHEMA_VERSION, type BackendName } from "../artifacts/conventions.ts";
import { ContentManifestSchema, VersionIdSchema, type BuildInfo, type ContentManifest } from "../artifacts/manifest.ts";
import { PublishedSuiteSchema, SuiteFileSchema, type PublishedSuite } from "../artifacts/published-suite.ts";
import type { RunRecord } from "../artifacts/run-record.ts";
import { blasKernelsIn, capturePath, webgpuAdapterIn } from "../artifacts/runs.ts";
import { readBytes, withDirLock } from "../artifacts/store.ts";
import { assembleSuite } from "../assemble/suite.ts";
import type { FindingsCell } from "../compare/findings.ts";
import type { CellComparison } from "../compare/index.ts";
import { decodeCapture } from "../capture/format.ts";
import { runsOnAdapter, runsOnKernels } from "../suite/grid.ts";
import { loadSuite, type LoadedSuite } from "../suite/load.ts";
import { DEFAULT_MAX_TOKENS, extractAttention } from "./attention.ts";
import { pooledFindings } from "./pooled.ts";
import { ContentError, loadContent } from "./content.ts";
import { backendProblems, familyKey, locateFamilyCaptures, locatedRecords, locateRuns, runName, type LocatedFamilies, type LocatedRun, type MissingRun } from "./shards.ts";
import { latestProblem, listVersions, newestCreatedAt, nextVersionId, pointLatest, writeVersion, type VersionFile } from "./version.ts";

export interface AggregateOptions {
  /** Suite files; each is planned as `refit plan` plans it. */
  suites: readonly string[];
  /** Shard output directories (`refit run --out`), searched together. */
  from: readonly string[];
  /** Content root (latest.json, versions/). */
  content: string;
  /** An explicit version id; refused when it exists. Default: <UTC date>.<next free number>. */
  version?: string;
  /** Refits per cell, overriding each suite's `seeds` (as `refit plan --seeds`). */
  seeds?: number;
  /** Publish runs trained on different backends together. */
  allowMixedBackends?: boolean;
  /** Publish the runs that finished when some planned runs did not (marking those as missing). */
  allowMissing?: boolean;
  /**
   * Also hold, byte for byte, every suite of the latest version that this aggregation does not
   * recompute, so the newest version stays the whole leaderboard when suites finish at different
   * times (or on machines that no longer hold the other suites' runs).
   */
  carry?: boolean;
  /** Replace a latest.json that refit aggregate did not write, instead of refusing it. */
  rewriteLatest?: boolean;
  /** Creation time (default now); the site orders versions by it. */
  createdAt?: Date;
  /** Numbered progress lines ("2/5 ..."). */
  progress?: (line: string) => void;
}

export interface AggregateResult {
  version: string;
  dir: string;
  manifest: ContentManifest;
  /** The suites this aggregation computed (not those it carried). */
  suites: PublishedSuite[];
  /** Names of the suites carried unchanged from the previous latest version. */
  carried: string[];
}

/** Input that cannot be published (missing or mismatched runs, an existing version): exit code 2. */
export class AggregateError extends Error {
  override name = "AggregateError";
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`cannot publish, nothing was written:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.problems = problems;
  }
}

const STEPS = 5;
/** Pretty-printed with sorted keys (reviewable in git); attention samples stay compact. */
const prettyJson = (v: unknown) => `${JSON.stringify(JSON.parse(canonicalJson(v)), null, 2)}\n`;

interface SuiteInput {
  loaded: LoadedSuite;
  located: LocatedRun[];
  missing: MissingRun[];
  /** The captures of its `models`, which are published whole even with allowMissing (a family's cell ID hashes every seed). */
  families: LocatedFamilies;
  /** The suite file as published: relative to the working directory, "/"-separated. */
  file: string;
}

/** The suite file as the site's reproduce command will show it, or a problem saying why it cannot be. */
function publishedFile(file: string): { file: string } | { problem: string } {
  const relative = path.relative(process.cwd(), path.resolve(file)).split(path.sep).join("/");
  const checked = SuiteFileSchema.safeParse(relative);
  if (checked.success) return { file: checked.data };
  return { problem: `${file}: published as "${relative}", which is not ${checked.error.issues[0].message}; run refit aggregate from the repository root on suite files inside it` };
}

/** Steps 1-2: load suites and locate their runs; throws AggregateError listing every problem. */
async function checkInputs(opts: AggregateOptions): Promise<SuiteInput[]> {
  if (opts.suites.length === 0 || opts.from.length === 0) throw new AggregateError(["needs at least one suite file and one shard directory"]);
  // Runs trained on webgpu, or on the BLAS path, are found under the IDs their adapter or BLAS gives them.
  const adapter = webgpuAdapterIn(opts.from);
  const kernels = blasKernelsIn(opts.from);
  const loaded = (await Promise.all(opts.suites.map((f) => loadSuite(f, { seeds: opts.seeds })))).map((l) => ({ ...l, runs: runsOnAdapter(runsOnKernels(l.runs, kernels), adapter) }));
  const problems: string[] = [];
  const names = loaded.map((l) => l.suite.name);
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) problems.push(`${loaded[i].file}: suite name "${n}" is also the name of ${loaded[names.indexOf(n)].file}; a version holds one result per name`);
  });
  if (opts.version !== undefined) {
    const id = VersionIdSchema.safeParse(opts.version);
    if (!id.success) problems.push(`--version "${opts.version}": ${id.error.issues[0].message}`);
    else if (listVersions(opts.content).includes(opts.version)) problems.push(`version ${opts.version} already exists in ${opts.content}; published versions are never overwritten`);
  }
  const inputs = loaded.map((l) => {
    const elsewhere = new Set(loaded.filter((o) => o !== l).flatMap((o) => o.runs.map((r) => r.runId)));
    const { located, missing, problems: found } = locateRuns(l, { from: opts.from, plannedElsewhere: elsewhere });
    problems.push(...found);
    if (!opts.allowMissing) problems.push(...missing.map((m) => `${runName(l, m.run)}: ${m.reason}`));
    const families = locateFamilyCaptures(l, opts.from);
    problems.push(...families.problems);
    const published = publishedFile(l.file);
    if ("problem" in published) problems.push(published.problem);
    return { loaded: l, located, missing, families, file: "file" in published ? published.file : l.file };
  });
  if (inputs.every((s) => s.located.length === 0 && s.families.files.size === 0)) problems.push("no planned run of any suite finished in the shard directories: there is nothing to publish");
  if (!opts.allowMixedBackends) problems.push(...backendProblems(inputs.flatMap((s) => s.located.map((l) => ({ ...l, suite: s.loaded.suite.name })))));
  if (problems.length > 0) throw new AggregateError(problems);
  return inputs;
}

/** What computed a suite's captures: its runs' backends and its families'. */
const backendsOf = (s: SuiteInput): { backend: BackendName }[] => [...s.located, ...s.families.backends.map((backend) => ({ backend }))];

/** The most common backend of the runs (the suite result names one; ties go to the first seen). */
function mainBackend(located: readonly { backend: BackendName }[]): BackendName {
  const counts = new Map<BackendName, number>();
  for (const l of located) counts.set(l.backend, (counts.get(l.backend) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1])[0][0];
}

/** A missing run's line in its cell: failed, saying why, with nothing measured. */
const missingSummary = (m: MissingRun): PublishedSuite["cells"][number]["runs"][number] => ({
  runId: m.run.runId,
  seed: m.run.seed,
  status: "failed",
  error: `missing from this version: ${m.reason}`,
  heldOutLoss: null,
  heldOutPerplexity: null,
  trainSeconds: 0,
  tokensPerSecond: 0,
});

/** Step 3: the compare stage on one suite, as a published result (runs carry their curves; missing runs are marked). */
function publishSuite(input: SuiteInput, mixed: boolean, backend: BackendName, comparisons: Map<string, CellComparison>): { result: PublishedSuite; compared: FindingsCell[] } {
  const { loaded, located, missing, families, file } = input;
  const started = performance.now();
  // A run shared by cells on several probe sets is located once per cell, in one copy.
  const byRun = new Map(located.map((l) => [l.run.runId, l]));
  const records = locatedRecords(located);
  const trainSeconds = records.reduce((s, r) => s + r.timings.trainSeconds, 0);
  const { result, compared } = assembleSuite(loaded, {
    records,
    runDir: (r) => byRun.get(r.runId)!.dir,
    provenance: provenance(backendsOf(input).length > 0 ? mainBackend(backendsOf(input)) : backend),
    timings: () => ({ wallSeconds: trainSeconds + (performance.now() - started) / 1000, trainedRuns: records.length, cachedRuns: 0 }),
    mixedBackends: mixed,
    familyCapture: (f, m) => families.files.get(familyKey(f.name, m.name))!,
    comparisons,
  });
  const published = PublishedSuiteSchema.parse({
    ...result,
    suite: { ...result.suite, file, figure: loaded.suite.figure },
    cells: result.cells.map((cell) => ({
      ...cell,
      runs: [
        ...cell.runs.map((run) => ({ ...run, curve: byRun.get(run.runId)!.record.curve })),
        ...missing.filter((m) => m.run.cellId === cell.cellId).map(missingSummary),
      ].sort((a, b) => a.seed - b.seed),
    })),
  });
  return { result: published, compared };
}

/** Step 4: the attention viewer's samples for every compared cell of a suite. */
function attentionOf({ loaded, located, families }: SuiteInput, result: PublishedSuite): AttentionSamples {
  return AttentionSamplesSchema.parse({
    schemaVersion: SCHEMA_VERSION,
    kind: "refit.attention",
    suite: loaded.suite.name,
    probeSet: { id: result.probeSet.id, hash: result.probeSet.hash },
    maxTokens: DEFAULT_MAX_TOKENS,
    cells: result.cells
      .filter((cell) => cell.stats !== null)
      .map((cell) => {
        const family = loaded.families.find((f) => f.name === cell.family?.name);
        const files = family ? family.members.map((m) => families.files.get(familyKey(family.name, m.name))!) : located.filter((l) => l.run.cellId === cell.cellId).map((l) => capturePath(l.dir, l.run.probeSet));
        // A family's captures name the family, not its cell ID (which hashes their weights).
        return { ...extractAttention({ captures: files.map((f) => decodeCapture(readBytes(f), f)), maxTokens: DEFAULT_MAX_TOKENS }), cellId: cell.cellId };
      }),
  });
}

const distinct = <T>(xs: readonly T[]): T[] => [...new Set(xs)].sort();

/** What the manifest records about how the version was made; `captureBackends` computed the families' captures. */
export function buildInfo(records: readonly RunRecord[], aggregateSeconds: number, captureBackends: readonly BackendName[] = []): BuildInfo {
  const backends = distinct([...records.map((r) => r.provenance.backend), ...captureBackends]);
  const self = provenance(backends[0]);
  const machines = new Map<string, BuildInfo["machines"][number]>();
  for (const r of records) {
    const key = canonicalJson(r.provenance.machine);
    const m = machines.get(key) ?? { ...r.provenance.machine, runs: 0 };
    m.runs++;
    machines.set(key, m);
  }
  return {
    backends,
    machines: [...machines.values()],
    packages: {
      refit: distinct([...records.map((r) => r.provenance.refitVersion), self.refitVersion]),
      node: distinct([...records.map((r) => r.provenance.node), self.node]),
      tfjs: distinct([...records.map((r) => r.provenance.tfjs), self.tfjs]),
    },
    runGitCommits: [...new Set(records.map((r) => r.provenance.gitCommit))],
    runs: records.length,
    trainSeconds: records.reduce((s, r) => s + r.timings.trainSeconds, 0),
    aggregateSeconds,
  };
}

/** Step 3: the compare stage on every suite, as the version's files and their manifest entries. */
function compareSuites(
  inputs: readonly SuiteInput[],
  mixed: boolean,
  say: (line: string) => void,
): { files: VersionFile[]; entries: ContentManifest["suites"]; suites: PublishedSuite[]; pool: Map<string, FindingsCell[]> } {
  const backend = mainBackend(inputs.flatMap(backendsOf));
  const files: VersionFile[] = [];
  const entries: ContentManifest["suites"] = [];
  const suites: PublishedSuite[] = [];
  const pool = new Map<string, FindingsCell[]>();
  const comparisons = new Map<string, CellComparison>();
  for (const input of inputs) {
    const name = input.loaded.suite.name;
    say(`3/${STEPS} comparing ${name}: ${input.loaded.cells.length} cell(s)`);
    const { result, compared } = publishSuite(input, mixed, backend, comparisons);
    pool.set(name, compared);
    const attention = attentionOf(input, result);
    const resultFile: VersionFile = { name: `${name}.json`, contents: prettyJson(result) };
    const attentionFile: VersionFile = { name: `${name}.attention.json`, contents: `${canonicalJson(attention)}\n` };
    files.push(resultFile, attentionFile);
    suites.push(result);
    entries.push({
      name,
      suiteHash: input.loaded.hash,
      result: { file: resultFile.name, sha256: sha256Hex(resultFile.contents) },
      attention: { file: attentionFile.name, sha256: sha256Hex(attentionFile.contents) },
    });
  }
  return { files, entries, suites, pool };
}

/** The manifest's build block: how the compared runs and families were made, and which planned runs are missing. */
function versionBuild(inputs: readonly SuiteInput[], aggregateSeconds: number): BuildInfo {
  const missing = inputs.flatMap((s) => s.missing.map((m) => ({ suite: s.loaded.suite.name, cellId: m.run.cellId, runId: m.run.runId, seed: m.run.seed, reason: m.reason })));
  return {
    ...buildInfo(
      inputs.flatMap((s) => locatedRecords(s.located)),
      aggregateSeconds,
      inputs.flatMap((s) => s.families.backends),
    ),
    ...(missing.length > 0 ? { missingRuns: missing } : {}),
  };
}

/** Merges shard directories into a new content version and points latest.json at it. */
export async function aggregate(opts: AggregateOptions): Promise<AggregateResult> {
  const started = performance.now();
  const say = opts.progress ?? (() => {});
  say(`1/${STEPS} checking that every planned run of ${opts.suites.length} suite(s) is in ${opts.from.length} shard dir(s)`);
  const inputs = await checkInputs(opts);
  const nRuns = inputs.reduce((n, s) => n + locatedRecords(s.located).length, 0);
  const nMissing = inputs.reduce((n, s) => n + s.missing.length, 0);
  say(`2/${STEPS} found ${nMissing === 0 ? "all " : ""}${nRuns} runs finished and consistent${nMissing > 0 ? `; ${nMissing} missing, published as such` : ""}`);
  const { files, entries, suites, pool } = compareSuites(inputs, opts.allowMixedBackends ?? false, say);

  const contentDir = path.resolve(opts.content);
  return withDirLock(contentDir, () => {
    const tampered = opts.rewriteLatest ? null : latestProblem(contentDir);
    if (tampered) throw new AggregateError([`${tampered}; check it, then pass --rewrite-latest to replace it`]);
    const carried = opts.carry ? carryForward(contentDir, new Set(entries.map((e) => e.name))) : { files: [], entries: [] };
    const createdAt = opts.createdAt ?? new Date();
    const newest = newestCreatedAt(contentDir);
    if (newest !== null && newest >= createdAt.toISOString()) {
      throw new AggregateError([`the newest version in ${contentDir} was created at ${newest}, not before this one (${createdAt.toISOString()}); the site orders versions by creation time`]);
    }
    const version = opts.version ?? nextVersionId(listVersions(contentDir), createdAt);
    const findings: VersionFile = { name: "findings.json", contents: prettyJson(pooledFindings(pool, carried.entries.map((e) => e.name))) };
    const manifest = ContentManifestSchema.parse({
      schemaVersion: SCHEMA_VERSION,
      kind: "refit.manifest",
      version,
      createdAt: createdAt.toISOString(),
      gitCommit: suites[0].provenance.gitCommit,
      refitVersion: suites[0].provenance.refitVersion,
      suites: [...entries, ...carried.entries],
      build: versionBuild(inputs, (performance.now() - started) / 1000),
      findings: { file: findings.name, sha256: sha256Hex(findings.contents) },
    });
    say(`4/${STEPS} writing version ${version}: ${files.length + carried.files.length + 2} files`);
    let dir: string;
    try {
      dir = writeVersion(contentDir, version, [...files, ...carried.files, findings, { name: "manifest.json", contents: prettyJson(manifest) }]);
    } catch (e) {
      if ((e as Error).name === "VersionExistsError") throw new AggregateError([(e as Error).message]);
      throw e;
    }
    say(`5/${STEPS} pointing ${path.join(contentDir, "latest.json")} at ${version}`);
    pointLatest(contentDir, version);
    return { version, dir, manifest, suites, carried: carried.entries.map((e) => e.name) };
  });
}

/**
 * The latest version's suites other than `recomputed`, as files to write unchanged and manifest
 * entries naming the version that computed them. The whole content root is validated first
 * (publish/content.ts), so a damaged file is refused rather than copied on.
 */
function carryForward(contentDir: string, recomputed: ReadonlySet<string>): { files: VersionFile[]; entries: ContentManifest["suites"] } {
  let latest;
  try {
    latest = loadContent(contentDir).latest;
  } catch (e) {
    if (e instanceof ContentError) throw new AggregateError([`--carry: ${e.message}`]);
    throw e;
  }
  if (latest === null) return { files: [], entries: [] };
  const files: VersionFile[] = [];
  const entries: ContentManifest["suites"] = [];
  latest.manifest.suites.forEach((entry, i) => {
    if (recomputed.has(entry.name)) return;
    const { result, attention } = latest.suites[i].files;
    files.push({ name: entry.result.file, contents: fs.readFileSync(result, "utf8") });
    if (entry.attention && attention) files.push({ name: entry.attention.file, contents: fs.readFileSync(attention, "utf8") });
    entries.push({ ...entry, carriedFrom: entry.carriedFrom ?? latest.id });
  });
  return { files, entries };
}
