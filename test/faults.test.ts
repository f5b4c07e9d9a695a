// Fault injection on the tiny suite, through the real CLI: byte flips and truncations in every kind
// of cached file, two runs at once on one folder, kill -9 while a repair retrains a run (kill -9 mid-training
// is cli.test.ts's), and
// a write cut off part-way (a file size limit on every machine, and a small tmpfs filled up where this
// process may mount one). A repair refuses a run made on another GPU adapter or BLAS, and re-makes a webgpu run on its own
// adapter (a software one in CI). Every case must end refused (exit
// non-zero, one line naming the file) or repaired (bit-identical to a clean run); none may exit 0
// with other numbers.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { decodeSafetensors } from "../src/pipeline/artifacts/safetensors.ts";
import { writeJsonRecorded } from "../src/pipeline/artifacts/checksums.ts";
import type { Provenance } from "../src/pipeline/artifacts/conventions.ts";
import { RunRecordSchema } from "../src/pipeline/artifacts/run-record.ts";
import { readJson } from "../src/pipeline/artifacts/store.ts";
import { runIdOf } from "../src/pipeline/suite/grid.ts";
import { missingVulkanAdapter, skipUnless } from "./helpers/requires.ts";
import { SuiteResultSchema } from "../src/pipeline/artifacts/suite-result.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const BIN = path.join(ROOT, "bin/refit.mjs");
const TINY = path.join(ROOT, "test/fixtures/suites/tiny.yaml");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-faults-"));
const clean = path.join(tmp, "clean");
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
// A few seconds each on an idle machine; the limits leave room for a busy one.
vi.setConfig({ testTimeout: 600_000, hookTimeout: 600_000 });

const refit = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
const run = (out: string, ...more: string[]) => refit(["run", TINY, "--out", out, "--backend", "wasm", "--workers", "1", ...more]);
const firstLine = (text: string) => text.split("\n").find((l) => l.startsWith("refit: ") && !/suite tiny|waiting/.test(l)) ?? "";

function copyOfClean(name: string): string {
  const dir = path.join(tmp, name);
  fs.cpSync(clean, dir, { recursive: true });
  return dir;
}

const runIds = () => fs.readdirSync(path.join(clean, "runs", "wasm")).sort();
const runDir = (out: string, i: number) => path.join(out, "runs", "wasm", runIds()[i]);

/** Where a safetensors file's data starts (after the 8-byte length and the header). */
const dataStart = (b: Buffer) => 8 + Number(b.readBigUInt64LE(0));

function flipBytes(file: string, at: "data" | "end" = "data"): void {
  const b = fs.readFileSync(file);
  const from = at === "end" ? b.length - 40 : file.endsWith(".json") ? Math.floor(b.length / 2) : dataStart(b) + Math.floor((b.length - dataStart(b)) / 2);
  for (let i = from; i < from + 16; i++) b[i] ^= file.endsWith(".json") ? 0x01 : 0x5a;
  fs.writeFileSync(file, b);
}

const truncate = (file: string) => fs.truncateSync(file, fs.statSync(file).size - 100);

/** Every file under runs/, as bytes, but the fields that hold wall-clock times (run.json, the optimizer's progress, their checksums). */
function runFiles(out: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "optimizer.safetensors") {
        const { tensors, metadata } = decodeSafetensors(fs.readFileSync(p), p);
        const { trainSeconds: _, ...progress } = JSON.parse(metadata.progress);
        files.set(path.relative(out, p), JSON.stringify([[...tensors].map(([n, t]) => [n, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).toString("hex")]), progress]));
      } else if (!/^(run\.json|\.lock)/.test(e.name) && e.name !== "optimizer.safetensors.sha256") files.set(path.relative(out, p), fs.readFileSync(p).toString("hex"));
    }
  };
  walk(path.join(out, "runs"));
  return files;
}

const statsOf = (out: string) => {
  const dir = path.join(out, "results", "tiny");
  const result = readJson(path.join(dir, fs.readdirSync(dir).filter((f) => f.endsWith(".json"))[0]), SuiteResultSchema);
  return { stats: result.cells.map((c) => c.stats), findings: result.findings, losses: result.cells.map((c) => c.runs.map((r) => r.heldOutLoss)) };
};

function expectLikeClean(out: string): void {
  expect([...runFiles(out).keys()].sort()).toEqual([...runFiles(clean).keys()].sort());
  for (const [name, bytes] of runFiles(clean)) expect(runFiles(out).get(name) === bytes, name).toBe(true);
}

beforeAll(() => {
  const r = run(clean);
  expect(r.status, r.stderr).toBe(0);
});

describe("a damaged cache", () => {
  it("is refused on reuse, one line naming the file and the repair command, for a flipped capture, record or checkpoint", () => {
    const cases: [string, (out: string) => string][] = [
      ["capture", (out) => path.join(runDir(out, 1), "capture.safetensors")],
      ["untrained twin's capture", (out) => path.join(runDir(out, 0), "capture-init.safetensors")],
      ["run record", (out) => path.join(runDir(out, 0), "run.json")],
    ];
    for (const [what, fileOf] of cases) {
      const out = copyOfClean(`flip-${what.replace(/\W/g, "")}`);
      flipBytes(fileOf(out));
      const r = run(out);
      expect(r.status, what).toBe(2);
      const line = firstLine(r.stderr);
      expect(line, what).toContain(fileOf(out));
      expect(line, what).toMatch(/damaged: SHA-256 is [0-9a-f]{16}…, expected [0-9a-f]{16}… \(recorded when it was written\); repair with: refit verify --out \S+ --repair$/);
    }
  });

  it("refuses to resume from a checkpoint whose model, config or optimizer differs from its record", () => {
    for (const name of ["model.safetensors", "config.json", "optimizer.safetensors"]) {
      const out = copyOfClean(`ckpt-${name}`);
      const dir = runDir(out, 0);
      for (const f of fs.readdirSync(dir).filter((f) => f.startsWith("run.json") || f.startsWith("capture"))) fs.rmSync(path.join(dir, f));
      const ckpt = fs.readdirSync(dir).find((f) => f.startsWith("ckpt-"))!;
      flipBytes(path.join(dir, ckpt, name));
      const r = run(out);
      expect(r.status, name).toBe(2);
      expect(firstLine(r.stderr), name).toMatch(new RegExp(`${ckpt}/${name.replace(".", "\\.")}: damaged: SHA-256 .* repair with: refit verify --out`));
    }
  });

  it("is found by refit verify and re-made by --repair bit for bit: flips and truncations in captures, checkpoints and records at once", () => {
    const out = copyOfClean("repair");
    const [a, b] = [runDir(out, 0), runDir(out, 1)];
    const ckptOf = (d: string) => path.join(d, fs.readdirSync(d).find((f) => f.startsWith("ckpt-"))!);
    flipBytes(path.join(a, "capture.safetensors"));
    truncate(path.join(a, "capture-init.safetensors"));
    fs.writeFileSync(path.join(b, "run.json"), "{");
    flipBytes(path.join(ckptOf(b), "model.safetensors"));
    truncate(path.join(ckptOf(b), "optimizer.safetensors"));
    const check = refit(["verify", "--out", out]);
    expect(check.status).toBe(2);
    expect(check.stdout.match(/^damaged: /gm)).toHaveLength(5);
    expect(check.stderr).toMatch(/5 damaged file\(s\) in .*; repair with: refit verify --out \S+ --repair/);
    const repair = refit(["verify", "--out", out, "--repair"]);
    expect(repair.status, repair.stdout + repair.stderr).toBe(0);
    expect(repair.stdout).toMatch(/moved the damaged files to /);
    expectLikeClean(out);
    expect(refit(["verify", "--out", out]).status).toBe(0);
    const again = run(out);
    expect(again.status, again.stderr).toBe(0);
    expect(statsOf(out)).toEqual(statsOf(clean));
  });

  it("moves a damaged result aside and names the command that writes it again, which gives the clean numbers", () => {
    const out = copyOfClean("result");
    const dir = path.join(out, "results", "tiny");
    flipBytes(path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith(".json"))!));
    const repair = refit(["verify", "--out", out, "--repair"]);
    expect(repair.status).toBe(1);
    expect(repair.stdout).toMatch(/not repaired: results\/tiny\/\S+\.json: moved aside; `refit run` of suite tiny with --out \S+ writes it again/);
    expect(run(out).status).toBe(0);
    expect(statsOf(out)).toEqual(statsOf(clean));
  });

  it("refuses attention rows that are not softmax rows where no checksum is recorded, naming file, tensor, layer and head", () => {
    const out = copyOfClean("signs");
    const file = path.join(runDir(out, 1), "capture.safetensors");
    fs.rmSync(`${file}.sha256`);
    const b = fs.readFileSync(file);
    const header = JSON.parse(b.subarray(8, dataStart(b)).toString()) as Record<string, { data_offsets: [number, number] }>;
    // The sign of every third value of every pattern, the header left intact.
    for (const [name, t] of Object.entries(header)) {
      if (name.startsWith("attn.")) for (let i = dataStart(b) + t.data_offsets[0] + 3; i < dataStart(b) + t.data_offsets[1]; i += 12) b[i] ^= 0x80;
    }
    fs.writeFileSync(file, b);
    for (const r of [run(out), refit(["compare", path.join(out, "runs")])]) {
      expect(r.status).toBe(2);
      expect(firstLine(r.stderr)).toMatch(/capture\.safetensors: tensor "attn\.0" \(layer 1, head 1\), probe 1, row \d+ has a negative value .*; repair with: refit verify/);
    }
    const check = refit(["verify", "--out", out]);
    expect(check.status).toBe(2);
    expect(fs.existsSync(`${file}.sha256`)).toBe(false);
  });
});

describe("a repair on another machine", () => {
  /** Moves run 2 of a copy of the clean cache to the ID it would have had on another machine, with a record saying so. */
  function madeElsewhere(name: string, backend: "wasm" | "webgpu", made: Pick<Provenance, "kernels" | "adapter">): string {
    const out = copyOfClean(name);
    const file = path.join(runDir(out, 1), "run.json");
    const record = readJson(file, RunRecordSchema);
    const runId = runIdOf(record.config, record.seed, made.kernels, made.adapter);
    const dir = path.join(out, "runs", backend, runId);
    fs.mkdirSync(path.dirname(dir), { recursive: true });
    fs.renameSync(runDir(out, 1), dir);
    writeJsonRecorded(path.join(dir, "run.json"), { ...record, runId, provenance: { ...record.provenance, backend, ...made } });
    flipBytes(path.join(dir, "capture.safetensors"));
    return dir;
  }
  const cases: [string, "wasm" | "webgpu", Pick<Provenance, "kernels" | "adapter">, RegExp][] = [
    ["another BLAS", "wasm", { kernels: { path: "blas", blas: { library: "ImaginaryBLAS 0.1", coreType: "Imaginary", threads: 1 } } }, /made on wasm with BLAS ImaginaryBLAS 0\.1, Imaginary kernels, 1 thread, but this machine (would re-make it on BLAS |cannot run that \(--kernels blas: )/],
    ["another GPU adapter", "webgpu", { adapter: { vendor: "imaginary", architecture: "gpu-9", device: "0x99", description: "Imaginary GPU 9", software: false } }, /made on webgpu with adapter imaginary gpu-9 Imaginary GPU 9, but this machine (would re-make it on adapter |cannot run that \(--backend webgpu: )/],
  ];
  it.each(cases)("refuses to re-make a run made with %s, naming it and the command to run where it is, and moves nothing", (name, backend, made, said) => {
    const dir = madeElsewhere(name.replace(/\W/g, ""), backend, made);
    const out = path.resolve(dir, "../../..");
    const r = refit(["verify", "--out", out, "--repair"]);
    expect(r.status, r.stdout + r.stderr).toBe(2);
    const line = firstLine(r.stderr);
    expect(line).toMatch(said);
    expect(line).toMatch(new RegExp(`^refit: ${dir}: .*; run \`refit verify --out ${out} --repair\` on a machine with that (adapter|backend and kernels) \\(nothing was moved\\)$`));
    expect(r.stderr.trim().split("\n").filter((l) => l.startsWith("refit: "))).toEqual([line]);
    expect(fs.existsSync(path.join(out, "damaged"))).toBe(false);
    expect(refit(["verify", "--out", out]).stdout).toMatch(/, 1 damaged$/m);
  });
});

// On the adapter a webgpu run was made on (lavapipe in CI), the repair re-makes it as it was.
describe.skipIf(skipUnless(missingVulkanAdapter()))("a repair of a webgpu run on its own adapter", () => {
  it("re-makes a damaged capture with that adapter recorded, bit for bit", () => {
    const out = path.join(tmp, "webgpu");
    // One run (shard 1 of 2) keeps the software GPU's training short.
    const trained = refit(["run", TINY, "--out", out, "--backend", "webgpu", "--workers", "1", "--shard", "1/2"]);
    expect(trained.status, trained.stderr).toBe(0);
    const [id] = fs.readdirSync(path.join(out, "runs", "webgpu"));
    const dir = path.join(out, "runs", "webgpu", id);
    const file = path.join(dir, "capture.safetensors");
    const made = fs.readFileSync(file);
    flipBytes(file);
    const repair = refit(["verify", "--out", out, "--repair"]);
    expect(repair.status, repair.stdout + repair.stderr).toBe(0);
    expect(repair.stdout).toContain(`repaired: runs/webgpu/${id}: re-made capture.safetensors`);
    expect(fs.readFileSync(file).equals(made)).toBe(true);
    expect(readJson(path.join(dir, "run.json"), RunRecordSchema).provenance.adapter).toBeDefined();
  });
});

describe("interruptions and contention", () => {
  it("two runs at once on one folder both finish, bit-identical to a clean run", async () => {
    const out = path.join(tmp, "concurrent");
    const start = () =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [BIN, "run", TINY, "--out", out, "--backend", "wasm", "--workers", "1"], { cwd: ROOT });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.on("exit", (code) => resolve({ code, stderr }));
      });
    const results = await Promise.all([start(), start()]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    expectLikeClean(out);
    expect(statsOf(out)).toEqual(statsOf(clean));
    // Both wrote the suite result; its checksum record is of the one that stayed.
    expect(refit(["verify", "--out", out]).stdout).toMatch(/, 0 damaged$/m);
  });

  it("kill -9 while a repair trains a run again: the next repair ends bit-identical to a clean run", async () => {
    const out = copyOfClean("killed");
    const dir = runDir(out, 1);
    flipBytes(path.join(dir, fs.readdirSync(dir).find((f) => f.startsWith("ckpt-"))!, "model.safetensors"));
    // The repair trains the run again from the start; kill it once it has written a checkpoint of its own.
    const child = spawn(process.execPath, [BIN, "verify", "--out", out, "--repair"], { cwd: ROOT, stdio: "ignore" });
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (fs.existsSync(dir) && fs.readdirSync(dir).some((n) => /^ckpt-(8|12|16|20|24|28|32)$/.test(n))) {
          clearInterval(timer);
          child.kill("SIGKILL");
          resolve();
        }
      }, 20);
      child.on("exit", () => (clearInterval(timer), reject(new Error("the repair finished before it could be interrupted"))));
    });
    await new Promise((resolve) => child.on("exit", resolve));
    const verify = refit(["verify", "--out", out, "--repair"]);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    expectLikeClean(out);
  });

  /** Every hidden temporary file a write left under `dir` (writeFileAtomic's `.<name>.<pid>.<random>.tmp`). */
  const temporaries = (dir: string) => fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => /\.tmp$/.test(f));

  /** After a write stopped short: no temporary left, nothing damaged, and a rerun with room ends as a clean run. */
  function expectRecovers(out: string): void {
    expect(temporaries(out)).toEqual([]);
    expect(refit(["verify", "--out", out]).stdout).toMatch(/, 0 damaged$/m);
    const again = run(out);
    expect(again.status, again.stderr).toBe(0);
    expectLikeClean(out);
  }

  // Runs on every machine: a file size limit (RLIMIT_FSIZE, set by bash's ulimit -f) makes the
  // kernel stop a write part-way with EFBIG, as a full disk stops it with ENOSPC, through the same
  // write path (temporary file, fsync, rename) and the same one-line error.
  it("a write the file size limit stops part-way is one line naming the file and the cause, exit 1; the rerun ends as a clean run", () => {
    const out = path.join(tmp, "fsize");
    // Half the largest file a run writes: the run gets part-way, then one write is cut off.
    const largest = Math.max(...[...runFiles(clean).keys()].map((f) => fs.statSync(path.join(clean, f)).size));
    const blocks = Math.floor(largest / 2 / 1024);
    const args = [BIN, "run", TINY, "--out", out, "--backend", "wasm", "--workers", "1"].map((a) => `'${a}'`).join(" ");
    const r = spawnSync("bash", ["-c", `ulimit -f ${blocks} && exec '${process.execPath}' ${args}`], { cwd: ROOT, encoding: "utf8", timeout: 600_000 });
    expect(r.status, r.stderr).toBe(1);
    const line = firstLine(r.stderr);
    expect(line).toMatch(/^refit: \S+: file larger than this process may write \(its file size limit, ulimit -f\); raise the limit and run it again \(finished work is kept\) \(EFBIG\)$/);
    // The file it names is the one being written, not the hidden temporary the bytes went to.
    expect(line).toContain(out);
    expect(line).not.toMatch(/\.tmp:/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(fs.existsSync(path.join(out, "runs"))).toBe(true);
    expectRecovers(out);
  });

  // A real full disk where this process may mount a small tmpfs (root on Linux, as .ci/run is).
  it("a full disk is one line naming the path and the cause, exit 1; with room again, the rerun ends as a clean run", (ctx) => {
    const mount = path.join(tmp, "full");
    fs.mkdirSync(mount);
    const mounted = process.platform === "linux" && spawnSync("mount", ["-t", "tmpfs", "-o", "size=300k", "tmpfs", mount]).status === 0;
    if (!mounted) {
      console.warn("skipped: a real full disk needs a small tmpfs, and this process may not mount one (run as root on Linux); the file size limit case above takes the same write path");
      return ctx.skip();
    }
    try {
      const out = path.join(mount, "out");
      const r = run(out);
      expect(r.status).toBe(1);
      expect(firstLine(r.stderr)).toMatch(/^refit: \S+: no space left on device; free some and run it again \(finished work is kept\) \(ENOSPC\)$/);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // Room again: nothing the full disk cut off is taken for finished work.
      expect(spawnSync("mount", ["-o", "remount,size=64m", mount]).status).toBe(0);
      expectRecovers(out);
    } finally {
      spawnSync("umount", [mount]);
    }
  });
});
