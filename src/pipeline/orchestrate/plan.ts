// Planning: what a suite will cost, how its runs split into shards, and whether `refit run` may
// train them within its compute budget. The compute estimate is
// the usual transformer count (6 FLOPs per parameter per training token, plus attention's
// 6·L·T·D per token) and a core-hours figure from a reference throughput; shards are balanced by
// estimated cost (longest first onto the least-loaded shard), deterministically, so every machine
// that runs `refit run --shard i/N` computes the same split without talking to the others. A run
// shared by cells on several probe sets is trained once: it is counted once, and all its cells go
// to one shard. Captures are not counted: each is a few thousand probe tokens through the model once
// per head (the head ablations), a few percent of a shipped suite's training at most.
import { fileURLToPath } from "node:url";
import type { MeasuredRate } from "../artifacts/measured-rates.ts";
import { trainingsOf, type Run } from "../suite/grid.ts";
import type { CellConfig } from "../artifacts/suite.ts";
import { VOCAB_SIZE } from "../data/tokenizer.ts";
import { gptConfigOf, paramShapes } from "../model/config.ts";

/**
 * Effective training FLOP/s of one wasm process on the 2-core reference machine (bench:train:
 * about 2,800 tokens/s on the reference model, i.e. ~7.4 GFLOP/s by the count below). Only used to
 * turn FLOPs into a rough core-hours figure for budgets; faster backends finish sooner.
 */
export const REFERENCE_FLOPS_PER_SECOND = 7.4e9;

export function parameterCount(c: CellConfig): number {
  let n = 0;
  for (const shape of paramShapes(gptConfigOf(c, VOCAB_SIZE)).values()) n += shape.reduce((a, b) => a * b, 1);
  return n;
}

export interface Estimate {
  flops: number;
  coreHours: number;
}

/** Training FLOPs per token: 6 per parameter, plus attention's 6·L·T·D. */
export const flopsPerToken = (c: CellConfig): number => 6 * parameterCount(c) + 6 * c.model.nLayers * c.data.nCtx * c.model.dModel;

export function estimateRun(c: CellConfig): Estimate {
  const steps = Math.ceil(c.train.tokens / (c.train.batchSize * c.data.nCtx));
  const tokens = steps * c.train.batchSize * c.data.nCtx;
  const flops = flopsPerToken(c) * tokens;
  return { flops, coreHours: flops / REFERENCE_FLOPS_PER_SECOND / 3600 };
}

/** Where the measured rates live (bench:gpu --record writes them; docs/formats.md "Measured rates"). */
export const MEASURED_RATES_FILE = fileURLToPath(new URL("../../../bench/rates.json", import.meta.url));

/** Hours of one process on one backend (and adapter) to train some runs, from measured rates. */
export interface BackendHours {
  backend: MeasuredRate["backend"];
  adapter: string | null;
  software: boolean;
  hours: number;
  /** The measurements used (each run takes the one nearest its model's size), for the "measured where, when" line. */
  from: MeasuredRate[];
}

/** Log-distance between two model shapes: the rate of the nearest measured model stands for a run's. */
const shapeDistance = (c: CellConfig, m: MeasuredRate["model"]): number =>
  Math.abs(Math.log(c.model.dModel / m.dModel)) + Math.abs(Math.log(c.data.nCtx / m.nCtx)) + Math.abs(Math.log(c.model.nLayers / m.nLayers));

/**
 * Hours per backend (and adapter) for training `runs`, each run at the effective FLOP/s measured on
 * the nearest model shape for that backend: core-hours on wasm (one process per core), GPU-hours on
 * a GPU backend (one process per GPU).
 */
export function hoursByBackend(runs: readonly Run[], rates: readonly MeasuredRate[]): BackendHours[] {
  const groups = new Map<string, MeasuredRate[]>();
  for (const r of rates) groups.set(JSON.stringify([r.backend, r.adapter]), [...(groups.get(JSON.stringify([r.backend, r.adapter])) ?? []), r]);
  return [...groups.values()].map((measured) => {
    const used = new Set<MeasuredRate>();
    let hours = 0;
    for (const { run } of trainingsOf(runs)) {
      const nearest = measured.reduce((a, b) => (shapeDistance(run.config, b.model) < shapeDistance(run.config, a.model) ? b : a));
      used.add(nearest);
      hours += estimateRun(run.config).flops / nearest.flopsPerSecond / 3600;
    }
    const { backend, adapter, software } = measured[0];
    return { backend, adapter, software, hours, from: [...used] };
  });
}

const sumEstimates = (es: readonly Estimate[]): Estimate => ({
  flops: es.reduce((s, e) => s + e.flops, 0),
  coreHours: es.reduce((s, e) => s + e.coreHours, 0),
});

/** The cost of training `runs`, each run ID once however many cells share it. */
export const estimateRuns = (runs: readonly Run[]): Estimate => sumEstimates(trainingsOf(runs).map((t) => estimateRun(t.run.config)));

export interface Shard {
  /** 1-based, as written on the command line: `--shard 2/3`. */
  index: number;
  count: number;
}

/** Parses "i/N" (1 <= i <= N); throws a message naming the expected form. */
export function parseShard(text: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(text);
  const [index, count] = m ? [Number(m[1]), Number(m[2])] : [NaN, NaN];
  if (!m || count < 1 || index < 1 || index > count) throw new Error(`--shard must be i/N with 1 <= i <= N (e.g. 2/3), got "${text}"`);
  return { index, count };
}

/**
 * Splits runs into `count` shards of near-equal estimated cost, every run of one run ID (cells that
 * differ only in probe set) in the same shard; each shard keeps the runs' original order.
 */
export function splitIntoShards(runs: readonly Run[], count: number): Run[][] {
  const order = trainingsOf(runs)
    .map(({ run }) => ({ runId: run.runId, cost: estimateRun(run.config).flops }))
    .sort((a, b) => b.cost - a.cost || a.runId.localeCompare(b.runId));
  const load = new Array<number>(count).fill(0);
  const shardOf = new Map<string, number>();
  for (const item of order) {
    const target = load.indexOf(Math.min(...load));
    load[target] += item.cost;
    shardOf.set(item.runId, target);
  }
  return Array.from({ length: count }, (_, k) => runs.filter((r) => shardOf.get(r.runId) === k));
}

export const shardRuns = (runs: readonly Run[], shard: Shard): Run[] => splitIntoShards(runs, shard.count)[shard.index - 1];

/** One entry of `refit plan`'s GitHub Actions matrix: a suite's shard and what it will cost. */
export interface MatrixEntry {
  suite: string;
  /** "i/N", as `refit run --shard` takes it. */
  shard: string;
  runs: number;
  flops: number;
  coreHours: number;
}

/** A suite's runs split into `shards`, one matrix entry each; `suite` is the file as given. */
export function matrixEntries(suite: string, runs: readonly Run[], shards: number): MatrixEntry[] {
  return splitIntoShards(runs, shards).map((part, i) => {
    const e = estimateRuns(part);
    return { suite, shard: `${i + 1}/${shards}`, runs: trainingsOf(part).length, flops: e.flops, coreHours: Number(e.coreHours.toFixed(3)) };
  });
}

/** A suite estimated above `refit run`'s compute budget, refused before anything is trained; the CLI exits 2. */
export class BudgetError extends Error {
  override name = "BudgetError";
}

/** What one `refit run` trains: the runs of its shard (or all), one per run ID, and their estimate. */
export interface TrainingPlan {
  runs: Run[];
  estimate: Estimate;
}

/**
 * The runs one `refit run` trains, refusing them when their estimate is above `maxCoreHours` and
 * not forced: a mistyped token count should fail at once, not after a day of training.
 */
export function planTraining(suite: string, runs: readonly Run[], opts: { shard?: Shard; maxCoreHours: number; force: boolean }): TrainingPlan {
  const planned = trainingsOf(opts.shard ? shardRuns(runs, opts.shard) : runs).map((t) => t.run);
  const estimate = estimateRuns(planned);
  if (estimate.coreHours > opts.maxCoreHours && !opts.force) {
    throw new BudgetError(
      `suite ${suite} is estimated at ${estimate.coreHours.toPrecision(2)} core-hours (${estimate.flops.toExponential(2)} FLOPs over ${planned.length} runs), above --max-core-hours ${opts.maxCoreHours}; pass --force to run it anyway`,
    );
  }
  return { runs: planned, estimate };
}
