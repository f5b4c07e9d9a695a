// `refit capture` through the CLI's main(): tiny checkpoints written here with Refit's own
// checkpoint writer become one family's captures; a second call keeps them; every bad checkpoint
// is one line naming the file and the problem, exit 2, and no capture is written for it. Two
// processes capturing one family at once take turns on its folder's lock.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { decodeSafetensors, encodeSafetensors } from "../../../src/pipeline/artifacts/safetensors.ts";
import { openCapture } from "../../../src/pipeline/capture/format.ts";
import { main } from "../../../src/pipeline/cli.ts";
import { loadBlas } from "../../../src/pipeline/model/blas.ts";
import { skipUnless } from "../../helpers/requires.ts";
import { seedsOf } from "../../../src/pipeline/suite/families.ts";
import { saveCheckpoint } from "../../../src/pipeline/model/checkpoint.ts";
import { GPT2_SETTINGS, paramShapes, type GptConfig, type Weights } from "../../../src/pipeline/model/config.ts";
import { mulberry32 } from "../compare/helpers.ts";

const BIN = path.resolve(import.meta.dirname, "../../../bin/refit.mjs");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-capture-cmd-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const CONFIG: GptConfig = { nLayers: 2, dModel: 8, nHeads: 2, dMlp: 16, vocabSize: 257, nCtx: 64, ...GPT2_SETTINGS };

function checkpoint(name: string, seed: number, config = CONFIG): string {
  const rng = mulberry32(seed);
  const weights: Weights = new Map([...paramShapes(config)].map(([n, shape]) => [n, { shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() - 0.5) }]));
  const dir = path.join(tmp, name);
  saveCheckpoint(dir, weights, { config });
  return dir;
}

/** A copy of a checkpoint with its config.json or weights edited. */
function broken(name: string, from: string, edit: { config?: (c: Record<string, unknown>) => void; weights?: (t: ReturnType<typeof decodeSafetensors>["tensors"]) => void }): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  const config = JSON.parse(fs.readFileSync(path.join(from, "config.json"), "utf8"));
  edit.config?.(config);
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify(config));
  const { tensors, metadata } = decodeSafetensors(fs.readFileSync(path.join(from, "model.safetensors")));
  edit.weights?.(tensors);
  fs.writeFileSync(path.join(dir, "model.safetensors"), encodeSafetensors(tensors, metadata));
  return dir;
}

/** A copy of a checkpoint whose model.safetensors lost its last bytes. */
function cutShort(name: string, from: string): string {
  const dir = path.join(tmp, name);
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(from, "config.json"), path.join(dir, "config.json"));
  const bytes = fs.readFileSync(path.join(from, "model.safetensors"));
  fs.writeFileSync(path.join(dir, "model.safetensors"), bytes.subarray(0, bytes.length - 4));
  return dir;
}

async function capture(args: string[], verb: string[] = ["capture", "--backend", "wasm", "--out", path.join(tmp, "captures")]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a) => void err.push(a.join(" ")));
  const status = await main([verb[0], ...args, ...verb.slice(1)]);
  vi.restoreAllMocks();
  return { status, stdout: out.join("\n"), stderr: err.join("\n") };
}

describe("seedsOf", () => {
  it("takes the last number of each directory's name when they all differ, else positions in sorted order", () => {
    expect(seedsOf(["x/alias-gpt2-small-x21", "y/battlestar-gpt2-small-x49/"])).toEqual([21, 49]);
    expect(seedsOf(["seed-3", "seed-10", "seed-0"])).toEqual([3, 10, 0]);
    expect(seedsOf(["b", "a", "c-1"])).toEqual([1, 0, 2]);
    expect(seedsOf(["run-1", "other-1"])).toEqual([1, 0]);
  });
});

describe("refit capture", () => {
  const good = [checkpoint("family/seed-4", 4), checkpoint("family/seed-7", 7)];

  it("captures a family, ablating only the anchor, and keeps the captures on a second call", async () => {
    const first = await capture([...good, "--family", "tiny"]);
    expect(first.stderr).toContain("refit: family tiny: 2 checkpoint(s), probe set default, on wasm");
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/seed-4 \(seed 4, bytes tokens, ablated\)/);
    const anchor = openCapture(path.join(tmp, "captures/tiny/seed-4.safetensors"));
    const other = openCapture(path.join(tmp, "captures/tiny/seed-7.safetensors"));
    expect(anchor.meta).toMatchObject({ family: "tiny", seed: 4, tokenizer: "bytes", config: { model: { nLayers: 2, dModel: 8, nHeads: 2, mlp: true, dMlp: 16 } } });
    expect(anchor.ablation).toHaveLength(4);
    expect(other.ablation).toBeUndefined();
    const again = await capture([...good, "--family", "tiny"]);
    expect(again.status).toBe(0);
    expect(again.stdout.match(/: kept /g)).toHaveLength(2);
  });

  const cases: [string, () => string[], RegExp][] = [
    [
      "a missing tensor",
      () => [broken("no-bias", good[0], { weights: (t) => t.delete("transformer.h.1.attn.c_proj.bias") })],
      /no-bias\/model\.safetensors: missing tensor "h\.1\.attn\.c_proj\.bias" \[8\]$/,
    ],
    [
      "a wrong shape",
      () => [broken("shape", good[0], { weights: (t) => t.set("transformer.wpe.weight", { dtype: "F32", shape: [32, 8], data: new Float32Array(256) }) })],
      /shape\/model\.safetensors: tensor "wpe\.weight" has shape \[32,8\], expected \[64,8\]$/,
    ],
    [
      "a non-finite value",
      () => [broken("nan", good[0], { weights: (t) => ((t.get("transformer.ln_f.bias")!.data as Float32Array)[3] = Number.POSITIVE_INFINITY) })],
      /nan\/model\.safetensors: tensor "ln_f\.bias" has a non-finite value \(Infinity\) at flat index 3$/,
    ],
    [
      "an unknown activation",
      () => [broken("relu", good[0], { config: (c) => (c.activation_function = "relu") })],
      /relu\/config\.json: activation_function: "relu" is not one Refit computes/,
    ],
    [
      "a header that lies about the layers",
      () => [broken("lying", good[0], { config: (c) => (c.n_layer = 3) })],
      /lying\/model\.safetensors: missing tensor "h\.2\.ln_1\.weight" \[8\]$/,
    ],
    ["a weights file shorter than its header says", () => [cutShort("cut", good[0])], /cut\/model\.safetensors: truncated: tensor "transformer\.wte\.weight" ends at data byte \d+ but the data holds \d+ bytes$/],
    [
      "a vocabulary that names no tokenizer",
      () => [checkpoint("vocab-300", 1, { ...CONFIG, vocabSize: 300 })].map((dir) => broken("vocab-300-plain", dir, { config: (c) => delete c.refit_tokenizer })),
      /vocab-300-plain\/config\.json: refit_tokenizer: missing, and vocab_size 300 is neither GPT-2's \(50257\) nor the byte tokenizer's \(257\)/,
    ],
    [
      "a context shorter than the probes",
      () => [checkpoint("short", 1, { ...CONFIG, nCtx: 16 })],
      /short\/config\.json: n_positions: probe set "default" does not fit nCtx = 16 \(BOS included\): probe 0 has \d+ tokens/,
    ],
    ["a family of two architectures", () => [good[0], checkpoint("wide", 1, { ...CONFIG, dModel: 16 })], /wide: its architecture or tokenizer differs from .*seed-4's/],
    ["a missing checkpoint", () => [path.join(tmp, "nowhere")], /cannot read .*nowhere\/model\.safetensors/],
  ];
  for (const [what, dirs, message] of cases) {
    it(`refuses ${what}: one line naming the file and the problem, exit 2`, async () => {
      const args = dirs();
      const r = await capture([...args, "--family", `bad-${args.length}`]);
      expect(r.status).toBe(2);
      const line = r.stderr.split("\n").at(-1)!;
      expect(line).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // Only the good checkpoint's capture is kept; a family with none leaves no folder behind.
      const folder = path.join(tmp, "captures", `bad-${args.length}`);
      const written = fs.existsSync(folder) ? fs.readdirSync(folder) : null;
      if (written) expect(written.length > 0 && written.every((f) => f.startsWith("seed-4"))).toBe(true);
    });
  }

  it("refuses bad usage with a pointer to --help", async () => {
    expect((await capture(["--family", "x"])).status).toBe(2);
    const noFamily = await capture([good[0]]);
    expect(noFamily.status).toBe(2);
    expect(noFamily.stderr).toMatch(/--family must be a name/);
    expect((await capture([good[0], "--family", "x", "--probes", "nope"])).stderr).toMatch(/--probes: unknown probe set "nope"/);
  });
});

const blas = loadBlas();
const noBlas = "unavailable" in blas ? `${blas.unavailable} (Debian packages build-essential and libopenblas-dev, then npm run blas)` : null;

describe.skipIf(skipUnless(noBlas))("refit capture on the blas kernels", () => {
  const seeds = [checkpoint("paths/seed-2", 2), checkpoint("paths/seed-5", 5)];
  const file = (seed: number) => path.join(tmp, "captures/paths", `seed-${seed}.safetensors`);

  it("records the BLAS in the captures, and captures again a family kept from the wasm kernels", async () => {
    expect((await capture([...seeds, "--family", "paths"])).status).toBe(0);
    expect(openCapture(file(2)).meta.kernels).toBeUndefined();
    const onBlas = await capture([...seeds, "--family", "paths", "--kernels", "blas"]);
    expect(onBlas.status).toBe(0);
    expect(onBlas.stdout).not.toMatch(/: kept /);
    const { kernels } = openCapture(file(5)).meta;
    expect(kernels?.path).toBe("blas");
    expect(kernels?.blas?.library).toMatch(/BLAS/);
    expect((await capture([...seeds, "--family", "paths", "--kernels", "blas"])).stdout.match(/: kept /g)).toHaveLength(2);
  });

  it("refuses to compare a family captured partly on each path, in one line", async () => {
    expect((await capture([seeds[1], "--family", "paths"])).status).toBe(0);
    expect(openCapture(file(5)).meta.kernels).toBeUndefined();
    const r = await capture([path.join(tmp, "captures/paths")], ["compare"]);
    expect(r.status).toBe(2);
    expect(r.stderr.split("\n").at(-1)).toMatch(/captures of family paths differ in kernel path \(blas \(OpenBLAS.*\) vs wasm kernels\)/);
  });
});

describe("refit capture of one family by two processes", () => {
  const seeds = [checkpoint("shared/seed-1", 1), checkpoint("shared/seed-2", 2)];
  const args = (out: string) => [BIN, "capture", ...seeds, "--family", "shared", "--backend", "wasm", "--out", path.join(tmp, out)];
  const start = (out: string) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, args(out));
      let [stdout, stderr] = ["", ""];
      child.stdout.on("data", (d) => (stdout += d));
      child.stderr.on("data", (d) => (stderr += d));
      child.on("exit", (code) => resolve({ code, stdout, stderr }));
    });
  const files = (out: string) => {
    const dir = path.join(tmp, out, "shared");
    return fs.readdirSync(dir).sort().map((f) => [f, fs.readFileSync(path.join(dir, f)).toString("hex")]);
  };

  it("captures each checkpoint once: one process under the family's lock, the other then keeps its captures", async () => {
    const results = await Promise.all([start("at-once"), start("at-once")]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const said = results.map((r) => r.stdout).join("\n");
    expect(said.match(/: \S+ in \d+\.\d s$/gm)).toHaveLength(2);
    expect(said.match(/: kept /g)).toHaveLength(2);
    // Byte for byte what one process alone writes, checksum records included, and no lock left.
    expect((await start("alone")).code).toBe(0);
    expect(files("at-once")).toEqual(files("alone"));
    expect(files("at-once").map(([f]) => f)).toEqual(["seed-1.safetensors", "seed-1.safetensors.sha256", "seed-2.safetensors", "seed-2.safetensors.sha256"]);
  }, 120_000);

  it("waits on a family folder another live process holds, saying whose lock it is, and gives up after --lock-timeout", () => {
    const dir = path.join(tmp, "locked", "shared");
    fs.mkdirSync(dir, { recursive: true });
    // This test's own process: alive on this host, so the lock cannot be taken over as stale.
    fs.writeFileSync(path.join(dir, ".lock"), JSON.stringify({ pid: process.pid, host: os.hostname(), token: "held-by-the-test" }));
    const r = spawnSync(process.execPath, [...args("locked"), "--lock-timeout", "1"], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`refit: waiting: another refit process (pid ${process.pid}) is using ${dir}`);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe(`refit: another refit process (pid ${process.pid}) is using ${dir}; if it is not running, delete ${path.join(dir, ".lock")}`);
    expect(fs.readdirSync(dir)).toEqual([".lock"]);
  }, 60_000);

  it("takes over the lock of a process that is gone", () => {
    const dir = path.join(tmp, "stale", "shared");
    fs.mkdirSync(dir, { recursive: true });
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
    fs.writeFileSync(path.join(dir, ".lock"), JSON.stringify({ pid: Number(gone.stdout), host: os.hostname(), token: "left-by-a-dead-process" }));
    const r = spawnSync(process.execPath, [...args("stale"), "--lock-timeout", "1"], { encoding: "utf8", timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readdirSync(dir).sort()).toEqual(["seed-1.safetensors", "seed-1.safetensors.sha256", "seed-2.safetensors", "seed-2.safetensors.sha256"]);
  }, 60_000);
});
