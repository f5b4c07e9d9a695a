// `npm run bench:train`: training throughput of the reference model (2 layers, d_model 128,
// 4 heads, context 64, byte vocab, batch 16, AdamW) for Refit and for the PyTorch reference
// (bench/torch_train.py, Debian's python3-torch), measured in the same run and printed as a
// table with ratios, per process and for the whole machine (one process per core).
// Usage: node bench/train.ts [--steps 30] [--warmup 5] [--backend wasm] [--processes N]
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { peakRssMB } from "./rss.ts";

const { values: args } = parseArgs({
  options: {
    steps: { type: "string", default: "30" },
    warmup: { type: "string", default: "5" },
    backend: { type: "string", default: "wasm" },
    processes: { type: "string", default: String(os.availableParallelism()) },
    worker: { type: "boolean", default: false },
  },
});
const STEPS = Number(args.steps);
const WARMUP = Number(args.warmup);
const REFERENCE = { nLayers: 2, dModel: 128, nHeads: 4, nCtx: 64, batchSize: 16 };
const PYTHON = "/usr/bin/python3";

interface Measure {
  tokensPerSecond: number;
  msPerStep: number;
  peakRssMB: number;
}

/** Worker mode: train the reference model in this process and print one JSON line. */
async function worker(): Promise<void> {
  const { initBackend } = await import("../src/pipeline/model/backend.ts");
  const { loadBrown, splitDocuments } = await import("../src/pipeline/data/corpus.ts");
  const { tokenStream } = await import("../src/pipeline/data/batches.ts");
  const { SuiteSchema } = await import("../src/pipeline/artifacts/suite.ts");
  const { expandGrid, runsOf } = await import("../src/pipeline/suite/grid.ts");
  const { trainRun } = await import("../src/pipeline/train/train.ts");
  const backend = await initBackend(args.backend as "wasm");
  const split = splitDocuments(loadBrown(), 0.1);
  const data = { train: tokenStream(split.train), heldOut: tokenStream(split.heldOut) };
  const { nLayers, dModel, nHeads, nCtx, batchSize } = REFERENCE;
  const total = WARMUP + STEPS + 1; // the last step evaluates and checkpoints: left out of the timing
  const suite = SuiteSchema.parse({
    name: "bench",
    model: { nLayers, dModel, nHeads },
    data: { nCtx },
    train: { tokens: total * batchSize * nCtx, batchSize, optimizer: "adamw", weightDecay: 0.1, evalEvery: total, checkpointEvery: total, evalTokens: batchSize * nCtx },
  });
  const run = runsOf(expandGrid(suite)[0], 1)[0];
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "refit-bench-"));
  const stamps = new Map<number, number>();
  trainRun({ run, runDir, backend, data, onStep: (e) => stamps.set(e.step, performance.now()) });
  fs.rmSync(runDir, { recursive: true, force: true });
  const ms = (stamps.get(WARMUP + STEPS)! - stamps.get(WARMUP)!) / STEPS;
  const result: Measure = { tokensPerSecond: (batchSize * nCtx * 1000) / ms, msPerStep: ms, peakRssMB: peakRssMB() };
  console.log(JSON.stringify(result));
}

function runJson(cmd: string, argv: string[]): Promise<Measure> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!)) : reject(new Error(`${cmd} ${argv.join(" ")} exited ${code}`))));
  });
}

async function concurrently(n: number, start: () => Promise<Measure>): Promise<Measure> {
  const all = await Promise.all(Array.from({ length: n }, start));
  return {
    tokensPerSecond: all.reduce((s, m) => s + m.tokensPerSecond, 0),
    msPerStep: all.reduce((s, m) => s + m.msPerStep, 0) / n,
    peakRssMB: Math.max(...all.map((m) => m.peakRssMB)),
  };
}

async function main(): Promise<void> {
  const n = Number(args.processes);
  const self = new URL(import.meta.url).pathname;
  const refit = () => runJson(process.execPath, [self, "--worker", "--steps", String(STEPS), "--warmup", String(WARMUP), "--backend", args.backend!]);
  const rows: [string, Measure][] = [];
  console.error(`bench:train: reference model ${JSON.stringify(REFERENCE)}, ${STEPS} timed steps after ${WARMUP} warm-up`);
  rows.push([`refit ${args.backend}, 1 process`, await refit()]);
  rows.push([`refit ${args.backend}, ${n} processes`, await concurrently(n, refit)]);

  let torchNote = "";
  if (fs.existsSync(PYTHON) && (await import("node:child_process")).spawnSync(PYTHON, ["-c", "import torch, numpy"]).status === 0) {
    const { loadBrown, splitDocuments } = await import("../src/pipeline/data/corpus.ts");
    const { tokenStream } = await import("../src/pipeline/data/batches.ts");
    const streamFile = path.join(os.tmpdir(), `refit-bench-stream-${process.pid}.i32`);
    const stream = tokenStream(splitDocuments(loadBrown(), 0.1).train);
    fs.writeFileSync(streamFile, new Uint8Array(stream.buffer, stream.byteOffset, stream.byteLength));
    const script = new URL("torch_train.py", import.meta.url).pathname;
    const torch = (threads: number) => () => runJson(PYTHON, [script, "--stream", streamFile, "--steps", String(STEPS), "--warmup", String(WARMUP), "--threads", String(threads)]);
    for (let t = 1; t <= n; t *= 2) rows.push([`pytorch, 1 process, ${t} thread(s)`, await torch(t)()]);
    rows.push([`pytorch, ${n} processes x 1 thread`, await concurrently(n, torch(1))]);
    fs.rmSync(streamFile, { force: true });
  } else {
    torchNote = "PyTorch reference skipped: Debian's python3-torch / python3-numpy are not installed (apt-get install python3-torch python3-numpy).";
  }

  const best = (pred: (label: string) => boolean) => Math.max(...rows.filter(([l]) => pred(l)).map(([, m]) => m.tokensPerSecond));
  console.log(`| run | tokens/s | ms/step | peak RSS per process (MB) |\n|---|---|---|---|`);
  for (const [label, m] of rows) console.log(`| ${label} | ${Math.round(m.tokensPerSecond)} | ${m.msPerStep.toFixed(1)} | ${Math.round(m.peakRssMB)} |`);
  if (torchNote) {
    console.log(`\n${torchNote}`);
    return;
  }
  const refitOne = rows[0][1].tokensPerSecond;
  const refitMachine = rows[1][1].tokensPerSecond;
  const torchOne = best((l) => l.startsWith("pytorch, 1 process"));
  const torchMachine = best((l) => l.startsWith("pytorch"));
  console.log(`\nratio refit / pytorch (best thread setting): per process ${(refitOne / torchOne).toFixed(2)}x, whole machine ${(refitMachine / torchMachine).toFixed(2)}x`);
}

await (args.worker ? worker() : main());
