// The `refit` command line: parses arguments and maps outcomes to exit codes
// (0 success, 1 failure, 2 bad usage or input). The work lives in the stage modules.
import { parseArgs } from "node:util";
import * as path from "node:path";
import { BACKEND_CHOICES, BackendError, initBackend, type BackendChoice } from "./model/backend.ts";
import { runSuite } from "./run.ts";
import { SuiteError, loadSuite } from "./suite/load.ts";
import { formatSuiteResult } from "./report.ts";

/** Bad usage: printed with a pointer to --help, exit code 2. */
class UsageError extends Error {
  override name = "UsageError";
}

const DEFAULT_OUT = ".refit";

const HELP: Record<string, string> = {
  main: `refit: train a small GPT across seeds and measure how stable its attention heads are.

Usage: refit <command> [options]

Commands:
  run <suite.yaml>   train, capture and compare every cell of a suite; print per-layer stability

Options:
  -h, --help         show help (also: refit <command> --help)

Exit codes: 0 success, 1 failure, 2 bad usage or input.`,
  run: `Usage: refit run <suite.yaml> [options]

Trains each run of the suite (cell x seed) on the configured corpus, captures attention patterns
and residual streams on the suite's probe set, compares the refits and prints a per-layer table.
Finished runs are reused from the cache; interrupted runs resume from their last checkpoint.

Options:
  --backend <name>   ${BACKEND_CHOICES.join(" | ")} (default auto: the fastest that loads)
  --out <dir>        cache and results directory (default ${DEFAULT_OUT})
  --seeds <n>        refits per cell, overriding the suite's \`seeds\` (at least 2)
  -h, --help         show this help`,
};

function parseSeeds(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2) throw new UsageError(`--seeds must be an integer >= 2, got "${value}"`);
  return n;
}

async function runCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      backend: { type: "string", default: "auto" },
      out: { type: "string", default: DEFAULT_OUT },
      seeds: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP.run);
    return 0;
  }
  if (positionals.length !== 1) throw new UsageError(`refit run takes exactly one suite file, got ${positionals.length}`);
  if (!(BACKEND_CHOICES as readonly string[]).includes(values.backend)) {
    throw new UsageError(`--backend must be one of ${BACKEND_CHOICES.join(", ")}, got "${values.backend}"`);
  }
  const seeds = parseSeeds(values.seeds);
  const loaded = await loadSuite(positionals[0], { seeds });
  const backend = await initBackend(values.backend as BackendChoice);
  const outDir = path.resolve(values.out);
  console.error(
    `refit: suite ${loaded.suite.name}: ${loaded.cells.length} cell(s) x ${loaded.suite.seeds} seeds = ${loaded.runs.length} runs on ${backend}; cache ${outDir}`,
  );
  const { result, resultPath } = await runSuite(loaded, { outDir, backend, progress: process.stderr });
  console.log(formatSuiteResult(result));
  const shown = path.relative(process.cwd(), resultPath);
  console.log(`\nresults: ${shown.startsWith("..") ? resultPath : shown}`);
  return result.cells.every((c) => c.stats !== null) ? 0 : 1;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === "-h" || command === "--help" || command === "help") {
      console.log(HELP.main);
      return command === undefined ? 2 : 0;
    }
    if (command === "run") return await runCommand(rest);
    throw new UsageError(`unknown command "${command}"`);
  } catch (e) {
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      console.error(`refit: ${(e as Error).message}\nRun \`refit ${command && HELP[command] ? `${command} ` : ""}--help\` for usage.`);
      return 2;
    }
    if (e instanceof SuiteError || e instanceof BackendError) {
      console.error(`refit: ${e.message}`);
      return 2;
    }
    console.error(`refit: ${(e as Error).stack ?? e}`);
    return 1;
  }
}
