// `npm run bench:train`: training throughput (byte vocab, AdamW) of Refit and of the PyTorch
// reference (bench/torch_train.py, Debian's python3-torch), measured in the same run for each
// model, with ratios per process and for the whole machine (one process per core), and peak
// memory per process. The reference runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed from
// its environment (machines set them for old OpenBLAS builds; they make it run an older, slower
// kernel) and says which BLAS kernel it ran; Refit's processes keep the environment as it is.
// Where Refit picks an OpenBLAS core type itself (OpenBLAS misdetects the CPU), the reference is
// timed on that core type too, so it is never held to a slower kernel than Refit's.
// Refit runs on each kernel path of --paths (default both where the BLAS addon loads), side by side.
// Usage: node bench/train.ts [--model L,d,H,ctx,B]... [--steps 30] [--warmup 5] [--backend wasm]
//        [--paths wasm,blas] [--processes N] [--rounds R] [--profile] [--kernels [--rounds 8] [--against FILE.wasm]]
// --rounds R repeats every measurement R times, Refit's and PyTorch's interleaved, and keeps the
// best of each (a busy machine only ever slows a run). Where `taskset` exists, the processes of a
// whole-machine measurement are pinned one per core, Refit's and PyTorch's alike: unpinned, the
// scheduler's moves made runs on this 2-core VM differ by a third.
// --profile prints where a Refit training step's time goes instead (bench/step-profile.ts);
// --kernels, the GFLOP/s of the models' dense products beside the ceiling (bench/kernel-ceiling.ts).
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { peakRssMB } from "./rss.ts";
import { printKernelCeiling } from "./kernel-ceiling.ts";
import { formatProfile, type StepProfile } from "./step-profile.ts";

const { values: args } = parseArgs({
  options: {
    model: { type: "string", multiple: true },
    steps: { type: "string", default: "30" },
    warmup: { type: "string", default: "5" },
    backend: { type: "string", default: "wasm" },
    paths: { type: "string" },
    processes: { type: "string", default: String(os.availableParallelism()) },
    profile: { type: "boolean", default: false },
    kernels: { type: "boolean", default: false },
    rounds: { type: "string" },
    against: { type: "string" },
    worker: { type: "boolean", default: false },
  },
});
const STEPS = Number(args.steps);
const WARMUP = Number(args.warmup);
if (!(Number.isInteger(STEPS) && STEPS >= 1 && Number.isInteger(WARMUP) && WARMUP >= 1)) {
  console.error(`bench:train: --steps and --warmup must be whole numbers of at least 1, got ${args.steps} and ${args.warmup}`);
  process.exit(2);
}
const PYTHON = "/usr/bin/python3";
/** Set on some machines for old OpenBLAS builds; a current OpenBLAS then runs an older, slower kernel. */
const OPENBLAS_TUNING = ["OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"];
/** The tuning the machine set, read before loading the BLAS addon sets a core type for Refit's own processes. */
const MACHINE_TUNING = OPENBLAS_TUNING.filter((k) => process.env[k] !== undefined).map((k) => `${k}=${process.env[k]}`);

interface Model {
  nLayers: number;
  dModel: number;
  nHeads: number;
  nCtx: number;
  batchSize: number;
}

/** The reference model (docs/kernels.md), then widths 256 and 512. */
const DEFAULT_MODELS = ["2,128,4,64,16", "4,256,8,128,16", "4,512,8,128,8"];

function parseModel(text: string): Model {
  const n = text.split(",").map(Number);
  if (n.length !== 5 || !n.every((x) => Number.isInteger(x) && x > 0) || n[1] % n[2] !== 0) {
    console.error(`bench:train: --model must be L,d,H,ctx,B (positive integers, d divisible by H), got "${text}"`);
    process.exit(2);
  }
  const [nLayers, dModel, nHeads, nCtx, batchSize] = n;
  return { nLayers, dModel, nHeads, nCtx, batchSize };
}

const label = (m: Model) => `L${m.nLayers} d${m.dModel} H${m.nHeads} ctx${m.nCtx} B${m.batchSize}`;

export interface Measure {
  /** The kernel path a Refit worker ran, with its BLAS: "blas (OpenBLAS 0.3.21, SkylakeX kernels, 1 thread)". */
  kernels?: string;
  tokensPerSecond: number;
  msPerStep: number;
  peakRssMB: number;
  /** The reference's OpenBLAS threads per process, where it can tell. */
  blasThreads?: number | null;
  /** GPU memory the backend holds at the end (webgpu: its buffer pool); absent on CPU backends. */
  deviceMB?: number;
  /** The webgpu adapter, as one line, and whether it is a software one. */
  adapter?: { line: string; software: boolean };
  profile?: StepProfile;
}

/** Worker mode: train one model in this process and print one JSON line. */
async function worker(m: Model): Promise<void> {
  const { activeKernels, initBackend } = await import("../src/pipeline/model/backend.ts");
  const { describeBlas } = await import("../src/pipeline/model/blas.ts");
  const { loadBrown, splitDocuments } = await import("../src/pipeline/data/corpus.ts");
  const { tokenStream } = await import("../src/pipeline/data/batches.ts");
  const { SuiteSchema } = await import("../src/pipeline/artifacts/suite.ts");
  const { expandGrid, runsOf } = await import("../src/pipeline/suite/grid.ts");
  const { trainRun } = await import("../src/pipeline/train/train.ts");
  const { startStepProfile } = await import("./step-profile.ts");
  const backend = await initBackend(args.backend as "wasm", { kernels: (args.paths ?? "wasm") as "wasm" | "blas" });
  const k = activeKernels();
  const kernels = k ? `${k.path}${k.blas ? ` (${describeBlas(k.blas)})` : ""}` : undefined;
  const split = splitDocuments(loadBrown(), 0.1);
  const data = { train: tokenStream(split.train), heldOut: tokenStream(split.heldOut) };
  const { nLayers, dModel, nHeads, nCtx, batchSize } = m;
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
  const profiler = args.profile ? startStepProfile(run, data.train) : null;
  await trainRun({
    run,
    runDir,
    backend,
    data,
    onStep: (e) => {
      stamps.set(e.step, performance.now());
      if (e.step === WARMUP) profiler?.reset();
      if (e.step === WARMUP + STEPS) profiler?.stop();
    },
  });
  fs.rmSync(runDir, { recursive: true, force: true });
  const ms = (stamps.get(WARMUP + STEPS)! - stamps.get(WARMUP)!) / STEPS;
  const gpu = (await import("@tensorflow/tfjs-core")).memory() as { numBytesAllocatedInGPU?: number };
  const deviceMB = gpu.numBytesAllocatedInGPU === undefined ? undefined : gpu.numBytesAllocatedInGPU / 2 ** 20;
  const { activeAdapter } = await import("../src/pipeline/model/backend.ts");
  const { adapterLine } = await import("../src/pipeline/model/webgpu.ts");
  const a = activeAdapter();
  const adapter = a ? { line: adapterLine({ ...a, software: false }), software: a.software } : undefined;
  const result: Measure = { kernels, tokensPerSecond: (batchSize * nCtx * 1000) / ms, msPerStep: ms, peakRssMB: peakRssMB(), deviceMB, adapter, profile: profiler?.result(STEPS, ms) };
  console.log(JSON.stringify(result));
}

const TASKSET = ["/usr/bin/taskset", "/bin/taskset"].find((f) => fs.existsSync(f));

/** Runs cmd and parses its last line as JSON; on `core` alone where taskset can pin it. */
function runJson<T>(cmd: string, argv: string[], env: NodeJS.ProcessEnv = process.env, core?: number): Promise<T> {
  const [file, fileArgs] = core !== undefined && TASKSET ? [TASKSET, ["-c", String(core), cmd, ...argv]] : [cmd, argv];
  return new Promise((resolve, reject) => {
    const child = spawn(file, fileArgs, { stdio: ["ignore", "pipe", "inherit"], env });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").at(-1)!)) : reject(new Error(`${cmd} ${argv.join(" ")} exited ${code}`))));
  });
}

/** n processes at once, process i pinned to core i (runJson): their summed tokens/s. */
async function concurrently(n: number, start: (core?: number) => Promise<Measure>): Promise<Measure> {
  const all = await Promise.all(Array.from({ length: n }, (_, i) => start(i % os.availableParallelism())));
  return {
    kernels: all[0].kernels,
    tokensPerSecond: all.reduce((s, m) => s + m.tokensPerSecond, 0),
    msPerStep: all.reduce((s, m) => s + m.msPerStep, 0) / n,
    peakRssMB: Math.max(...all.map((m) => m.peakRssMB)),
  };
}

/** The reference's environment: Refit's, less the OpenBLAS tuning variables, plus `coreType` when given. */
function torchEnv(coreType?: string): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of OPENBLAS_TUNING) delete env[k];
  if (coreType) env.OPENBLAS_CORETYPE = coreType;
  return env;
}

/**
 * The OpenBLAS core type Refit chose for its own blas processes where OpenBLAS misdetects the CPU,
 * not the machine's setting. The reference is then also timed on that core type: a PyTorch held to
 * the misdetected kernel would flatter Refit.
 */
const refitCoreType = (): string | undefined =>
  MACHINE_TUNING.some((t) => t.startsWith("OPENBLAS_CORETYPE=")) ? undefined : process.env.OPENBLAS_CORETYPE;

interface TorchInfo {
  torch: string;
  blas: string;
}

interface ModelResult {
  model: Model;
  rows: [string, Measure][];
}

/** The argument list of a worker process that trains `m` on one kernel path. */
const refitWorker = (m: Model, kernels: string) =>
  [new URL(import.meta.url).pathname, "--worker", "--model", Object.values(m).join(","), "--steps", String(STEPS), "--warmup", String(WARMUP), "--backend", args.backend!, "--paths", kernels];

/** The kernel paths to time: --paths, else blas and wasm where the addon loads, wasm alone where not (saying why). */
async function kernelPaths(): Promise<string[]> {
  const asked = args.paths?.split(",");
  if (asked && !asked.includes("blas")) return asked;
  // Loading the addon here also sets the core type Refit's blas workers run, which the PyTorch
  // reference is then timed on too (refitCoreType): without it, --paths blas compared Refit on
  // SkylakeX kernels with PyTorch on the Prescott ones alone.
  const { loadBlas } = await import("../src/pipeline/model/blas.ts");
  const blas = loadBlas();
  if (asked) {
    if ("unavailable" in blas) throw new Error(`bench:train: --paths blas: ${blas.unavailable}`);
    return asked;
  }
  if ("unavailable" in blas) {
    console.error(`bench:train: wasm kernels only: ${blas.unavailable}`);
    return ["wasm"];
  }
  return ["blas", "wasm"];
}

async function benchModel(m: Model, n: number, streamFile: string | null, paths: string[]): Promise<ModelResult> {
  const rows: [string, Measure][] = [];
  for (const kernels of paths) {
    const refit = (core?: number) => runJson<Measure>(process.execPath, refitWorker(m, kernels), process.env, core);
    rows.push([`refit ${kernels}, 1 process`, await refit()]);
    rows.push([`refit ${kernels}, ${n} processes`, await concurrently(n, refit)]);
  }
  if (streamFile) {
    const script = new URL("torch_train.py", import.meta.url).pathname;
    const modelArgs = ["--layers", m.nLayers, "--d-model", m.dModel, "--heads", m.nHeads, "--ctx", m.nCtx, "--batch", m.batchSize].map(String);
    const chosen = refitCoreType();
    for (const coreType of chosen ? [undefined, chosen] : [undefined]) {
      // OPENBLAS_NUM_THREADS as well as --threads: torch.set_num_threads does not reach Debian's
      // pthreads OpenBLAS, so "1 thread" ran its products on every core (and 2 processes on 4 threads).
      const torch = (threads: number) => (core?: number) =>
        runJson<Measure>(
          PYTHON,
          [script, "--stream", streamFile, "--steps", String(STEPS), "--warmup", String(WARMUP), "--threads", String(threads), ...modelArgs],
          { ...torchEnv(coreType), OPENBLAS_NUM_THREADS: String(threads) },
          core,
        ).then((r) => {
          if (r.blasThreads != null && r.blasThreads !== threads) throw new Error(`bench:train: the PyTorch reference ran OpenBLAS on ${r.blasThreads} threads, not ${threads}`);
          return r;
        });
      const on = coreType ? `, ${coreType} kernels` : "";
      for (let t = 1; t <= n; t *= 2) rows.push([`pytorch, 1 process, ${t} thread(s)${on}`, await torch(t)()]);
      rows.push([`pytorch, ${n} processes x 1 thread${on}`, await concurrently(n, torch(1))]);
    }
  }
  return { model: m, rows };
}

/** Best tokens/s among the rows whose label passes `pred`, with that row. */
function best(rows: [string, Measure][], pred: (label: string) => boolean): [string, Measure] {
  return rows.filter(([l]) => pred(l)).reduce((a, b) => (b[1].tokensPerSecond > a[1].tokensPerSecond ? b : a));
}

function printModel({ model, rows }: ModelResult): void {
  console.log(`\n${label(model)}\n\n| run | tokens/s | ms/step | peak RSS per process (MB) |\n|---|---|---|---|`);
  for (const [l, m] of rows) console.log(`| ${l} | ${Math.round(m.tokensPerSecond)} | ${m.msPerStep.toFixed(1)} | ${Math.round(m.peakRssMB)} |`);
}

function printSummary(results: ModelResult[], n: number, paths: string[]): void {
  console.log(`\n| model | kernels | refit 1 proc | refit ${n} procs | PyTorch best | ratio per process | ratio whole machine | peak MB refit / PyTorch |\n|---|---|---|---|---|---|---|---|`);
  for (const { model, rows } of results) {
    const [torchOneLabel, torchOne] = best(rows, (l) => l.startsWith("pytorch, 1 process,"));
    const [torchBestLabel, torchBest] = best(rows, (l) => l.startsWith("pytorch"));
    const tok = (x: number) => Math.round(x).toLocaleString("en-US");
    for (const kernels of paths) {
      const [refitOne, refitMachine] = rows.filter(([l]) => l.startsWith(`refit ${kernels},`)).map(([, m]) => m);
      const peak = `${Math.round(Math.max(refitOne.peakRssMB, refitMachine.peakRssMB))} / ${Math.round(Math.max(torchOne.peakRssMB, torchBest.peakRssMB))}`;
      console.log(
        `| ${label(model)} | ${kernels} | ${tok(refitOne.tokensPerSecond)} | ${tok(refitMachine.tokensPerSecond)} | ${tok(torchBest.tokensPerSecond)} (${torchBestLabel.slice("pytorch, ".length)}) | ` +
          `${(refitOne.tokensPerSecond / torchOne.tokensPerSecond).toFixed(2)}x (vs ${torchOneLabel.slice("pytorch, 1 process, ".length)}) | ${(refitMachine.tokensPerSecond / torchBest.tokensPerSecond).toFixed(2)}x | ${peak} |`,
      );
    }
  }
}

/** The best run of each row over the rounds (rows keep their order). */
function bestRows(rounds: ModelResult[]): ModelResult {
  const rows = rounds[0].rows.map(([l]) => best(rounds.flatMap((r) => r.rows), (label) => label === l));
  return { model: rounds[0].model, rows };
}

/** --rounds, by default 8 for --kernels and 1 otherwise. */
function roundsArg(): number {
  const rounds = Number(args.rounds ?? (args.kernels ? 8 : 1));
  if (!(Number.isInteger(rounds) && rounds >= 1)) {
    console.error(`bench:train: --rounds must be a whole number of at least 1, got ${args.rounds}`);
    process.exit(2);
  }
  return rounds;
}

async function main(models: Model[]): Promise<void> {
  const n = Number(args.processes);
  const rounds = roundsArg();
  if (args.kernels) {
    await printKernelCeiling(models, { rounds, against: args.against, python: PYTHON, env: { ...torchEnv(), OPENBLAS_NUM_THREADS: "1" }, label });
    return;
  }
  const pinned = TASKSET ? `, concurrent processes pinned one per core` : "";
  console.error(`bench:train: ${models.map(label).join("; ")}; ${STEPS} timed steps after ${WARMUP} warm-up; best of ${rounds} round(s)${pinned}`);
  if (args.profile) {
    for (const m of models) {
      const plain = await runJson<Measure>(process.execPath, refitWorker(m, args.paths ?? "wasm"));
      const profiled = await runJson<Measure>(process.execPath, [...refitWorker(m, args.paths ?? "wasm"), "--profile"]);
      console.log(`\n${label(m)}, refit ${args.backend} (${plain.kernels ?? "no kernel path"}), 1 process: ${plain.msPerStep.toFixed(1)} ms/step plain, ${profiled.msPerStep.toFixed(1)} profiled (the clocks' cost)\n`);
      console.log(formatProfile(profiled.profile!));
    }
    return;
  }
  const torchOk = fs.existsSync(PYTHON) && spawnSync(PYTHON, ["-c", "import torch, numpy"]).status === 0;
  let streamFile: string | null = null;
  if (torchOk) {
    const { loadBrown, splitDocuments } = await import("../src/pipeline/data/corpus.ts");
    const { tokenStream } = await import("../src/pipeline/data/batches.ts");
    streamFile = path.join(os.tmpdir(), `refit-bench-stream-${process.pid}.i32`);
    const stream = tokenStream(splitDocuments(loadBrown(), 0.1).train);
    fs.writeFileSync(streamFile, new Uint8Array(stream.buffer, stream.byteOffset, stream.byteLength));
  }
  const paths = await kernelPaths();
  const results: ModelResult[] = [];
  try {
    for (const m of models) {
      const each: ModelResult[] = [];
      for (let r = 0; r < rounds; r++) each.push(await benchModel(m, n, streamFile, paths));
      results.push(bestRows(each));
    }
  } finally {
    if (streamFile) fs.rmSync(streamFile, { force: true });
  }
  for (const r of results) printModel(r);
  const ran = [...new Set(results.flatMap((r) => r.rows.map(([, m]) => m.kernels).filter((k) => k !== undefined)))];
  console.log(`\nRefit's kernel paths: ${ran.join("; ")}.`);
  if (!torchOk) {
    console.log("\nPyTorch reference skipped: Debian's python3-torch / python3-numpy are not installed (apt-get install python3-torch python3-numpy).");
    return;
  }
  const info = await runJson<TorchInfo>(PYTHON, [new URL("torch_train.py", import.meta.url).pathname, "--describe"], torchEnv());
  const removed = MACHINE_TUNING.length > 0 ? `removed from its environment: ${MACHINE_TUNING.join(", ")}` : "the machine set no OpenBLAS tuning variables";
  const chosen = refitCoreType();
  const refitSet = chosen ? ` (Refit's blas processes ran with OPENBLAS_CORETYPE=${chosen}, which it chose; the reference was timed both on the kernel OpenBLAS detects and on ${chosen}'s, and "PyTorch best" is the faster)` : "";
  console.log(`\nPyTorch ${info.torch}: ${info.blas}; ${removed}${refitSet}.`);
  printSummary(results, n, paths);
}

const models = (args.model ?? DEFAULT_MODELS).map(parseModel);
await (args.worker ? worker(models[0]) : main(models));
