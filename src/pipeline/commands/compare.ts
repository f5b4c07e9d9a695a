// `refit compare <captures-dir>`: the compare stage alone, on capture files in the documented
// format (README "Capture file format") wherever they were made: parses the arguments, compares
// the folder's cells (assemble/captures.ts) and prints their tables and the findings.
import * as fs from "node:fs";
import * as path from "node:path";
import { writeJsonAtomic } from "../artifacts/store.ts";
import { compareDirectory, NoCapturesError, UNTRAINED_SUFFIX } from "../assemble/captures.ts";
import { DEFAULT_RESAMPLES } from "../compare/bootstrap.ts";
import { formatCellStats, formatFindings } from "../report.ts";
import { intOption, parseVerbArgs, UsageError, type Command } from "./command.ts";

export const compareCommand: Command = {
  name: "compare",
  describe: "compare capture files alone (e.g. captures made elsewhere); print stability, nulls, intervals and findings",
  help: `Usage: refit compare <captures-dir> [options]

Runs the compare stage on every capture file under <captures-dir> (searched recursively): any
*.safetensors whose __metadata__ has format "refit.capture" (see README, "Capture file format").
Captures of the same family (a Refit cell's ID, or the name given to \`refit capture
--family\`), probe set, tokenizer and backend form a cell; the lowest seed is the anchor.
A file named *${UNTRAINED_SUFFIX} is the untrained twin of the capture with the same seed, used
for the untrained null when every seed of the cell has one.

Options:
  --json <file>        also write the result as JSON (schema CompareResult)
  --resamples <n>      bootstrap resamples (default ${DEFAULT_RESAMPLES})
  -h, --help           show this help`,

  async main(argv) {
    const { values, positionals } = parseVerbArgs("compare", argv, {
      positionals: { min: 1, max: 1, what: "exactly one captures directory" },
      options: {
        json: { type: "string" },
        resamples: { type: "string", default: String(DEFAULT_RESAMPLES) },
      },
    });
    const dir = path.resolve(positionals[0]);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${positionals[0]} is not a directory`);
    const resamples = intOption("resamples", values.resamples, 10);
    let compared;
    try {
      compared = compareDirectory({ dir, resamples });
    } catch (e) {
      throw e instanceof NoCapturesError ? new UsageError(e.message) : e;
    }
    const { result, skippedCells, skippedFiles } = compared;
    if (skippedFiles.length > 0) console.error(`refit: skipped ${skippedFiles.length} safetensors file(s) that are not captures (e.g. ${skippedFiles[0]})`);
    for (const s of skippedCells) console.error(`refit: skipped cell ${s}`);
    result.cells.forEach((cell, i) => {
      const m = cell.config.model;
      const trained = cell.config.train ? `, ${cell.config.train.optimizer}` : ", trained elsewhere";
      console.log(`\ncell ${i + 1} ${cell.cellId}  (${m.nLayers}L d${m.dModel} ${m.nHeads}H${trained}, ${cell.tokenizer} tokens), seeds ${cell.seeds.join(",")}`);
      console.log(formatCellStats(cell.stats).join("\n"));
    });
    console.log(formatFindings(result.findings));
    if (values.json) {
      writeJsonAtomic(path.resolve(values.json), result);
      console.log(`\nresults: ${values.json}`);
    }
    return result.cells.length > 0 ? 0 : 1;
  },
};
