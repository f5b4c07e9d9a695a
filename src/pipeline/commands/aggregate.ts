// `refit aggregate <suite...> --from <shard-dir...>`: merges the output directories of sharded (or
// whole) `refit run`s into a new immutable content version plus the latest pointer
// (publish/aggregate.ts). Missing, unfinished or mismatched runs are listed and exit 2 with nothing
// written.
import * as path from "node:path";
import { aggregate, AggregateError } from "../publish/aggregate.ts";
import { DEFAULT_CONTENT, intOption, parseVerbArgs, shown, UsageError, type Command } from "./command.ts";

/** Positionals after `--from` (until the next option) are shard dirs; the others are suite files. */
function splitArgs(argv: string[]) {
  const { values, tokens } = parseVerbArgs("aggregate", argv, {
    // Their count is checked once they are split into suites and shard dirs.
    positionals: { min: 0, what: "suite files and shard dirs" },
    options: {
      from: { type: "string", multiple: true },
      content: { type: "string", default: DEFAULT_CONTENT },
      version: { type: "string" },
      seeds: { type: "string" },
      "allow-mixed-backends": { type: "boolean", default: false },
      "allow-missing": { type: "boolean", default: false },
      carry: { type: "boolean", default: false },
      "rewrite-latest": { type: "boolean", default: false },
    },
  });
  const suites: string[] = [];
  const from = [...(values.from ?? [])];
  let afterFrom = false;
  for (const t of tokens) {
    if (t.kind === "option") afterFrom = t.name === "from";
    else if (t.kind === "positional") (afterFrom ? from : suites).push(t.value);
  }
  return { values, suites, from };
}

export const aggregateCommand: Command = {
  name: "aggregate",
  describe: "merge shard output dirs into a new immutable content version and move content/latest.json to it",
  help: `Usage: refit aggregate <suite.yaml...> --from <shard-dir...> [options]

Checks that every run each suite plans (as refit plan lists them) is finished in exactly one of the
shard directories (the --out of refit run --shard; a run found in several must be byte-identical),
all on one backend; then runs the compare stage and writes content/versions/<id>/ (suite results,
attention samples, a manifest with SHA-256 sums, provenance and timings), and only then points
content/latest.json at it. Anything missing or mismatched is listed and exits 2, writing nothing;
with --allow-missing, runs that did not finish (a failed shard) are published as missing instead.
An existing version is never overwritten. With --carry, the new version also holds every other suite
of the latest version, byte for byte, with the version that computed it recorded (carriedFrom), so
the newest version is the whole leaderboard even when suites finish on different days.

Options:
  --from <dir...>          shard output directories (repeat the flag or list several after it)
  --content <dir>          published content root (default ${DEFAULT_CONTENT})
  --version <id>           version id (default <UTC date>.<next free number>, e.g. 2026-11-25.1)
  --seeds <n>              refits per cell, overriding each suite's \`seeds\` (as given to refit run)
  --allow-mixed-backends   publish runs trained on different backends together
  --allow-missing          publish what finished when planned runs are missing or unfinished: each is
                           marked in its cell and in the manifest (build.missingRuns), and listed here
  --carry                  keep the latest version's other suites in the new version, unchanged
  --rewrite-latest         replace a content/latest.json that refit aggregate did not write (by default
                           such a file is refused, exit 2, so an edit is never silently undone)
  -h, --help               show this help`,

  async main(argv) {
    const { values, suites, from } = splitArgs(argv);
    if (suites.length === 0) throw new UsageError("refit aggregate needs at least one suite file");
    if (from.length === 0) throw new UsageError("refit aggregate needs --from <shard-dir...>");
    try {
      const result = await aggregate({
        suites,
        from: from.map((d) => path.resolve(d)),
        content: values.content,
        version: values.version,
        seeds: intOption("seeds", values.seeds, 2),
        allowMixedBackends: values["allow-mixed-backends"],
        allowMissing: values["allow-missing"],
        carry: values.carry,
        rewriteLatest: values["rewrite-latest"],
        progress: (line) => console.error(`refit: ${line}`),
      });
      const b = result.manifest.build!;
      console.log(`version ${result.version}: ${result.suites.map((s) => s.suite.name).join(", ")} (${b.runs} runs on ${b.backends.join(", ")}, ${b.machines.length} machine(s))`);
      if (result.carried.length > 0) console.log(`carried unchanged from the previous latest version: ${result.carried.join(", ")}`);
      const missing = b.missingRuns ?? [];
      if (missing.length > 0) console.log(`partial: ${missing.length} planned run(s) missing, marked in the version:\n${missing.map((m) => `  ${m.suite}: run ${m.runId} (seed ${m.seed}): ${m.reason}`).join("\n")}`);
      console.log(`published: ${shown(result.dir)}; latest.json points at it`);
      return 0;
    } catch (e) {
      if (!(e instanceof AggregateError)) throw e;
      console.error(`refit aggregate: ${e.message}`);
      return 2;
    }
  },
};
