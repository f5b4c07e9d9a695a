// `refit verify [--out DIR] [--repair]`: check every cached file against its recorded SHA-256 and,
// with --repair, move damaged ones aside and re-make them.
import * as fs from "node:fs";
import * as path from "node:path";
import { verifyOutDir } from "../verify.ts";
import { DEFAULT_OUT, parseVerbArgs, shown, UsageError, type Command } from "./command.ts";

export const verifyCommand: Command = {
  name: "verify",
  describe: "check every cached capture, checkpoint and record against its SHA-256; --repair re-makes damaged ones",
  help: `Usage: refit verify [--out <dir>] [--repair]

Checks every file of an output folder that refit run reuses (run records, captures, checkpoints,
suite results, captures of model families) against the SHA-256 recorded when it was written. A
file written before Refit recorded checksums is read whole instead (it must decode, and a
capture's attention rows must be softmax rows) and, if it passes, its checksum is recorded now.

With --repair, damaged files are moved to <out>/damaged/<time>/ and their runs re-made: captured
again from the final checkpoint, resumed, or trained again. Training is deterministic, so the
repaired cache is bit-identical to a clean run's (run.json's timings aside). A run made on another
GPU adapter or with other BLAS kernels than this machine would use is refused before anything is
moved: repair it on a machine that has them.

Options:
  --out <dir>   the output folder (default ${DEFAULT_OUT})
  --repair      move damaged files aside and re-make them
  -h, --help    show this help

Exit codes: 0 nothing damaged (or all repaired), 1 a repair could not re-make everything,
2 damaged files found (without --repair), or a run this machine cannot re-make as it was made.`,

  async main(argv) {
    const { values } = parseVerbArgs("verify", argv, {
      positionals: { min: 0, max: 0, what: "no positional arguments" },
      options: { out: { type: "string", default: DEFAULT_OUT }, repair: { type: "boolean", default: false } },
    });
    const outDir = path.resolve(values.out);
    if (!fs.existsSync(outDir)) throw new UsageError(`--out ${values.out}: no such folder, so nothing to verify`);
    const report = await verifyOutDir(outDir, { repair: values.repair });
    const count = (s: string) => report.files.filter((f) => f.state === s).length;
    for (const f of report.files.filter((x) => x.state === "damaged")) console.log(`damaged: ${shown(f.file)}: ${f.problem}`);
    const recorded = count("recorded") > 0 ? `, ${count("recorded")} written before checksums (checked whole and recorded now)` : "";
    console.log(`${shown(outDir)}: ${report.files.length} files, ${count("ok")} intact${recorded}, ${count("damaged")} damaged`);
    if (report.movedTo) console.log(`moved the damaged files to ${shown(report.movedTo)}`);
    for (const line of report.repaired) console.log(`repaired: ${line}`);
    for (const line of report.unrepaired) console.log(`not repaired: ${line}`);
    if (count("damaged") === 0) return 0;
    if (!values.repair) {
      console.error(`refit: ${count("damaged")} damaged file(s) in ${shown(outDir)}; repair with: refit verify --out ${shown(outDir)} --repair`);
      return 2;
    }
    return report.unrepaired.length === 0 ? 0 : 1;
  },
};
