// `refit compare <captures-dir>`: the compare stage alone, on capture files in the documented
// format (README "Capture file format"), wherever they were made. Captures are grouped into cells
// by their resolved config (plus probe set and backend, which are never mixed); a file named
// `*-init.safetensors` is the untrained twin of the run with the same seed (the untrained null).
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { provenance } from "../artifacts/provenance.ts";
import { openSafetensors } from "../artifacts/safetensors.ts";
import { SCHEMA_VERSION, type CompareResult } from "../artifacts/schemas.ts";
import { writeJsonAtomic } from "../artifacts/store.ts";
import { compareCaptures } from "../capture/compare-input.ts";
import { openCapture, type CaptureReader } from "../capture/format.ts";
import { cellBootstrapSeed, DEFAULT_RESAMPLES } from "../compare/bootstrap.ts";
import { evaluateFindings, type FindingsCell } from "../compare/findings.ts";
import { formatCellStats, formatFindings } from "../report.ts";
import { cellIdOf } from "../suite/grid.ts";
import { intOption, UsageError, type Command } from "./command.ts";

const UNTRAINED_SUFFIX = "-init.safetensors";

interface Found {
  file: string;
  capture: CaptureReader;
  untrained: boolean;
}

/**
 * Every *.safetensors under dir whose metadata says `format: refit.capture`, opened (headers and
 * small tensors only, all validated before any cell is compared); other safetensors are skipped.
 */
export function findCaptures(dir: string): { found: Found[]; skipped: string[] } {
  const found: Found[] = [];
  const skipped: string[] = [];
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith(".safetensors")).sort();
  for (const rel of files) {
    const file = path.join(dir, rel);
    if (openSafetensors(file).metadata.format !== "refit.capture") {
      skipped.push(rel);
      continue;
    }
    found.push({ file: rel, capture: openCapture(file), untrained: rel.endsWith(UNTRAINED_SUFFIX) });
  }
  return { found, skipped };
}

/** Groups captures into cells: same config, probe set and backend. */
function groupCells(found: readonly Found[]): Map<string, Found[]> {
  const groups = new Map<string, Found[]>();
  for (const f of found) {
    const key = [cellIdOf(f.capture.meta.config), f.capture.meta.probeSet.hash, f.capture.meta.backend].join(" ");
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return groups;
}

export interface CompareOptions {
  dir: string;
  resamples: number;
}

/** Compares every cell found under dir; cells with fewer than two trained captures are reported and skipped. */
export function compareDirectory({ dir, resamples }: CompareOptions): { result: CompareResult; skippedCells: string[]; skippedFiles: string[] } {
  const { found, skipped } = findCaptures(dir);
  if (found.length === 0) throw new UsageError(`no capture files (safetensors with format refit.capture) under ${dir}`);
  const cells: CompareResult["cells"] = [];
  const forFindings: FindingsCell[] = [];
  const skippedCells: string[] = [];
  for (const group of groupCells(found).values()) {
    const trained = group.filter((f) => !f.untrained);
    const untrained = group.filter((f) => f.untrained);
    const cellId = cellIdOf(group[0].capture.meta.config);
    if (trained.length < 2) {
      skippedCells.push(`${cellId}: ${trained.length} trained capture(s); at least two are needed`);
      continue;
    }
    const seeds = trained.map((f) => f.capture.meta.seed).sort((a, b) => a - b);
    const initSeeds = untrained.map((f) => f.capture.meta.seed).sort((a, b) => a - b);
    const twins = initSeeds.join() === seeds.join() ? untrained.map((f) => f.capture) : null;
    const comparison = compareCaptures(
      trained.map((f) => f.capture),
      twins,
      { bootstrapSeed: cellBootstrapSeed(cellId), resamples },
    );
    const config = group[0].capture.meta.config;
    cells.push({ cellId, config, seeds, captures: trained.map((f) => f.file), untrainedCaptures: untrained.map((f) => f.file), stats: comparison.stats });
    forFindings.push({ cellId, config, ...comparison });
  }
  const result: CompareResult = {
    schemaVersion: SCHEMA_VERSION,
    kind: "refit.compare",
    source: dir,
    cells,
    findings: evaluateFindings(forFindings),
    provenance: provenance(found[0].capture.meta.backend),
  };
  return { result, skippedCells, skippedFiles: skipped };
}

export const compareCommand: Command = {
  name: "compare",
  describe: "compare capture files alone (e.g. captures made elsewhere); print stability, nulls, intervals and findings",
  help: `Usage: refit compare <captures-dir> [options]

Runs the compare stage on every capture file under <captures-dir> (searched recursively): any
*.safetensors whose __metadata__ has format "refit.capture" (see README, "Capture file format").
Captures with the same config, probe set and backend form a cell; the lowest seed is the anchor.
A file named *${UNTRAINED_SUFFIX} is the untrained twin of the capture with the same seed, used
for the untrained null when every seed of the cell has one.

Options:
  --json <file>        also write the result as JSON (schema CompareResult)
  --resamples <n>      bootstrap resamples (default ${DEFAULT_RESAMPLES})
  -h, --help           show this help`,

  async main(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: "string" },
        resamples: { type: "string", default: String(DEFAULT_RESAMPLES) },
      },
    });
    if (positionals.length !== 1) throw new UsageError(`refit compare takes exactly one captures directory, got ${positionals.length}`);
    const dir = path.resolve(positionals[0]);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`${positionals[0]} is not a directory`);
    const { result, skippedCells, skippedFiles } = compareDirectory({ dir, resamples: intOption("resamples", values.resamples, 10) });
    if (skippedFiles.length > 0) console.error(`refit: skipped ${skippedFiles.length} safetensors file(s) that are not captures (e.g. ${skippedFiles[0]})`);
    for (const s of skippedCells) console.error(`refit: skipped cell ${s}`);
    result.cells.forEach((cell, i) => {
      const m = cell.config.model;
      console.log(`\ncell ${i + 1} ${cell.cellId}  (${m.nLayers}L d${m.dModel} ${m.nHeads}H, ${cell.config.train.optimizer}), seeds ${cell.seeds.join(",")}`);
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
