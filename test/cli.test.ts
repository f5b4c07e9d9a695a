// End to end through the real CLI (`bin/refit.mjs`) in child processes: a tiny suite trains,
// captures and compares; a rerun reuses the cache; a kill -9 mid-training followed by a rerun
// ends bit-identical to an uninterrupted run; bad suites exit 2 and write nothing.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { SuiteResultSchema } from "../src/pipeline/artifacts/suite-result.ts";
import { readJson } from "../src/pipeline/artifacts/store.ts";
import { decodeSafetensors } from "../src/pipeline/artifacts/safetensors.ts";
import { loadBlas } from "../src/pipeline/model/blas.ts";
import { skipUnless } from "./helpers/requires.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const BIN = path.join(ROOT, "bin/refit.mjs");
const TINY = path.join(ROOT, "test/fixtures/suites/tiny.yaml");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-cli-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

// Each test trains real models in child processes, whose own limit is 240 s: on a busy 2-core
// machine that takes longer than the default per-test limit, so the test waits as long as they do.
vi.setConfig({ testTimeout: 240_000 });

const blas = loadBlas();
const noBlas = "unavailable" in blas ? `${blas.unavailable} (Debian packages build-essential and libopenblas-dev, then npm run blas)` : null;

const refit = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });

function resultOf(out: string) {
  const dir = path.join(out, "results", "tiny");
  const [file] = fs.readdirSync(dir);
  return readJson(path.join(dir, file), SuiteResultSchema);
}

/** Every file under a run directory except run.json (whose timings differ), as bytes. */
function runFiles(out: string): Map<string, Buffer> {
  const files = new Map<string, Buffer>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name !== "run.json" && e.name !== ".lock") files.set(path.relative(out, p), fs.readFileSync(p));
    }
  };
  walk(path.join(out, "runs"));
  return files;
}

/** Kills a run of the tiny suite mid-training, reruns it, and checks every file against `out`'s uninterrupted run. */
async function resumesBitIdentical(out: string, killed: string, kernels: "wasm" | "blas") {
  const child = spawn(process.execPath, [BIN, "run", TINY, "--out", killed, "--backend", "wasm", "--kernels", kernels], { cwd: ROOT, stdio: "ignore" });
  const runsDir = path.join(killed, "runs", "wasm");
  // Wait until the first run has a mid-training checkpoint, then kill without warning.
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      const ckpts = fs.existsSync(runsDir) ? fs.readdirSync(runsDir).flatMap((id) => fs.readdirSync(path.join(runsDir, id))) : [];
      if (ckpts.some((n) => /^ckpt-(8|12|16|20|24)$/.test(n))) {
        clearInterval(timer);
        child.kill("SIGKILL");
        resolve();
      }
    }, 20);
    child.on("exit", () => {
      clearInterval(timer);
      reject(new Error("the run finished before it could be interrupted"));
    });
  });
  await new Promise((resolve) => child.on("exit", resolve));
  const r = refit(["run", TINY, "--out", killed, "--backend", "wasm", "--kernels", kernels]);
  expect(r.status).toBe(0);
  const resumed = resultOf(killed);
  expect(resumed.timings.trainedRuns).toBe(2);

  const reference = runFiles(out);
  const actual = runFiles(killed);
  expect([...actual.keys()].sort()).toEqual([...reference.keys()].sort());
  for (const [name, bytes] of reference) {
    if (name.endsWith("optimizer.safetensors")) {
      // Its metadata carries wall-clock training time; the moments and step must match exactly.
      const [a, b] = [decodeSafetensors(actual.get(name)!, name), decodeSafetensors(bytes, name)];
      expect(a.tensors).toEqual(b.tensors);
      const { trainSeconds: _a, ...pa } = JSON.parse(a.metadata.progress);
      const { trainSeconds: _b, ...pb } = JSON.parse(b.metadata.progress);
      expect(pa).toEqual(pb);
    } else if (name.endsWith("optimizer.safetensors.sha256") || name.endsWith("run.json.sha256")) {
      // The checksums of files that hold wall-clock times differ as those files do.
      expect(actual.get(name)!.toString()).toMatch(/^[0-9a-f]{64} {2}\S+\n$/);
    } else {
      expect(actual.get(name)!.equals(bytes), name).toBe(true);
    }
  }
  expect(resumed.cells[0].stats).toEqual(resultOf(out).cells[0].stats);
}

describe("refit run", () => {
  const out = path.join(tmp, "e2e");

  it("trains, captures and compares a tiny suite, printing the layer table", () => {
    const r = refit(["run", TINY, "--out", out, "--backend", "wasm", "--kernels", "wasm"]);
    expect(r.stderr).toContain("run 2/2 cell 1 seed 1");
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/layer\s+stability ± std\s+commonness/);
    expect(r.stdout).toMatch(/^\s+1\s+0\.\d{3} ± 0\.\d{3}/m);
    expect(r.stdout).toMatch(/^\s+2\s+0\.\d{3} ± 0\.\d{3}/m);
    expect(r.stdout).toContain("results: ");

    const result = resultOf(out);
    expect(result.provenance.backend).toBe("wasm");
    expect(result.timings.trainedRuns).toBe(2);
    const [cell] = result.cells;
    expect(cell.runs.map((x) => x.status)).toEqual(["finished", "finished"]);
    // Training on real text: held-out loss well below the uniform ln(257) = 5.55.
    for (const run of cell.runs) expect(run.heldOutLoss!).toBeLessThan(3.6);
    const stats = cell.stats!;
    for (const layer of stats.layers) {
      expect(layer.stability).toBeGreaterThan(0);
      expect(layer.stability).toBeLessThanOrEqual(1);
      expect(layer.crossLayerStability).toBeGreaterThanOrEqual(layer.stability - 1e-12);
      expect(layer.crossLayerShare.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    }
  });

  it("reuses finished runs on a rerun and reports the same numbers", () => {
    const before = resultOf(out);
    const r = refit(["run", TINY, "--out", out, "--backend", "wasm", "--kernels", "wasm"]);
    expect(r.status).toBe(0);
    const after = resultOf(out);
    expect(after.timings.trainedRuns).toBe(0);
    expect(after.timings.cachedRuns).toBe(2);
    expect(after.cells[0].stats).toEqual(before.cells[0].stats);
  });

  it("captures finished runs on another probe set from their final checkpoints, training nothing", () => {
    // The same cell config on another probe set is another cell with the same run IDs. In a copy of
    // the cache, so the runs compared bit for bit below keep only their default-set captures.
    const other = path.join(tmp, "tiny-induction.yaml");
    fs.writeFileSync(other, `${fs.readFileSync(TINY, "utf8").replace("name: tiny", "name: tiny-induction")}probes:\n  set: induction\n`);
    const copy = path.join(tmp, "other-probes");
    fs.cpSync(out, copy, { recursive: true });
    const r = refit(["run", other, "--out", copy, "--backend", "wasm", "--kernels", "wasm"]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("run 1/2 cell 1 seed 0  trained; capturing it on probe set induction from its final checkpoint");
    expect(r.stderr).not.toMatch(/ step \d+\/\d+ /);
    const dir = path.join(copy, "results", "tiny-induction");
    const result = readJson(path.join(dir, fs.readdirSync(dir)[0]), SuiteResultSchema);
    const tiny = resultOf(out);
    expect(result.probeSet.id).toBe("induction");
    expect(result.cells[0].cellId).not.toBe(tiny.cells[0].cellId);
    expect(result.cells[0].runs.map((x) => x.runId)).toEqual(tiny.cells[0].runs.map((x) => x.runId));
    for (const runId of fs.readdirSync(path.join(out, "runs", "wasm"))) {
      const [from, to] = [out, copy].map((d) => path.join(d, "runs", "wasm", runId));
      expect(fs.readdirSync(to).filter((f) => f.endsWith(".safetensors")).sort()).toEqual([
        "capture-init.safetensors",
        "capture.induction-init.safetensors",
        "capture.induction.safetensors",
        "capture.safetensors",
      ]);
      for (const f of ["capture.safetensors", "run.json"]) expect(fs.readFileSync(path.join(to, f)).equals(fs.readFileSync(path.join(from, f))), f).toBe(true);
    }
  });

  it("copies finished runs from --reuse-from instead of training them, without their checkpoints", () => {
    const fresh = path.join(tmp, "reused");
    const r = refit(["run", TINY, "--out", fresh, "--backend", "wasm", "--kernels", "wasm", "--reuse-from", out]);
    expect(r.status, r.stderr).toBe(0);
    const reused = resultOf(fresh);
    expect(reused.timings.trainedRuns).toBe(0);
    expect(reused.timings.cachedRuns).toBe(2);
    expect(reused.cells[0].stats).toEqual(resultOf(out).cells[0].stats);
    for (const runId of fs.readdirSync(path.join(out, "runs", "wasm"))) {
      const [from, to] = [out, fresh].map((d) => path.join(d, "runs", "wasm", runId));
      // Each file comes with its checksum record.
      expect(fs.readdirSync(to).sort()).toEqual([
        "capture-init.safetensors",
        "capture-init.safetensors.sha256",
        "capture.safetensors",
        "capture.safetensors.sha256",
        "run.json",
        "run.json.sha256",
      ]);
      expect(fs.readdirSync(from).some((f) => f.startsWith("ckpt-"))).toBe(true);
      for (const f of fs.readdirSync(to)) expect(fs.readFileSync(path.join(to, f)).equals(fs.readFileSync(path.join(from, f))), f).toBe(true);
    }
    expect(fs.readdirSync(path.join(fresh, "runs", "wasm")).filter((f) => f.startsWith("."))).toEqual([]);
  });

  it("resumes after kill -9 and ends bit-identical to an uninterrupted run", () => resumesBitIdentical(out, path.join(tmp, "killed"), "wasm"));
});

describe.skipIf(skipUnless(noBlas))("refit run on the blas path", () => {
  const out = path.join(tmp, "e2e-blas");

  it("records the BLAS it trained with, under run IDs of its own", () => {
    const r = refit(["run", TINY, "--out", out, "--backend", "wasm", "--kernels", "blas"]);
    expect(r.status, r.stderr).toBe(0);
    const result = resultOf(out);
    expect(result.provenance.kernels?.path).toBe("blas");
    const ids = fs.readdirSync(path.join(out, "runs", "wasm"));
    expect(ids).toHaveLength(2);
    for (const id of ids) {
      const record = JSON.parse(fs.readFileSync(path.join(out, "runs", "wasm", id, "run.json"), "utf8"));
      expect(record.provenance.kernels).toEqual(result.provenance.kernels);
      expect(record.provenance.kernels.blas.threads).toBe(1);
    }
    const wasmIds = fs.readdirSync(path.join(tmp, "e2e", "runs", "wasm"));
    expect(ids.filter((id) => wasmIds.includes(id))).toEqual([]);
  });

  it("resumes after kill -9 and ends bit-identical to an uninterrupted run", () => resumesBitIdentical(out, path.join(tmp, "killed-blas"), "blas"));
});

describe("refit plan", () => {
  it("prints a GitHub Actions matrix whose shards cover every run", () => {
    const r = refit(["plan", TINY, path.join(ROOT, "suites/smoke.yaml"), "--shards", "2"]);
    expect(r.status).toBe(0);
    const { include } = JSON.parse(r.stdout) as { include: { suite: string; shard: string; runs: number; flops: number }[] };
    expect(include.map((e) => e.shard)).toEqual(["1/2", "2/2", "1/2", "2/2"]);
    expect(include.filter((e) => e.suite.endsWith("tiny.yaml")).reduce((s, e) => s + e.runs, 0)).toBe(2);
    expect(include.filter((e) => e.suite.endsWith("smoke.yaml")).reduce((s, e) => s + e.runs, 0)).toBe(4);
    expect(include.every((e) => e.flops > 0)).toBe(true);
    expect(r.stderr).toMatch(/tiny\.yaml: 1 cell\(s\), 2 runs/);
    // Hours per backend from bench/rates.json, each with the measurement behind it.
    expect(r.stderr).toMatch(/\n  ~[\d.,]+ core-hours on wasm \(measured [\d,]+ tok\/s at L\d+ d\d+ ctx\d+ B\d+ on .+, \d{4}-\d{2}-\d{2}\)\n/);
  });

  it("prints the planned run IDs, sorted and unique, with --run-ids", () => {
    const r = refit(["plan", TINY, path.join(ROOT, "suites/smoke.yaml"), TINY, "--run-ids"]);
    expect(r.status).toBe(0);
    const ids = r.stdout.trimEnd().split("\n");
    expect(ids).toHaveLength(6);
    expect(ids).toEqual([...new Set(ids)].sort());
    expect(ids.every((id) => /^[0-9a-f]{16}$/.test(id))).toBe(true);
  });

  it("counts a run shared by cells on several probe sets once, and names its captures on each set with --run-ids", () => {
    const sets = path.join(tmp, "tiny-sets.yaml");
    fs.writeFileSync(sets, `${fs.readFileSync(TINY, "utf8")}grid:\n  probes.set: [default, words-5]\n`);
    const plan = refit(["plan", sets, "--shards", "2"]);
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(/tiny-sets\.yaml: 2 cell\(s\), 2 runs/);
    const { include } = JSON.parse(plan.stdout) as { include: { runs: number }[] };
    expect(include.map((e) => e.runs)).toEqual([1, 1]);
    const ids = refit(["plan", TINY, "--run-ids"]).stdout.trimEnd().split("\n");
    expect(refit(["plan", sets, "--run-ids"]).stdout.trimEnd().split("\n")).toEqual([...ids, ...ids.map((id) => `${id} words-5`)].sort());
  });
});

describe("refit run --shard", () => {
  it("trains shards separately into one directory; the unsharded run then reuses them and matches", () => {
    const sharded = path.join(tmp, "sharded");
    for (const shard of ["1/2", "2/2"]) {
      const r = refit(["run", TINY, "--out", sharded, "--backend", "wasm", "--kernels", "wasm", "--shard", shard, "--workers", "1"]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`shard ${shard}: 1 of 1 runs finished`);
    }
    expect(fs.existsSync(path.join(sharded, "results"))).toBe(false);
    const r = refit(["run", TINY, "--out", sharded, "--backend", "wasm", "--kernels", "wasm"]);
    expect(r.status).toBe(0);
    const result = resultOf(sharded);
    expect(result.timings).toMatchObject({ trainedRuns: 0, cachedRuns: 2 });
    expect(result.cells[0].stats).toEqual(resultOf(path.join(tmp, "e2e")).cells[0].stats);
  });
});

describe("refit run with bad input", () => {
  const cases: [string, RegExp][] = [
    ["bad-yaml.yaml", /bad-yaml\.yaml:\d+:\d+/],
    ["bad-unknown-key.yaml", /bad-unknown-key\.yaml:4:\d+: model\.nHeds: unknown key/],
    ["bad-type.yaml", /bad-type\.yaml:3:\d+: train\.lr: .*number/],
    ["bad-empty-grid.yaml", /bad-empty-grid\.yaml:2:\d+: grid: .*no axes/],
  ];
  for (const [file, message] of cases) {
    it(`exits 2 and writes nothing for ${file}`, () => {
      const out = path.join(tmp, `bad-${file}`);
      const r = refit(["run", path.join(ROOT, "test/fixtures/suites", file), "--out", out]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(out)).toBe(false);
    });
  }

  it("refuses a suite over the compute budget with the estimate, and writes nothing", () => {
    const out = path.join(tmp, "over-budget");
    const r = refit(["run", TINY, "--out", out, "--max-core-hours", "0.00001"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/suite tiny is estimated at [\d.e-]+ core-hours \([\d.e+]+ FLOPs over 2 runs\), above --max-core-hours 0\.00001; pass --force/);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("exits 2 on bad usage and 0 on --help", () => {
    expect(refit(["run"]).status).toBe(2);
    expect(refit(["frobnicate"]).status).toBe(2);
    expect(refit(["run", TINY, "--seeds", "1"]).status).toBe(2);
    expect(refit(["run", TINY, "--backend", "tpu"]).status).toBe(2);
    expect(refit(["run", TINY, "--shard", "3/2"]).stderr).toMatch(/--shard must be i\/N/);
    expect(refit(["run", TINY, "--workers", "0"]).status).toBe(2);
    const help = refit(["run", "--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain("--backend");
    expect(refit(["--help"]).stdout).toContain("Commands:");
  });

  it("prints its version with --version", () => {
    const r = refit(["--version"]);
    expect(r.status).toBe(0);
    const [version, kernels, ...rest] = r.stdout.split("\n");
    expect(version).toBe(`refit ${JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).version}`);
    // The kernel path it would train on: blas with the library and CPU kernels it loaded, or wasm and why.
    if ("unavailable" in blas) expect(kernels).toBe(`kernels: wasm (Refit's WebAssembly kernels); blas unavailable: ${blas.unavailable}`);
    else expect(kernels).toMatch(/^kernels: blas \(OpenBLAS \d+\.\d+\.\d+, \w+ kernels, 1 thread\) under --kernels auto, or wasm/);
    expect(rest).toEqual([""]);
  });
});
