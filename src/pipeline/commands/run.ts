// `refit run <suite.yaml>`: train, capture and compare every cell of a suite, then print the
// per-layer table and where the JSON result was written.
import * as path from "node:path";
import type { RunRecord } from "../artifacts/run-record.ts";
import type { CapturedModel } from "../capture/external.ts";
import { activeAdapter, activeKernels, BACKEND_CHOICES, initBackend } from "../model/backend.ts";
import { adapterLine } from "../model/webgpu.ts";
import { parseShard, planTraining, type Shard } from "../orchestrate/plan.ts";
import { defaultWorkers } from "../orchestrate/pool.ts";
import { formatSuiteResult } from "../report.ts";
import { runSuite, trainShard } from "../run.ts";
import { runsOnAdapter, trainingsOf } from "../suite/grid.ts";
import { loadSuite, type LoadedSuite } from "../suite/load.ts";
import { backendOption, DEFAULT_OUT, intOption, KERNELS_HELP, kernelsOption, parseVerbArgs, shown, UsageError, type Command } from "./command.ts";

/** A day of one core: large enough for the shipped suites, small enough to catch a typo'd token count. */
const DEFAULT_BUDGET_CORE_HOURS = 24;

export const runCommand: Command = {
  name: "run",
  describe: "train, capture and compare every cell of a suite; print per-layer stability",
  help: `Usage: refit run <suite.yaml> [options]

Trains each run of the suite (cell x seed) on the configured corpus, captures attention patterns
and residual streams on the suite's probe set, compares the refits and prints a per-layer table.
Finished runs are reused from the cache; interrupted runs resume from their last checkpoint.
A suite that lists \`models\` trains nothing: it captures each family's checkpoints (as refit
capture does, into <out>/captures/<family>/) and compares each family as a cell. Hub models must
already be in --hub-dir: Refit downloads nothing.

Options:
  --backend <name>   ${BACKEND_CHOICES.join(" | ")} (default auto: the fastest that loads)
  ${KERNELS_HELP}
  --out <dir>        cache and results directory (default ${DEFAULT_OUT})
  --seeds <n>        refits per cell, overriding the suite's \`seeds\` (at least 2)
  --max-core-hours <h>  refuse suites estimated above this compute (default ${DEFAULT_BUDGET_CORE_HOURS}; see refit plan)
  --force            run even when the estimate exceeds --max-core-hours
  --workers <n>      training processes (default: one per core, as tfjs-wasm uses one thread each;
                     one on webgpu, which shares one GPU)
  --shard <i/N>      train and capture only shard i of N (as refit plan splits it); compares nothing
  --reuse-from <dir> copy finished runs from another --out directory (e.g. a restored CI cache) instead
                     of training them; checkpoints are not copied
  --hub-dir <dir>    where a suite's Hub models were downloaded, as <dir>/<owner>/<name> (default <out>/hub)
  --lock-timeout <s> give up after s seconds waiting for another refit process working on a run
                     or capturing a family
                     (default: wait as long as that process lives; its pid is printed)
  -h, --help         show this help`,

  async main(argv) {
    const { values, positionals } = parseVerbArgs("run", argv, {
      positionals: { min: 1, max: 1, what: "exactly one suite file" },
      options: {
        backend: { type: "string", default: "auto" },
        kernels: { type: "string", default: "wasm" },
        out: { type: "string", default: DEFAULT_OUT },
        seeds: { type: "string" },
        "max-core-hours": { type: "string", default: String(DEFAULT_BUDGET_CORE_HOURS) },
        force: { type: "boolean", default: false },
        workers: { type: "string" },
        shard: { type: "string" },
        "reuse-from": { type: "string" },
        "hub-dir": { type: "string" },
        "lock-timeout": { type: "string" },
      },
    });
    const backendChoice = backendOption(values.backend);
    const kernelChoice = kernelsOption(values.kernels);
    const shard = shardOption(values.shard);
    const maxCoreHours = Number(values["max-core-hours"]);
    if (!(maxCoreHours > 0)) throw new UsageError(`--max-core-hours must be a positive number, got "${values["max-core-hours"]}"`);
    const suite = await loadSuite(positionals[0], { seeds: intOption("seeds", values.seeds, 2) });
    const planned = planTraining(suite.suite.name, suite.runs, { shard, maxCoreHours, force: values.force }).runs;
    const backend = await initBackend(backendChoice, { kernels: kernelChoice });
    const kernels = activeKernels();
    const adapter = activeAdapter();
    const loaded = { ...suite, runs: runsOnAdapter(suite.runs, adapter) };
    const workers = intOption("workers", values.workers ?? String(backend === "webgpu" ? 1 : defaultWorkers()), 1);
    const outDir = path.resolve(values.out);
    const described = adapter ? `${backend} (${adapterLine(adapter)})` : kernels ? `${backend} (${kernels.path} kernels)` : backend;
    console.error(startLine(loaded, { backend: described, workers: Math.min(workers, planned.length), shard, planned: planned.length, outDir }));
    const resolved = (dir: string | undefined) => (dir === undefined ? undefined : path.resolve(dir));
    const lockTimeoutSeconds = intOption("lock-timeout", values["lock-timeout"], 0);
    const options = { outDir, backend, kernels, adapter, progress: process.stderr, workers, reuseFrom: resolved(values["reuse-from"]), hubDir: resolved(values["hub-dir"]), lockTimeoutSeconds, onCaptured };
    if (shard) return printShard(await trainShard(loaded, { ...options, shard }), shard, outDir);
    const { result, resultPath } = await runSuite(loaded, options);
    console.log(formatSuiteResult(result));
    console.log(`\nresults: ${shown(resultPath)}`);
    return result.cells.every((c) => c.stats !== null) ? 0 : 1;
  },
};

function shardOption(text: string | undefined): Shard | undefined {
  try {
    return text === undefined ? undefined : parseShard(text);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** The line a run starts with: what the suite trains (or captures), on what, and where. */
function startLine(loaded: LoadedSuite, o: { backend: string; workers: number; shard?: Shard; planned: number; outDir: string }): string {
  const { suite, families, cells } = loaded;
  if (families.length > 0) {
    return `refit: suite ${suite.name}: ${families.length} famil${families.length === 1 ? "y" : "ies"} of models trained elsewhere, captured on ${o.backend}; cache ${o.outDir}`;
  }
  const nRuns = trainingsOf(loaded.runs).length;
  const runs = nRuns === loaded.runs.length ? `= ${nRuns} runs` : `on ${nRuns} runs (cells that differ only in probe set share them)`;
  const scope = o.shard ? `, shard ${o.shard.index}/${o.shard.count}: ${o.planned} of them` : "";
  return `refit: suite ${suite.name}: ${cells.length} cell(s) x ${suite.seeds} seeds ${runs}${scope} on ${o.backend}, ${o.workers} worker(s); cache ${o.outDir}`;
}

function onCaptured(d: CapturedModel): void {
  console.error(`refit: ${d.model.model} (seed ${d.model.seed}): ${d.captured ? `captured in ${d.seconds.toFixed(1)} s${d.ablated ? ", ablated" : ""}` : "kept its capture"}`);
}

/** A shard's outcome, one line per failed run; exit 1 when any failed. */
function printShard(records: RunRecord[], shard: Shard, outDir: string): number {
  const failed = records.filter((r) => r.status === "failed");
  console.log(`shard ${shard.index}/${shard.count}: ${records.length - failed.length} of ${records.length} runs finished in ${outDir}`);
  for (const r of failed) console.log(`  run ${r.runId} (seed ${r.seed}) FAILED: ${r.error}`);
  return failed.length === 0 ? 0 : 1;
}
