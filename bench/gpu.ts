// `npm run bench:gpu`: training throughput and memory of each backend that runs here (webgpu,
// tensorflow-gpu where installed, wasm) at the reference model, at d512, and at the paper grid's
// largest model, one process each (bench:train's worker, so the numbers are bench:train's), then the
// hours suites/paper-grid.yaml would take on each. `--record "<where>"` adds the measurements to
// bench/rates.json, the rates `refit plan` estimates from (with where, when and the commit).
// Usage: node bench/gpu.ts [--steps 3] [--warmup 1] [--backend NAME]... [--model L,d,H,ctx,B]...
//        [--record "<machine, and anything that bends the numbers>"]
// On a software adapter (lavapipe: about 1 ms per op) use tiny step counts and a small batch for the
// paper model, e.g. --steps 1 --warmup 1 --model 8,512,8,1024,1.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import { parseArgs } from "node:util";
import { SCHEMA_VERSION } from "../src/pipeline/artifacts/conventions.ts";
import { MeasuredRatesSchema, type MeasuredRate } from "../src/pipeline/artifacts/measured-rates.ts";
import { gitCommit } from "../src/pipeline/artifacts/provenance.ts";
import { readJson, writeJsonAtomic } from "../src/pipeline/artifacts/store.ts";
import { SuiteSchema } from "../src/pipeline/artifacts/suite.ts";
import { flopsPerToken, hoursByBackend, MEASURED_RATES_FILE } from "../src/pipeline/orchestrate/plan.ts";
import { loadSuite } from "../src/pipeline/suite/load.ts";
import type { Measure } from "./train.ts";

const { values: args } = parseArgs({
  options: {
    steps: { type: "string", default: "3" },
    warmup: { type: "string", default: "1" },
    backend: { type: "string", multiple: true },
    model: { type: "string", multiple: true },
    record: { type: "string" },
  },
});
const BACKENDS = args.backend ?? ["webgpu", "tensorflow-gpu", "wasm"];
/** bench:train's reference model, d512, and paper-grid.yaml's 8-layer cell (its batch of 16). */
const MODELS = args.model ?? ["2,128,4,64,16", "4,512,8,128,8", "8,512,8,1024,16"];
const PAPER_GRID = new URL("../suites/paper-grid.yaml", import.meta.url).pathname;
const TRAIN = new URL("train.ts", import.meta.url).pathname;

/** bench:train's worker on one backend and model; null (with its last stderr line) when the backend does not run here. */
function measure(backend: string, model: string): Promise<Measure | string> {
  return new Promise((resolve) => {
    const argv = [TRAIN, "--worker", "--model", model, "--steps", args.steps!, "--warmup", args.warmup!, "--backend", backend];
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => {
      if (code === 0) return resolve(JSON.parse(out.trim().split("\n").at(-1)!) as Measure);
      const lines = err.split("\n").filter((l) => /error|backend/i.test(l) && !l.includes("Warning"));
      resolve(lines[0]?.trim() ?? `exited ${code}`);
    });
  });
}

function rateOf(backend: string, model: string, m: Measure, where: string): MeasuredRate {
  const [nLayers, dModel, nHeads, nCtx, batchSize] = model.split(",").map(Number);
  const config = SuiteSchema.parse({ name: "bench", model: { nLayers, dModel, nHeads }, data: { nCtx }, train: { batchSize } });
  return {
    backend: backend as MeasuredRate["backend"],
    adapter: m.adapter?.line ?? null,
    software: m.adapter?.software ?? false,
    model: { nLayers, dModel, nHeads, nCtx, batchSize },
    tokensPerSecond: m.tokensPerSecond,
    flopsPerSecond: m.tokensPerSecond * flopsPerToken(config),
    processes: 1,
    peakRssMB: m.peakRssMB,
    deviceMB: m.deviceMB ?? null,
    where,
    when: new Date().toISOString().slice(0, 10),
    gitCommit: gitCommit(new URL("..", import.meta.url).pathname),
  };
}

const num = (x: number) => Math.round(x).toLocaleString("en-US");

async function main(): Promise<void> {
  console.error(`bench:gpu: backends ${BACKENDS.join(", ")}; models ${MODELS.join(" | ")}; ${args.steps} timed steps after ${args.warmup} warm-up`);
  const rates: MeasuredRate[] = [];
  console.log("| backend | adapter | model L,d,H,ctx,B | tokens/s | ms/step | peak RSS (MB) | GPU memory (MB) |\n|---|---|---|---|---|---|---|");
  for (const backend of BACKENDS) {
    for (const model of MODELS) {
      const m = await measure(backend, model);
      if (typeof m === "string") {
        console.log(`| ${backend} | not run here: ${m.replaceAll("|", "/")} | | | | | |`);
        break; // the backend does not load: its other models would fail the same way
      }
      const rate = rateOf(backend, model, m, args.record ?? "this machine");
      rates.push(rate);
      const adapter = rate.adapter ? `${rate.adapter}${rate.software ? " (software)" : ""}` : "-";
      console.log(`| ${backend} | ${adapter} | ${model} | ${num(m.tokensPerSecond)} | ${m.msPerStep.toFixed(0)} | ${num(m.peakRssMB)} | ${m.deviceMB === undefined ? "-" : num(m.deviceMB)} |`);
    }
  }
  const paper = await loadSuite(PAPER_GRID);
  console.log(`\nsuites/paper-grid.yaml (${paper.runs.length} runs), projected from these measurements (each run at the nearest measured model):\n`);
  console.log("| backend | adapter | hours (one process: GPU-hours on a GPU, core-hours on wasm) |\n|---|---|---|");
  for (const h of hoursByBackend(paper.runs, rates)) console.log(`| ${h.backend} | ${h.adapter ?? "-"}${h.software ? " (software)" : ""} | ${num(h.hours)} |`);
  if (args.record !== undefined) {
    const old = fs.existsSync(MEASURED_RATES_FILE) ? readJson(MEASURED_RATES_FILE, MeasuredRatesSchema).rates : [];
    writeJsonAtomic(MEASURED_RATES_FILE, { schemaVersion: SCHEMA_VERSION, format: "refit.measured-rates", rates: [...old, ...rates] });
    console.error(`bench:gpu: recorded ${rates.length} rate(s) in ${MEASURED_RATES_FILE}`);
  }
}

await main();
