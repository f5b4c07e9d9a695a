// Capture files -> the compare stage. An opened capture becomes compare's RefitInput, read a layer
// at a time; one cell's captures are checked to be comparable (same model, probe set, tokenizer,
// backend and kernel path) before compareCell runs on them. `compareDirectory` is `refit compare`: every capture
// under a folder, grouped into cells by family (a Refit cell's ID, or an external family's
// name), probe set, tokenizer and backend; a `*-init.safetensors` file is the untrained twin of the
// capture with the same seed (the untrained null).
import * as fs from "node:fs";
import * as path from "node:path";
import { canonicalJson } from "../artifacts/hash.ts";
import { InputError } from "../artifacts/input-error.ts";
import { provenance } from "../artifacts/provenance.ts";
import { openSafetensors } from "../artifacts/safetensors.ts";
import { captureKernels, type CaptureMeta } from "../artifacts/capture-meta.ts";
import type { CompareResult } from "../artifacts/compare-result.ts";
import { SCHEMA_VERSION } from "../artifacts/conventions.ts";
import { DEFAULT_PROBE_SET, type CellConfig } from "../artifacts/suite.ts";
import { openCapture, type Capture, type CaptureReader } from "../capture/format.ts";
import { cellBootstrapSeed } from "../compare/bootstrap.ts";
import { evaluateFindings, type FindingsCell } from "../compare/findings.ts";
import { compareCell, type CellComparison, type RefitInput } from "../compare/index.ts";
import type { PatternArrays, PatternLayout } from "../compare/patterns.ts";
import { cellIdOf } from "../suite/grid.ts";

/** The pattern layout a capture's metadata implies. */
export function layoutOf(meta: CaptureMeta): PatternLayout {
  const m = meta.config.model;
  return { nLayers: m.nLayers, nHeads: m.nHeads, probeLengths: meta.probeLengths };
}

/** The compare stage's view of a whole decoded capture. */
export function patternsOf(c: Capture): { layout: PatternLayout; patterns: PatternArrays } {
  return { layout: layoutOf(c.meta), patterns: { attn: c.attn } };
}

export function refitInputOf(c: CaptureReader): RefitInput {
  return {
    seed: c.meta.seed,
    patterns: { readLayer: (l) => c.read("attn", l) },
    resid: { dModel: c.meta.config.model.dModel, read: (site, l) => c.read(site, l) },
    norms: c.norms,
    dppl: c.ablation ?? null,
    tokens: c.tokens,
    fingerprint: c.ablationNll ?? null,
    logprobs: c.logprobs ?? null,
  };
}

/**
 * The bootstrap seed of a cell of Refit's refits: that of the cell of the same runs on the default
 * probe set (its own ID unless it is on another set). Cells that differ only in their probe set
 * compare the same refits; resampling them alike keeps a finding's mean over such cells honest.
 */
export const refitsBootstrapSeed = (config: CellConfig): number[] => cellBootstrapSeed(cellIdOf(config, DEFAULT_PROBE_SET));

/** A capture's model in messages: its Refit run, or the external model's name or path. */
const modelOf = (m: CaptureMeta): string => (m.source.kind === "refit" ? `run ${m.source.runId}` : m.source.model);

const errors = {
  mixed: (what: string, a: CaptureMeta, b: CaptureMeta) => `captures of family ${a.family} differ in ${what}: ${modelOf(a)} vs ${modelOf(b)}; they cannot be compared`,
  seeds: (family: string, seed: number) => `two captures of family ${family} have seed ${seed}`,
} as const;

/** Throws unless all captures share config, probe set, tokenizer, backend and kernel path, and no seed repeats. */
export function checkComparable(metas: readonly CaptureMeta[]): void {
  const [first] = metas;
  const seen = new Set<number>();
  for (const m of metas) {
    if (canonicalJson(m.config) !== canonicalJson(first.config)) throw new InputError(errors.mixed("config", first, m));
    if (m.probeSet.hash !== first.probeSet.hash) throw new InputError(errors.mixed("probe set", first, m));
    if (m.tokenizer !== first.tokenizer) throw new InputError(errors.mixed("tokenizer", first, m));
    if (m.backend !== first.backend) throw new InputError(errors.mixed("backend", first, m));
    if (captureKernels(m) !== captureKernels(first)) throw new InputError(errors.mixed(`kernel path (${captureKernels(first)} vs ${captureKernels(m)})`, first, m));
    if (seen.has(m.seed)) throw new InputError(errors.seeds(m.family, m.seed));
    seen.add(m.seed);
  }
}

/**
 * compareCell on one cell's captures (sorted by seed here; the lowest seed is the anchor) and,
 * when given, their untrained twins.
 */
export function compareCaptures(
  refits: readonly CaptureReader[],
  untrained: readonly CaptureReader[] | null,
  options: { bootstrapSeed: readonly number[]; resamples?: number },
): CellComparison {
  checkComparable(refits.map((c) => c.meta));
  const sorted = [...refits].sort((a, b) => a.meta.seed - b.meta.seed);
  const init = untrained ? [...untrained].sort((a, b) => a.meta.seed - b.meta.seed) : null;
  if (init) checkComparable(init.map((c) => c.meta));
  return compareCell({
    layout: layoutOf(sorted[0].meta),
    refits: sorted.map(refitInputOf),
    untrained: init?.map(refitInputOf) ?? null,
    bootstrapSeed: options.bootstrapSeed,
    resamples: options.resamples,
  });
}

export const UNTRAINED_SUFFIX = "-init.safetensors";

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

/** Groups captures into cells: same family, probe set, tokenizer and backend (a family on two kernel paths is refused by checkComparable). */
function groupCells(found: readonly Found[]): Map<string, Found[]> {
  const groups = new Map<string, Found[]>();
  for (const f of found) {
    const { family, probeSet, tokenizer, backend } = f.capture.meta;
    const key = JSON.stringify([family, probeSet.hash, tokenizer, backend ?? null]);
    groups.set(key, [...(groups.get(key) ?? []), f]);
  }
  return groups;
}

/** A folder with no capture file in it: bad input, not a failed comparison. */
export class NoCapturesError extends Error {
  override name = "NoCapturesError";
}

export interface CompareOptions {
  dir: string;
  resamples: number;
}

/** Compares every cell found under dir; cells with fewer than two trained captures are reported and skipped. */
export function compareDirectory({ dir, resamples }: CompareOptions): { result: CompareResult; skippedCells: string[]; skippedFiles: string[] } {
  const { found, skipped } = findCaptures(dir);
  if (found.length === 0) throw new NoCapturesError(`no capture files (safetensors with format refit.capture) under ${dir}`);
  const cells: CompareResult["cells"] = [];
  const forFindings: FindingsCell[] = [];
  const skippedCells: string[] = [];
  for (const group of groupCells(found).values()) {
    const trained = group.filter((f) => !f.untrained);
    const untrained = group.filter((f) => f.untrained);
    const cellId = group[0].capture.meta.family;
    if (trained.length < 2) {
      skippedCells.push(`${cellId}: ${trained.length} trained capture(s); at least two are needed`);
      continue;
    }
    const seeds = trained.map((f) => f.capture.meta.seed).sort((a, b) => a - b);
    const initSeeds = untrained.map((f) => f.capture.meta.seed).sort((a, b) => a - b);
    const twins = initSeeds.join() === seeds.join() ? untrained.map((f) => f.capture) : null;
    const { config, source, probeSet, tokenizer } = group[0].capture.meta;
    // A refit's capture records its whole cell config (data and train too).
    const bootstrapSeed = source.kind === "refit" ? refitsBootstrapSeed(config as CellConfig) : cellBootstrapSeed(cellId);
    const comparison = compareCaptures(
      trained.map((f) => f.capture),
      twins,
      { bootstrapSeed, resamples },
    );
    cells.push({ cellId, config, tokenizer, seeds, captures: trained.map((f) => f.file), untrainedCaptures: untrained.map((f) => f.file), stats: comparison.stats });
    forFindings.push({ cellId, config, probeSet: probeSet.id, ...comparison });
  }
  const result: CompareResult = {
    schemaVersion: SCHEMA_VERSION,
    kind: "refit.compare",
    source: dir,
    cells,
    findings: evaluateFindings(forFindings),
    provenance: provenance(found.find((f) => f.capture.meta.backend)?.capture.meta.backend ?? null),
  };
  return { result, skippedCells, skippedFiles: skipped };
}
