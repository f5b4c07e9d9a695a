// `refit plan <suite...> --shards N`: the run matrix as JSON, ready for a GitHub Actions
// `strategy.matrix` (one entry per suite and shard, with its compute estimate); a human summary
// goes to stderr. Nothing is trained or written.
import { captureKey } from "../artifacts/runs.ts";
import { exists, readJson } from "../artifacts/store.ts";
import { MeasuredRatesSchema, type MeasuredRate } from "../artifacts/measured-rates.ts";
import { estimateRuns, hoursByBackend, matrixEntries, MEASURED_RATES_FILE, type BackendHours, type MatrixEntry } from "../orchestrate/plan.ts";
import type { Run } from "../suite/grid.ts";
import { trainingsOf } from "../suite/grid.ts";
import { loadSuite } from "../suite/load.ts";
import { intOption, parseVerbArgs, UsageError, type Command } from "./command.ts";

export const planCommand: Command = {
  name: "plan",
  describe: "print the run matrix of suites as JSON (GitHub Actions matrix), sharded, with compute estimates",
  help: `Usage: refit plan <suite.yaml...> [--shards N] [--seeds N] [--run-ids]

Prints {"include": [{suite, shard, runs, flops, coreHours}, ...]}: one entry per suite and shard,
for \`strategy.matrix: \${{ fromJSON(...) }}\`. Shards balance estimated compute and are computed
the same way by \`refit run <suite> --shard i/N\` on each machine. Core-hours are an estimate
for one wasm process on a 2-core reference CPU (see src/pipeline/orchestrate/plan.ts). The summary
on stderr also gives hours per backend from the rates measured in bench/rates.json (bench:gpu
--record), each with where and when it was measured.

Options:
  --shards <n>   shards per suite (default 1)
  --seeds <n>    refits per cell, overriding each suite's \`seeds\`
  --run-ids      print the planned run IDs instead, sorted, one a line, each followed by a probe set it
                 is captured on other than the default (a cache key for their outputs)
  -h, --help     show this help`,

  async main(argv) {
    const { values, positionals } = parseVerbArgs("plan", argv, {
      positionals: { min: 1, what: "one or more suite files" },
      options: { shards: { type: "string", default: "1" }, seeds: { type: "string" }, "run-ids": { type: "boolean", default: false } },
    });
    const shards = intOption("shards", values.shards, 1);
    const seeds = intOption("seeds", values.seeds, 2);

    const include: MatrixEntry[] = [];
    const captureKeys = new Set<string>();
    for (const file of positionals) {
      const loaded = await loadSuite(file, { seeds });
      if (loaded.families.length > 0) {
        // Nothing to train or shard: `refit run` captures the families, on a machine holding their checkpoints.
        console.error(`${file}: ${loaded.families.length} famil${loaded.families.length === 1 ? "y" : "ies"} of models trained elsewhere, nothing to train`);
        continue;
      }
      for (const r of loaded.runs) captureKeys.add(captureKey(r.runId, r.probeSet));
      include.push(...matrixEntries(file, loaded.runs, shards));
      const total = estimateRuns(loaded.runs);
      console.error(`${file}: ${loaded.cells.length} cell(s), ${trainingsOf(loaded.runs).length} runs, ${total.flops.toExponential(2)} FLOPs, ~${total.coreHours.toFixed(2)} core-hours`);
      for (const line of measuredLines(loaded.runs)) console.error(`  ${line}`);
    }
    console.log(values["run-ids"] ? [...captureKeys].sort().join("\n") : JSON.stringify({ include }));
    return 0;
  },
};

const hoursText = (h: number) => (h >= 100 ? Math.round(h).toLocaleString("en-US") : h.toPrecision(3));
const shape = (r: MeasuredRate) => `L${r.model.nLayers} d${r.model.dModel} ctx${r.model.nCtx} B${r.model.batchSize}`;

/** One line per backend with measured rates: hours to train the runs, and the measurement behind it. */
function measuredLines(runs: readonly Run[]): string[] {
  if (!exists(MEASURED_RATES_FILE)) return [];
  return hoursByBackend(runs, readJson(MEASURED_RATES_FILE, MeasuredRatesSchema).rates).map((h: BackendHours) => {
    const unit = h.backend === "wasm" || h.backend === "cpu" || h.backend === "tensorflow" ? "core-hours" : "GPU-hours";
    const on = h.adapter ? `${h.backend} on ${h.adapter}${h.software ? " (a software adapter: a test path, not a GPU)" : ""}` : h.backend;
    const from = h.from.map((r) => `${Math.round(r.tokensPerSecond).toLocaleString("en-US")} tok/s at ${shape(r)} on ${r.where}, ${r.when}`).join("; ");
    return `~${hoursText(h.hours)} ${unit} on ${on} (measured ${from})`;
  });
}
