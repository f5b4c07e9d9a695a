// A suite of `models` end to end: two tiny families trained "elsewhere" (checkpoints written here
// with Refit's own checkpoint writer: one by path with the byte tokenizer, one as Hub models already
// downloaded into --hub-dir with GPT-2's BPE) go through `refit run` (captured and compared, each
// family one cell) and `refit aggregate` into content that the site's reader accepts and `refit site`
// renders. The families' statistics equal `refit compare` on the same captures, and the cell IDs
// hash the weights.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SuiteResultSchema, type SuiteResult } from "../../../src/pipeline/artifacts/suite-result.ts";
import { readJson } from "../../../src/pipeline/artifacts/store.ts";
import { compareDirectory } from "../../../src/pipeline/assemble/captures.ts";
import { saveCheckpoint } from "../../../src/pipeline/model/checkpoint.ts";
import { GPT2_SETTINGS, paramShapes, type GptConfig, type Weights } from "../../../src/pipeline/model/config.ts";
import { loadContent } from "../../../src/pipeline/publish/content.ts";
import { familyCellIdOf } from "../../../src/pipeline/suite/families.ts";
import { leaderboardRows, TRAINED_ELSEWHERE } from "../../../src/site/lib/leaderboard.ts";
import { mulberry32 } from "../compare/helpers.ts";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const BIN = path.join(ROOT, "bin/refit.mjs");
// The working directory of every command: a suite's file is published relative to it.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-families-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const refit = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: "utf8", timeout: 120_000 });

const BYTES: GptConfig = { nLayers: 2, dModel: 8, nHeads: 2, dMlp: 16, vocabSize: 257, nCtx: 64, ...GPT2_SETTINGS };
const BPE: GptConfig = { nLayers: 1, dModel: 8, nHeads: 4, dMlp: 8, vocabSize: 50257, nCtx: 64, ...GPT2_SETTINGS };

function checkpoint(dir: string, seed: number, config: GptConfig): string {
  const rng = mulberry32(seed);
  const weights: Weights = new Map([...paramShapes(config)].map(([n, shape]) => [n, { shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng() - 0.5) }]));
  saveCheckpoint(path.join(tmp, dir), weights, { config, ...(config.vocabSize === 50257 ? { tokenizer: { name: "gpt2" as const, bos: 50256 } } : {}) });
  return path.join(tmp, dir);
}

const sha256Of = (dir: string) => createHash("sha256").update(fs.readFileSync(path.join(dir, "model.safetensors"))).digest("hex");

const SUITE = `name: tiny-families
description: two families trained elsewhere
models:
  - family: bytes-tiny
    checkpoints:
      - path: ../ckpt/bytes/seed-3
      - path: ../ckpt/bytes/seed-1
      - path: ../ckpt/bytes/seed-2
  - family: bpe-tiny
    description: GPT-2's vocabulary
    checkpoints:
      - hub: example-org/bpe-tiny-x21
        revision: v1.0
      - hub: example-org/bpe-tiny-x49
        revision: v1.0
`;
const suiteFile = path.join("suites", "tiny-families.yaml");
const write = (file: string, text: string) => {
  fs.mkdirSync(path.dirname(path.join(tmp, file)), { recursive: true });
  fs.writeFileSync(path.join(tmp, file), text);
  return file;
};

const bytesDirs = [1, 2, 3].map((s) => checkpoint(`ckpt/bytes/seed-${s}`, s, BYTES));
const bpeDirs = [21, 49].map((s) => checkpoint(`hub/example-org/bpe-tiny-x${s}`, s, BPE));
let result: SuiteResult;

beforeAll(() => {
  write(suiteFile, SUITE);
  const r = refit(["run", suiteFile, "--out", "out", "--hub-dir", "hub", "--backend", "wasm"]);
  expect(r.status, r.stderr).toBe(0);
  expect(r.stderr).toContain("refit: suite tiny-families: 2 families of models trained elsewhere, captured on wasm");
  expect(r.stdout).toMatch(/family bytes-tiny \(2L d8 2H MLP, 3 seeds trained elsewhere, bytes tokens\)/);
  const dir = path.join(tmp, "out/results/tiny-families");
  result = readJson(path.join(dir, fs.readdirSync(dir)[0]), SuiteResultSchema);
}, 180_000);

describe("a suite of models", () => {
  it("captures each family as refit capture does and compares it as one cell, with refit compare's statistics", () => {
    expect(result.suite.seeds).toBe(3);
    expect(result.cells.map((c) => c.label)).toEqual([{ family: "bytes-tiny" }, { family: "bpe-tiny" }]);
    const [bytes, bpe] = result.cells;
    expect(bytes.runs).toEqual([]);
    expect(bytes.config).toEqual({ model: { nLayers: 2, dModel: 8, nHeads: 2, mlp: true, dMlp: 16 } });
    expect(bytes.family!.models.map((m) => [m.seed, m.source.model, m.source.revision])).toEqual([
      [1, "../ckpt/bytes/seed-1", null],
      [2, "../ckpt/bytes/seed-2", null],
      [3, "../ckpt/bytes/seed-3", null],
    ]);
    expect(bytes.family!.models.map((m) => m.source.weightsSha256)).toEqual(bytesDirs.map(sha256Of));
    expect(bpe.family).toMatchObject({ name: "bpe-tiny", description: "GPT-2's vocabulary", tokenizer: "gpt2" });
    expect(bpe.family!.models.map((m) => [m.seed, m.source.model, m.source.revision])).toEqual([
      [21, "example-org/bpe-tiny-x21", "v1.0"],
      [49, "example-org/bpe-tiny-x49", "v1.0"],
    ]);
    expect(bytes.stats!.anchorSeed).toBe(1);
    expect(bpe.stats!.anchorSeed).toBe(21);

    // refit compare groups the same files by family name; only the bootstrap's seed (from the cell ID) differs.
    const compared = compareDirectory({ dir: path.join(tmp, "out/captures"), resamples: 200 }).result;
    for (const cell of result.cells) {
      const same = compared.cells.find((c) => c.cellId === cell.family!.name)!;
      expect(same.seeds).toEqual(cell.family!.models.map((m) => m.seed));
      expect(cell.stats!.headStability).toEqual(same.stats.headStability);
      expect(cell.stats!.layers.map((l) => l.stability)).toEqual(same.stats.layers.map((l) => l.stability));
      expect(cell.stats!.estimates![0]["null.probeShuffled"]!.value).toBe(same.stats.estimates![0]["null.probeShuffled"]!.value);
    }
  });

  it("names each family's cell by a hash of its name and its weights, stable across reruns", () => {
    const [bytes, bpe] = result.cells;
    expect(bytes.cellId).toBe(familyCellIdOf("bytes-tiny", [1, 2, 3].map((seed, i) => ({ seed, weightsSha256: sha256Of(bytesDirs[i]) }))));
    expect(bpe.cellId).toBe(familyCellIdOf("bpe-tiny", [21, 49].map((seed, i) => ({ seed, weightsSha256: sha256Of(bpeDirs[i]) }))));
    expect(new Set([bytes.cellId, bpe.cellId]).size).toBe(2);
    // Other weights under the same name and seeds are another cell.
    expect(familyCellIdOf("bytes-tiny", [1, 2, 3].map((seed, i) => ({ seed, weightsSha256: sha256Of(bytesDirs[(i + 1) % 3]) })))).not.toBe(bytes.cellId);

    const again = refit(["run", suiteFile, "--out", "out", "--hub-dir", "hub", "--backend", "wasm"]);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr.match(/kept its capture/g)).toHaveLength(5);
    const dir = path.join(tmp, "out/results/tiny-families");
    const rerun = readJson(path.join(dir, fs.readdirSync(dir)[0]), SuiteResultSchema);
    expect(rerun.cells.map((c) => [c.cellId, c.stats])).toEqual(result.cells.map((c) => [c.cellId, c.stats]));
  });

  it("publishes the families as leaderboard cells that the site's reader accepts", () => {
    const r = refit(["aggregate", suiteFile, "--from", "out", "--content", "content"]);
    expect(r.status, r.stderr).toBe(0);
    const site = loadContent(path.join(tmp, "content"));
    const version = site.latest!;
    const [suite] = version.suites;
    expect(suite.result.suite.file).toBe("suites/tiny-families.yaml");
    expect(suite.result.cells.map((c) => [c.cellId, c.stats])).toEqual(result.cells.map((c) => [c.cellId, c.stats]));
    expect(suite.result.findings).toEqual(result.findings);
    expect(suite.attention!.cells.map((c) => [c.cellId, c.seeds])).toEqual([
      [result.cells[0].cellId, [1, 2, 3]],
      [result.cells[1].cellId, [21, 49]],
    ]);
    expect(version.manifest.build).toMatchObject({ backends: ["wasm"], runs: 0, trainSeconds: 0 });

    const rows = leaderboardRows(version);
    expect(rows.map((x) => [x.cellId, x.optimizer, x.tokens, x.finishedRefits, x.seeds])).toEqual([
      [result.cells[0].cellId, TRAINED_ELSEWHERE, null, 3, 3],
      [result.cells[1].cellId, TRAINED_ELSEWHERE, null, 2, 3],
    ]);
    expect(rows[1].search).toContain("models=bpe-tiny");
  });

  it("renders a family's cell page as text: no training curve, each seed's model, revision and SHA-256", () => {
    // Astro's root is the working directory: build from the repository, as CI does.
    const r = spawnSync(process.execPath, [BIN, "site", "--content", path.join(tmp, "content"), "--out", path.join(tmp, "dist")], { cwd: ROOT, encoding: "utf8", timeout: 170_000 });
    expect(r.status, r.stderr).toBe(0);
    const version = loadContent(path.join(tmp, "content")).latest!.id;
    const [bytes, bpe] = result.cells;
    const page = fs.readFileSync(path.join(tmp, "dist/v", version, "cell/tiny-families", bpe.cellId, "index.html"), "utf8");
    expect(page).toContain("bpe-tiny: 1-layer, 4-head GPT trained elsewhere");
    expect(page).toContain("2 seeds captured");
    expect(page).not.toContain("Training curves");
    for (const m of bpe.family!.models) for (const text of [m.source.model, m.source.weightsSha256]) expect(page).toContain(text);
    expect(page).toContain("<td>v1.0</td>");
    const leaderboard = fs.readFileSync(path.join(tmp, "dist/v", version, "index.html"), "utf8");
    for (const cell of [bytes, bpe]) expect(leaderboard).toContain(cell.cellId);
    expect(leaderboard).toContain(TRAINED_ELSEWHERE);
  }, 180_000);

  it("refuses a family capture missing from the shard dirs, even with --allow-missing, and writes nothing", () => {
    fs.cpSync(path.join(tmp, "out"), path.join(tmp, "partial"), { recursive: true });
    fs.rmSync(path.join(tmp, "partial/captures/bpe-tiny/bpe-tiny-x49.safetensors"));
    const r = refit(["aggregate", suiteFile, "--from", "partial", "--content", "content-partial", "--allow-missing"]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      "tiny-families: family bpe-tiny, example-org/bpe-tiny-x49 (seed 49): no captures/bpe-tiny/bpe-tiny-x49.safetensors in any --from directory",
    );
    expect(fs.existsSync(path.join(tmp, "content-partial"))).toBe(false);
  });

  it("plans nothing to train", () => {
    const r = refit(["plan", suiteFile, "--shards", "2"]);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ include: [] });
    expect(r.stderr).toContain("2 families of models trained elsewhere, nothing to train");
  });
});

describe("a suite of models run twice at once on one folder", () => {
  const start = (out: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, "run", suiteFile, "--out", out, "--hub-dir", "hub", "--backend", "wasm"], { cwd: tmp });
      let stderr = "";
      child.stderr.on("data", (d) => (stderr += d));
      child.on("exit", (code) => resolve({ code, stderr }));
    });
  const captures = (out: string) => {
    const dir = path.join(tmp, out, "captures");
    return fs.readdirSync(dir, { recursive: true, encoding: "utf8" }).sort().map((f) => [f, fs.statSync(path.join(dir, f)).isFile() ? fs.readFileSync(path.join(dir, f)).toString("hex") : "dir"]);
  };

  it("captures each family once: one run captures it under the family's lock, the other then keeps those captures", async () => {
    const results = await Promise.all([start("out-twice"), start("out-twice")]);
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    // The lock serialises the two: five checkpoints are captured once between them and kept by the other.
    const said = results.map((r) => r.stderr).join("");
    expect(said.match(/: captured in /g)).toHaveLength(5);
    expect(said.match(/kept its capture/g)).toHaveLength(5);
    expect(captures("out-twice")).toEqual(captures("out"));
    expect(refit(["verify", "--out", "out-twice"]).stdout).toMatch(/, 0 damaged$/m);
  });

  it("waits on a family folder another live process holds, saying whose lock it is, and gives up after --lock-timeout", () => {
    const dir = path.join(tmp, "out-locked/captures/bytes-tiny");
    fs.mkdirSync(dir, { recursive: true });
    // This test's own process: alive on this host, so the lock cannot be taken over as stale.
    fs.writeFileSync(path.join(dir, ".lock"), JSON.stringify({ pid: process.pid, host: os.hostname(), token: "held-by-the-test" }));
    const r = refit(["run", suiteFile, "--out", "out-locked", "--hub-dir", "hub", "--backend", "wasm", "--lock-timeout", "1"]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`refit: waiting: another refit process (pid ${process.pid}) is using ${dir}`);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe(`refit: another refit process (pid ${process.pid}) is using ${dir}; if it is not running, delete ${path.join(dir, ".lock")}`);
    expect(fs.readdirSync(dir)).toEqual([".lock"]);
  });
});

describe("a suite of models with bad input", () => {
  it("refuses a Hub model nobody downloaded, in one line naming the directory: Refit downloads nothing", () => {
    const r = refit(["run", suiteFile, "--out", "out-nohub", "--hub-dir", "nowhere", "--backend", "wasm"]);
    expect(r.status).toBe(2);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines.at(-1)).toMatch(/nowhere\/example-org\/bpe-tiny-x21: Hub model example-org\/bpe-tiny-x21 is not there, and Refit downloads nothing; fetch it first \(e\.g\. huggingface-cli download example-org\/bpe-tiny-x21 --revision v1\.0 --local-dir /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  const bad: [string, string, RegExp][] = [
    ["a training key beside models", `${SUITE}seeds: 4\n`, /tiny-families-bad\.yaml:16:1: seeds: a suite that lists `models` trains nothing, so it takes no `seeds`/],
    ["a family of one seed", SUITE.replace(/ {6}- path: \.\.\/ckpt\/bytes\/seed-[12]\n/g, ""), /tiny-families-bad\.yaml:6:7: models\[0\]\.checkpoints: a family needs at least two seeds to compare/],
    ["two families of one name", SUITE.replace("family: bpe-tiny", "family: bytes-tiny"), /models\[1\]\.family: family "bytes-tiny" is also models\[0\]; a family is one cell/],
    ["a checkpoint that is neither a path nor a Hub id", SUITE.replace("hub: example-org/bpe-tiny-x49", "hub: bpe-tiny-x49"), /models\[1\]\.checkpoints\[1\]\.hub: .*owner\/name/],
  ];
  for (const [what, text, message] of bad) {
    it(`refuses ${what} with file:line:col, exit 2`, () => {
      const file = write("suites/tiny-families-bad.yaml", text);
      const r = refit(["run", file, "--out", "out-bad", "--backend", "wasm"]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(fs.existsSync(path.join(tmp, "out-bad"))).toBe(false);
    });
  }
});
