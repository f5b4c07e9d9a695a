// `refit plan` / `refit run --shard` / `refit aggregate` end to end on the tiny suite: two shards
// trained apart into two output dirs and aggregated give the unsharded run's statistics; missing,
// mixed-backend, other-suite-version and conflicting shards exit 2 and write nothing, unless
// --allow-missing, which publishes what finished and marks the rest; a published version is never
// overwritten. The nightly's run store (.github/scripts/run-store.ts) is tested here too, on the same
// trained shards, and on a suite that captures their runs on a second probe set. One training pass (beforeAll) serves every test; tests run in
// order, and the overwrite test adds to the version the first test published.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RunRecordSchema } from "../../../src/pipeline/artifacts/run-record.ts";
import { SuiteResultSchema, type SuiteResult } from "../../../src/pipeline/artifacts/suite-result.ts";
import { readJson, writeJsonAtomic } from "../../../src/pipeline/artifacts/store.ts";
import { aggregate, AggregateError } from "../../../src/pipeline/publish/aggregate.ts";
import { loadContent } from "../../../src/pipeline/publish/content.ts";
import { writeJsonRecorded } from "../../../src/pipeline/artifacts/checksums.ts";
import { loadBlas } from "../../../src/pipeline/model/blas.ts";
import { skipUnless } from "../../helpers/requires.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const BIN = path.join(ROOT, "bin/refit.mjs");
const TINY = path.join(ROOT, "test/fixtures/suites/tiny.yaml");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-aggregate-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const refit = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 120_000 });

function refitAsync(args: string[]): Promise<{ status: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (status) => resolve({ status, stderr }));
  });
}

const shard1 = path.join(tmp, "shard-1");
const shard2 = path.join(tmp, "shard-2");
const whole = path.join(tmp, "whole");
let matrix: { include: { suite: string; shard: string; runs: number }[] };
let unsharded: SuiteResult;

beforeAll(async () => {
  const plan = refit(["plan", TINY, "--shards", "2"]);
  expect(plan.status).toBe(0);
  matrix = JSON.parse(plan.stdout);
  const common = ["--backend", "wasm", "--workers", "1"];
  // The two shards and the unsharded reference train at once, as separate machines would.
  const runs = await Promise.all([
    ...matrix.include.map((m, i) => refitAsync(["run", m.suite, "--shard", m.shard, "--out", [shard1, shard2][i], ...common])),
    refitAsync(["run", TINY, "--out", whole, ...common]),
  ]);
  for (const r of runs) expect(r.status, r.stderr).toBe(0);
  const dir = path.join(whole, "results", "tiny");
  unsharded = readJson(path.join(dir, fs.readdirSync(dir)[0]), SuiteResultSchema);
}, 180_000);

/** The AggregateError message of a refused aggregation (failing the test if it was not refused). */
async function refusal(opts: Parameters<typeof aggregate>[0]): Promise<string> {
  const err = await aggregate(opts).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AggregateError);
  expect((err as Error).message).toMatch(/^cannot publish, nothing was written:\n/);
  return (err as Error).message;
}

/** Nothing under `content`: it was never created. */
const wroteNothing = (content: string) => expect(fs.existsSync(content)).toBe(false);

function copyDir(from: string, to: string): string {
  fs.cpSync(from, to, { recursive: true });
  return to;
}

/** A copy of a shard whose run is filed (and recorded) as trained on the cpu backend. */
function cpuCopyOf(shard: string): string {
  const copy = path.join(tmp, `${path.basename(shard)}-cpu`);
  if (fs.existsSync(copy)) return copy;
  copyDir(shard, copy);
  fs.renameSync(path.join(copy, "runs", "wasm"), path.join(copy, "runs", "cpu"));
  for (const runId of fs.readdirSync(path.join(copy, "runs", "cpu"))) {
    const file = path.join(copy, "runs", "cpu", runId, "run.json");
    const record = readJson(file, RunRecordSchema);
    // Recorded as a cpu run's refit would have written it, so the checksums hold.
    writeJsonRecorded(file, { ...record, provenance: { ...record.provenance, backend: "cpu" } });
  }
  return copy;
}

describe("refit aggregate", () => {
  it("publishes two shards trained apart with the unsharded run's statistics", () => {
    expect(matrix.include.map((m) => [m.shard, m.runs])).toEqual([["1/2", 1], ["2/2", 1]]);
    const content = path.join(tmp, "content-ok");
    const r = refit(["aggregate", TINY, "--from", shard1, shard2, "--content", content]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("5/5 pointing");

    const site = loadContent(content); // the site's own loader: SHA-256 sums, schemas, latest pointer
    expect(site.versions.map((v) => v.id)).toEqual([site.latest!.id]);
    expect(site.latest!.id).toMatch(/^\d{4}-\d{2}-\d{2}\.1$/);
    const [suite] = site.latest!.suites;
    const published = suite.result;
    expect(published.cells.map((c) => c.stats)).toEqual(unsharded.cells.map((c) => c.stats));
    expect(published.findings).toEqual(unsharded.findings);
    expect(published.cells[0].runs.map((x) => x.heldOutLoss)).toEqual(unsharded.cells[0].runs.map((x) => x.heldOutLoss));
    expect(published.suite.hash).toBe(unsharded.suite.hash);
    // Given as an absolute path, published relative to the working directory (the site's reproduce command).
    expect(published.suite.file).toBe("test/fixtures/suites/tiny.yaml");
    // Each run's curve comes from its run.json in whichever shard trained it.
    const [run0] = published.cells[0].runs;
    const shardOf0 = [shard1, shard2].find((s) => fs.existsSync(path.join(s, "runs", "wasm", run0.runId)))!;
    expect(run0.curve).toEqual(readJson(path.join(shardOf0, "runs", "wasm", run0.runId, "run.json"), RunRecordSchema).curve);
    expect(suite.attention!.cells[0].seeds).toEqual([0, 1]);

    const build = site.latest!.manifest.build!;
    expect(build.runs).toBe(2);
    expect(build.backends).toEqual(["wasm"]);
    expect(build.machines.reduce((n, m) => n + m.runs, 0)).toBe(2);
    expect(build.trainSeconds).toBeCloseTo(published.cells[0].runs.reduce((s, x) => s + x.trainSeconds, 0), 9);
    // One suite pooled: the version's findings are the suite's, over its one cell.
    const pooled = site.latest!.findings!;
    expect(pooled.suites).toEqual(["tiny"]);
    expect(pooled.carried).toEqual([]);
    expect(pooled.cells).toEqual([{ cellId: published.cells[0].cellId, suites: ["tiny"] }]);
    expect(pooled.findings).toEqual(published.findings);
  });

  it("publishes the figure a suite declares in its suite file, and keeps its results and runs", async () => {
    // The tiny suite with a one-value grid axis its figure plots: the same cell and runs, so the shards
    // serve it. Written inside the repository (git-ignored test/output/), as published suite files must be.
    const declared = path.join(ROOT, "test/output/aggregate/tiny-figure.yaml");
    fs.mkdirSync(path.dirname(declared), { recursive: true });
    const moved = fs.readFileSync(TINY, "utf8").replace(/^  nLayers: 2\n/m, "");
    fs.writeFileSync(declared, `${moved}grid:\n  model.nLayers: [2]\nfigure: { x: model.nLayers }\n`);
    const content = path.join(tmp, "content-figure");
    await aggregate({ suites: [declared], from: [shard1, shard2], content });
    const published = loadContent(content).latest!.suites[0].result;
    expect(published.suite.figure).toEqual({ x: "model.nLayers" });
    expect(published.cells.map((c) => [c.cellId, c.stats])).toEqual(unsharded.cells.map((c) => [c.cellId, c.stats]));
    // Without a declared figure the published suite carries none (the site infers one).
    expect(unsharded.suite).not.toHaveProperty("figure");
  });

  it("refuses a missing shard with exit 2, naming the run, and writes nothing", () => {
    const content = path.join(tmp, "content-missing");
    const r = refit(["aggregate", TINY, "--from", shard1, "--content", content]);
    expect(r.status).toBe(2);
    const missing = unsharded.cells[0].runs.find((x) => !fs.existsSync(path.join(shard1, "runs", "wasm", x.runId)))!;
    expect(r.stderr).toContain(`tiny: run ${missing.runId} (cell 1, seed ${missing.seed}): missing from every --from directory`);
    expect(r.stderr).toContain("nothing was written");
    wroteNothing(content);
  });

  it("with --allow-missing publishes the finished shard and marks the missing run, in the cell and the manifest", () => {
    const content = path.join(tmp, "content-partial");
    const r = refit(["aggregate", TINY, "--from", shard1, "--content", content, "--allow-missing"]);
    expect(r.status, r.stderr).toBe(0);
    const [present] = fs.readdirSync(path.join(shard1, "runs", "wasm"));
    const missing = unsharded.cells[0].runs.find((x) => x.runId !== present)!;
    expect(r.stderr).toContain("2/5 found 1 runs finished and consistent; 1 missing, published as such");
    expect(r.stdout).toContain(`partial: 1 planned run(s) missing, marked in the version:\n  tiny: run ${missing.runId} (seed ${missing.seed}): missing from every --from directory`);

    const version = loadContent(content).latest!;
    const [cell] = version.suites[0].result.cells;
    expect(cell.runs.map((x) => [x.seed, x.status])).toEqual([[0, missing.seed === 0 ? "failed" : "finished"], [1, missing.seed === 1 ? "failed" : "finished"]]);
    expect(cell.runs.find((x) => x.runId === missing.runId)).toEqual({
      runId: missing.runId,
      seed: missing.seed,
      status: "failed",
      error: "missing from this version: missing from every --from directory",
      heldOutLoss: null,
      heldOutPerplexity: null,
      trainSeconds: 0,
      tokensPerSecond: 0,
    });
    // One refit is left: nothing to compare, so no statistics and no attention samples.
    expect(cell.stats).toBeNull();
    expect(cell.error).toBe(missing.seed === 0 ? "the anchor refit (seed 0) did not finish" : "fewer than two refits finished");
    expect(version.suites[0].attention!.cells).toEqual([]);
    expect(version.manifest.build!.runs).toBe(1);
    expect(version.manifest.build!.missingRuns).toEqual([{ suite: "tiny", cellId: cell.cellId, runId: missing.runId, seed: missing.seed, reason: "missing from every --from directory" }]);
  });

  it("with --allow-missing still refuses a night where nothing finished", async () => {
    const empty = path.join(tmp, "shard-empty");
    fs.mkdirSync(path.join(empty, "runs"), { recursive: true });
    const content = path.join(tmp, "content-empty");
    const message = await refusal({ suites: [TINY], from: [empty], content, allowMissing: true });
    expect(message).toContain("no planned run of any suite finished in the shard directories: there is nothing to publish");
    expect(message).not.toContain("missing from every --from directory");
    wroteNothing(content);
  });

  it("refuses runs from two backends unless --allow-mixed-backends", async () => {
    const content = path.join(tmp, "content-mixed");
    const message = await refusal({ suites: [TINY], from: [shard1, cpuCopyOf(shard2)], content });
    expect(message).toContain("runs were trained on different backends");
    expect(message).toContain(`cpu (1 run(s): tiny/${fs.readdirSync(path.join(shard2, "runs", "wasm"))[0]})`);
    expect(message).toMatch(/wasm \(1 run\(s\): tiny\/[0-9a-f]{16}\)/);
    expect(message).toContain("--allow-mixed-backends");
    wroteNothing(content);
  });

  it("refuses shards trained from another version of the suite, naming what differs", async () => {
    const edited = path.join(tmp, "tiny-edited.yaml");
    fs.writeFileSync(edited, fs.readFileSync(TINY, "utf8").replace("tokens: 32768", "tokens: 16384"));
    const content = path.join(tmp, "content-edited");
    const message = await refusal({ suites: [edited], from: [shard1, shard2], content });
    expect(message).toContain("train.tokens: 32768 in the shard, 16384 in the suite");
    expect(message.match(/missing from every --from directory/g)?.length).toBe(2);
    wroteNothing(content);
  });

  it("never overwrites a published version; the next one gets the next number", async () => {
    const content = path.join(tmp, "content-ok");
    const [first] = loadContent(content).versions;
    const manifestFile = path.join(content, "versions", first.id, "manifest.json");
    const manifest = fs.readFileSync(manifestFile);

    const again = refit(["aggregate", TINY, "--from", shard1, shard2, "--content", content, "--version", first.id]);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain(`version ${first.id} already exists`);
    expect(fs.readFileSync(manifestFile)).toEqual(manifest);

    // One more (costly) compare stage covers two more cases: a retried shard job leaving the same run
    // in two dirs (accepted when byte-identical), and mixing backends when asked for.
    const twin = copyDir(shard1, path.join(tmp, "shard-1-twin"));
    const createdAt = new Date(Date.parse(first.manifest.createdAt) + 1);
    const second = await aggregate({ suites: [TINY], from: [shard1, twin, cpuCopyOf(shard2)], content, createdAt, allowMixedBackends: true });
    expect(second.version).toBe(first.id.replace(/\.1$/, ".2"));
    expect(second.manifest.build!.backends).toEqual(["cpu", "wasm"]);
    expect(second.suites[0].cells[0].stats).toEqual(unsharded.cells[0].stats);
    expect(fs.readFileSync(manifestFile)).toEqual(manifest);
    expect(loadContent(content).latest!.id).toBe(second.version);
  });

  it("with --carry keeps the latest version's other suites byte for byte, and replaces the one it recomputes", () => {
    const content = copyDir(path.join(ROOT, "test/fixtures/content"), path.join(tmp, "content-carry"));
    const before = loadContent(content).latest!;
    const r = refit(["aggregate", TINY, "--from", shard1, shard2, "--content", content, "--carry"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("carried unchanged from the previous latest version: prompt-length, tiny-grid, scale");

    const after = loadContent(content).latest!; // validates every carried file's SHA-256 against the new manifest
    expect(after.id).not.toBe(before.id);
    // A suite the fixture's latest version already carried keeps the version it was computed in.
    const tinyGridFrom = before.manifest.suites.find((s) => s.name === "tiny-grid")!.carriedFrom;
    expect(tinyGridFrom).toBeDefined();
    expect(after.manifest.suites.map((s) => [s.name, s.carriedFrom])).toEqual([["tiny", undefined], ["prompt-length", before.id], ["tiny-grid", tinyGridFrom], ["scale", tinyGridFrom]]);
    for (const name of ["prompt-length", "tiny-grid", "scale"]) {
      const old = before.suites.find((s) => s.name === name)!;
      const kept = after.suites.find((s) => s.name === name)!;
      expect(fs.readFileSync(kept.files.result)).toEqual(fs.readFileSync(old.files.result));
      expect(fs.readFileSync(kept.files.attention!)).toEqual(fs.readFileSync(old.files.attention!));
    }
    // The recomputed suite is this aggregation's, not the fixture's; the build counts only its runs.
    expect(after.suites[0].result.cells[0].stats).toEqual(unsharded.cells[0].stats);
    expect(after.manifest.build!.runs).toBe(2);
    // Carried suites have no replicates to pool: named apart, not counted.
    expect(after.findings!.suites).toEqual(["tiny"]);
    expect(after.findings!.carried).toEqual(["prompt-length", "tiny-grid", "scale"]);
  });

  it("with --carry refuses to copy on a damaged latest version, naming the file", async () => {
    const content = copyDir(path.join(ROOT, "test/fixtures/content"), path.join(tmp, "content-carry-damaged"));
    const latest = loadContent(content).latest!;
    const damaged = latest.suites.find((s) => s.name === "scale")!.files.result;
    fs.appendFileSync(damaged, " ");
    const message = await refusal({ suites: [TINY], from: [shard1, shard2], content, carry: true });
    expect(message).toContain(`--carry: ${damaged}: its SHA-256 is`);
    expect(fs.readdirSync(path.join(content, "versions"))).toEqual(fs.readdirSync(path.join(ROOT, "test/fixtures/content/versions")));
  });

  it("refuses a run found twice with different captures", async () => {
    const twin = copyDir(shard1, path.join(tmp, "shard-1-changed"));
    const [runId] = fs.readdirSync(path.join(twin, "runs", "wasm"));
    const capture = path.join(twin, "runs", "wasm", runId, "capture.safetensors");
    const bytes = fs.readFileSync(capture);
    bytes[bytes.length - 1] ^= 1;
    fs.writeFileSync(capture, bytes);
    const content = path.join(tmp, "content-changed");
    const message = await refusal({ suites: [TINY], from: [shard1, twin, shard2], content });
    expect(message).toContain(`run ${runId}`);
    expect(message).toContain(`its captures differ between ${path.join(shard1, "runs", "wasm", runId)} and ${path.join(twin, "runs", "wasm", runId)}`);
    wroteNothing(content);
  });
});

describe("the nightly's run store (.github/scripts/run-store.ts)", () => {
  const SCRIPT = path.join(ROOT, ".github/scripts/run-store.ts");
  const store = path.join(tmp, "run-store");
  const strip = process.features.typescript ? [] : ["--experimental-strip-types", "--no-warnings"];
  const merge = (...from: string[]) =>
    spawnSync(process.execPath, [...strip, SCRIPT, "--store", store, "--backend", "wasm", ...from.flatMap((d) => ["--from", d]), TINY], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  /** What the plan job computes: `refit plan --run-ids | sha256sum | cut -c1-32`. */
  const plannedKey = () => createHash("sha256").update(refit(["plan", TINY, "--run-ids"]).stdout).digest("hex").slice(0, 32);
  const held = () => fs.readdirSync(path.join(store, "runs", "wasm")).sort();

  it("keys a store that holds one shard's runs apart from the planned set", () => {
    const r = merge(shard1);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("run store: 1 of 2 planned runs (1 added tonight, 0 no longer planned removed)");
    expect(held()).toEqual(fs.readdirSync(path.join(shard1, "runs", "wasm")));
    expect(r.stdout).not.toBe(`key=${plannedKey()}\n`);
  });

  it("adds the next night's runs, drops runs no suite plans, and then has the plan job's key", () => {
    fs.mkdirSync(path.join(store, "runs", "wasm", "0123456789abcdef"));
    const r = merge(shard1, shard2);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("run store: 2 of 2 planned runs (1 added tonight, 1 no longer planned removed)");
    expect(held()).toEqual(unsharded.cells[0].runs.map((x) => x.runId).sort());
    expect(r.stdout).toBe(`key=${plannedKey()}\n`);
    for (const runId of held()) expect(fs.readdirSync(path.join(store, "runs", "wasm", runId)).sort()).toEqual(["capture-init.safetensors", "capture-init.safetensors.sha256", "capture.safetensors", "capture.safetensors.sha256", "run.json", "run.json.sha256"]);
  });

  it("refuses runs of another kernel path than --kernels, in one line, leaving the store as it was", () => {
    const before = held();
    const r = spawnSync(process.execPath, [...strip, SCRIPT, "--store", store, "--backend", "wasm", "--kernels", "blas", "--from", shard1, TINY], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^run store: --kernels blas, but no run under .* records the BLAS path; the store is left as it was$/);
    expect(held()).toEqual(before);
  });

  it("gives shards what they need to train nothing: refit run --reuse-from the store", () => {
    const out = path.join(tmp, "from-store");
    const r = refit(["run", TINY, "--shard", "2/2", "--out", out, "--backend", "wasm", "--workers", "1", "--reuse-from", store]);
    expect(r.status, r.stderr).toBe(0);
    const [runId] = fs.readdirSync(path.join(shard2, "runs", "wasm"));
    expect(fs.readdirSync(path.join(out, "runs", "wasm"))).toEqual([runId]);
    // Not retrained: a retrained run's record would carry new timings.
    const record = (dir: string) => fs.readFileSync(path.join(dir, "runs", "wasm", runId, "run.json"));
    expect(record(out).equals(record(store))).toBe(true);
  });

  it("stores a run again once a shard captured it on a probe set the suites now use too, under a key naming the set", () => {
    const sets = path.join(tmp, "tiny-sets.yaml");
    fs.writeFileSync(sets, `${fs.readFileSync(TINY, "utf8")}grid:\n  probes.set: [default, words-5]\n`);
    // Tonight's shard captured both runs on words-5 as well (stand-in files: the store copies them, never reads them).
    const fuller = path.join(tmp, "shard-sets");
    for (const s of [shard1, shard2]) fs.cpSync(s, fuller, { recursive: true });
    for (const runId of held()) for (const f of ["capture.words-5.safetensors", "capture.words-5-init.safetensors"]) fs.writeFileSync(path.join(fuller, "runs", "wasm", runId, f), f);
    const r = spawnSync(process.execPath, [...strip, SCRIPT, "--store", store, "--backend", "wasm", "--from", fuller, sets], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("run store: 2 of 2 planned runs (2 added tonight, 0 no longer planned removed)");
    const planned = refit(["plan", sets, "--run-ids"]).stdout;
    expect(planned.trimEnd().split("\n")).toEqual([...held(), ...held().map((id) => `${id} words-5`)].sort());
    expect(r.stdout).toBe(`key=${createHash("sha256").update(planned).digest("hex").slice(0, 32)}\n`);
    for (const runId of held()) {
      expect(fs.readdirSync(path.join(store, "runs", "wasm", runId)).sort()).toEqual([
        "capture-init.safetensors",
        "capture-init.safetensors.sha256",
        "capture.safetensors",
        "capture.safetensors.sha256",
        // The stand-ins were written by hand, with no checksum record to carry.
        "capture.words-5-init.safetensors",
        "capture.words-5.safetensors",
        "run.json",
        "run.json.sha256",
      ]);
    }
  });
});

const blas = loadBlas();
const noBlas = "unavailable" in blas ? `${blas.unavailable} (Debian packages build-essential and libopenblas-dev, then npm run blas)` : null;

describe.skipIf(skipUnless(noBlas))("the nightly's run store on the blas kernel path", () => {
  const SCRIPT = path.join(ROOT, ".github/scripts/run-store.ts");
  const strip = process.features.typescript ? [] : ["--experimental-strip-types", "--no-warnings"];
  const store = path.join(tmp, "run-store-blas");
  const shard = path.join(tmp, "shard-1-blas");
  const merge = (kernels: string, from: string, into = store) =>
    spawnSync(process.execPath, [...strip, SCRIPT, "--store", into, "--backend", "wasm", "--kernels", kernels, "--from", from, TINY], { cwd: ROOT, encoding: "utf8", timeout: 60_000 });

  it("stores blas runs under the IDs their BLAS gives them, and refuses them as wasm-kernel runs", () => {
    const trained = refit(["run", TINY, "--shard", "1/2", "--out", shard, "--backend", "wasm", "--kernels", "blas", "--workers", "1"]);
    expect(trained.status, trained.stderr).toBe(0);
    const r = merge("blas", shard);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("run store: 1 of 2 planned runs (1 added tonight, 0 no longer planned removed)");
    const [runId] = fs.readdirSync(path.join(shard, "runs", "wasm"));
    expect(fs.readdirSync(path.join(store, "runs", "wasm"))).toEqual([runId]);
    // The wasm-kernel IDs of the same runs are others: the stores never share a run.
    expect(refit(["plan", TINY, "--run-ids"]).stdout).not.toContain(runId);
    const wrong = merge("wasm", shard, path.join(tmp, "run-store-wasm"));
    expect(wrong.status).toBe(2);
    expect(wrong.stderr.trim()).toMatch(/^run store: --kernels wasm, but runs under .* were trained on blas \(OpenBLAS.*\); store them with --kernels blas; the store is left as it was$/);
  });
});
