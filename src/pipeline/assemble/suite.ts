// A suite's run records -> its suite result: the compare stage on every cell with at least two
// finished refits (the anchor, seed 0, among them) and their untrained twins, read on the cell's
// probe set, then the findings, probe sets and provenance around it. A suite's `models` are cells
// too: each family's captures, compared the same way (they have no untrained twins). `refit run` calls it on its own output
// folder and `refit aggregate` on shards, so a published suite is compared exactly as a local run is.
import { capturePath, initCapturePath } from "../artifacts/runs.ts";
import { InputError } from "../artifacts/input-error.ts";
import { SCHEMA_VERSION, type Provenance } from "../artifacts/conventions.ts";
import type { RunRecord } from "../artifacts/run-record.ts";
import type { SuiteResult } from "../artifacts/suite-result.ts";
import { exists } from "../artifacts/store.ts";
import { openCapture, type CaptureReader } from "../capture/format.ts";
import { cellBootstrapSeed } from "../compare/bootstrap.ts";
import { evaluateFindings, type FindingsCell } from "../compare/findings.ts";
import type { CellComparison } from "../compare/index.ts";
import { loadProbeSet, type ProbeSet } from "../data/probes.ts";
import { familyCellIdOf, type FamilyMember, type PlannedFamily } from "../suite/families.ts";
import type { Cell } from "../suite/grid.ts";
import type { LoadedSuite } from "../suite/load.ts";
import { compareCaptures, refitsBootstrapSeed } from "./captures.ts";

/**
 * Run IDs do not name the probe set (training does not depend on it), so cells on different probe
 * sets share run folders, where each set's captures have their own file names (artifacts/runs.ts).
 * A capture that records another probe set than its file name says (written by an older Refit,
 * which named every set's capture capture.safetensors) or an older version of the probe file must
 * not be compared as if it were on the cell's.
 */
export class ProbeSetMismatchError extends Error {
  override name = "ProbeSetMismatchError";
}

function checkProbeSet(c: CaptureReader, file: string, probes: ProbeSet): void {
  if (c.meta.probeSet.hash === probes.hash) return;
  throw new ProbeSetMismatchError(
    `${file}: captured on probe set "${c.meta.probeSet.id}" (sha256 ${c.meta.probeSet.hash.slice(0, 12)}), but its cell is on "${probes.id}" (sha256 ${probes.hash.slice(0, 12)}); ` +
      "delete the capture files of that probe set and refit run captures them again",
  );
}

/** Compares a cell's finished refits (seed order, lowest seed the anchor) with their untrained twins, on the cell's probe set. */
function compareFinished(cell: Cell, finished: RunRecord[], runDir: (r: RunRecord) => string, mixedBackends: boolean, probes: ProbeSet): CellComparison {
  const sorted = [...finished].sort((a, b) => a.seed - b.seed);
  // Mixing was asked for: the captures' backend labels must not stop the comparison.
  const relabel = (c: CaptureReader): CaptureReader => (mixedBackends ? { ...c, meta: { ...c.meta, backend: sorted[0].provenance.backend } } : c);
  const open = (file: string) => {
    const capture = openCapture(file);
    checkProbeSet(capture, file, probes);
    return relabel(capture);
  };
  const refits = sorted.map((r) => open(capturePath(runDir(r), cell.probeSet)));
  const untrained = sorted.every((r) => exists(initCapturePath(runDir(r), cell.probeSet))) ? sorted.map((r) => open(initCapturePath(runDir(r), cell.probeSet))) : null;
  return compareCaptures(refits, untrained, { bootstrapSeed: refitsBootstrapSeed(cell.config) });
}

/**
 * Compares a family's captures as one cell, after checking each is the capture of the checkpoint
 * the suite names (family, seed, model, revision, probe set); the cell ID hashes the weights.
 */
function compareFamily(family: PlannedFamily, captureOf: (m: FamilyMember) => string, probes: ProbeSet): { cell: SuiteResult["cells"][number]; compared: FindingsCell } {
  const captures = family.members.map((m) => {
    const file = captureOf(m);
    const capture = openCapture(file);
    checkProbeSet(capture, file, probes);
    const { meta } = capture;
    const wanted = { family: family.name, seed: m.seed, model: m.model, revision: m.revision };
    const found = { family: meta.family, seed: meta.seed, model: meta.source.kind === "external" ? meta.source.model : `run ${meta.source.runId}`, revision: meta.source.kind === "external" ? meta.source.revision : null };
    for (const key of Object.keys(wanted) as (keyof typeof wanted)[]) {
      if (found[key] !== wanted[key]) throw new InputError(`${file}: ${key}: ${JSON.stringify(found[key])}, but the suite's family ${family.name} says ${JSON.stringify(wanted[key])}; capture it again with refit run`);
    }
    return capture;
  });
  const sources = captures.map((c) => ({ seed: c.meta.seed, source: c.meta.source as Extract<typeof c.meta.source, { kind: "external" }> }));
  const cellId = familyCellIdOf(family.name, sources.map((s) => ({ seed: s.seed, weightsSha256: s.source.weightsSha256 })));
  const comparison = compareCaptures(captures, null, { bootstrapSeed: cellBootstrapSeed(cellId) });
  const { config, tokenizer } = captures[0].meta;
  return {
    cell: {
      cellId,
      label: { family: family.name },
      config,
      runs: [],
      family: { name: family.name, description: family.description, tokenizer, models: sources.sort((a, b) => a.seed - b.seed) },
      stats: comparison.stats,
    },
    compared: { cellId, config, ...comparison },
  };
}

export interface AssembleOptions {
  /** Records of the suite's runs, finished or failed; a cell with fewer than two finished refits gets no statistics. */
  records: readonly RunRecord[];
  /** Where a run's captures are (shards may sit in different output directories). */
  runDir: (record: RunRecord) => string;
  provenance: Provenance;
  /** Called once every cell is compared, so a wall time can include the compare stage. */
  timings: () => SuiteResult["timings"];
  /** Compare refits trained on different backends as one cell (refit aggregate --allow-mixed-backends). */
  mixedBackends?: boolean;
  /** The capture file of each checkpoint of the suite's `models`; needed only when it has some. */
  familyCapture?: (family: PlannedFamily, member: FamilyMember) => string;
  /**
   * Comparisons already made in this process, by cell and runs: suites that share a cell (depth's
   * runs are four other suites' cells) compare it once. The comparison is a pure function of the
   * captures, so reuse changes no number.
   */
  comparisons?: Map<string, CellComparison>;
}

/** The compare stage over a suite's run records, and the suite result around it (cells, findings, provenance). */
export const assembleSuiteResult = (loaded: LoadedSuite, opts: AssembleOptions): SuiteResult => assembleSuite(loaded, opts).result;

/** As assembleSuiteResult, with the compared cells and their replicates kept for a version's pooled findings. */
export function assembleSuite(loaded: LoadedSuite, opts: AssembleOptions): { result: SuiteResult; compared: FindingsCell[] } {
  const { suite } = loaded;
  const probeSets = new Map<string, ProbeSet>();
  const probesOf = (id: string) => probeSets.get(id) ?? probeSets.set(id, loadProbeSet(id)).get(id)!;
  const probes = probesOf(suite.probes.set);
  const summary = (p: ProbeSet) => ({ id: p.id, hash: p.hash, count: p.tokens.length });
  const cells: SuiteResult["cells"] = [];
  const compared: FindingsCell[] = [];

  for (const cell of loaded.cells) {
    const mine = opts.records.filter((r) => loaded.runs.some((run) => run.runId === r.runId && run.cellId === cell.cellId));
    const finished = mine.filter((r) => r.status === "finished");
    const anchorOk = finished.some((r) => r.seed === 0);
    const cellProbes = probesOf(cell.probeSet);
    const key = `${cell.cellId} ${finished.map((r) => r.runId).sort().join(",")}`;
    const compare = () => opts.comparisons?.get(key) ?? compareFinished(cell, finished, opts.runDir, opts.mixedBackends ?? false, cellProbes);
    const comparison = finished.length >= 2 && anchorOk ? compare() : null;
    if (comparison) opts.comparisons?.set(key, comparison);
    const stats = comparison?.stats ?? null;
    if (comparison) compared.push({ cellId: cell.cellId, config: cell.config, probeSet: cell.probeSet, ...comparison });
    cells.push({
      cellId: cell.cellId,
      label: cell.label,
      config: cell.config,
      ...(cell.probeSet === suite.probes.set ? {} : { probeSet: summary(cellProbes) }),
      runs: mine.map((r) => ({
        runId: r.runId,
        seed: r.seed,
        status: r.status,
        ...(r.error ? { error: r.error } : {}),
        heldOutLoss: r.heldOutLoss,
        heldOutPerplexity: r.heldOutPerplexity,
        trainSeconds: r.timings.trainSeconds,
        tokensPerSecond: r.timings.tokensPerSecond,
      })),
      stats,
      ...(stats ? {} : { error: anchorOk ? "fewer than two refits finished" : "the anchor refit (seed 0) did not finish" }),
    });
  }

  for (const family of loaded.families) {
    if (!opts.familyCapture) throw new Error(`suite ${suite.name} lists models, but no capture files were given for them`);
    const { cell, compared: one } = compareFamily(family, (m) => opts.familyCapture!(family, m), probes);
    cells.push(cell);
    compared.push(one);
  }

  const result: SuiteResult = {
    schemaVersion: SCHEMA_VERSION,
    kind: "refit.results",
    suite: { name: suite.name, description: suite.description, file: loaded.file, hash: loaded.hash, seeds: suite.seeds },
    probeSet: summary(probes),
    cells,
    timings: opts.timings(),
    provenance: opts.provenance,
    findings: evaluateFindings(compared),
  };
  return { result, compared };
}
