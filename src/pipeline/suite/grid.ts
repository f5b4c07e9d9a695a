// Grid expansion: a suite's grid axes, crossed in file order, become cells (one resolved
// CellConfig and probe set each), and each cell times its seeds becomes runs. Cell IDs hash the
// resolved config, the probe set (unless it is the default) and ID_VERSION; run IDs hash the config,
// the seed, ID_VERSION and NUMERICS_VERSION but not the probe set (docs/design.md "Suites, cells
// and runs"), so equal configs share training across suites and across probe sets.
import { z, type core } from "zod";
import type { Adapter, KernelPath } from "../artifacts/conventions.ts";
import { canonicalJson, sha256Hex } from "../artifacts/hash.ts";
import { CellConfigSchema, DEFAULT_PROBE_SET, ProbesSchema, type CellConfig, type Suite } from "../artifacts/suite.ts";

export type GridValue = number | string | boolean;

/** One point of the grid. `label` maps each grid key (e.g. `model.nLayers`) to this cell's value. */
export interface Cell {
  cellId: string;
  label: Record<string, GridValue>;
  config: CellConfig;
  /** The probe set the cell's runs are captured on. */
  probeSet: string;
}

/**
 * One (cell, seed). Cells that differ only in their probe set have the same runs (same run ID):
 * trainingsOf gives each run once, to train, with every probe set to capture it on.
 */
export interface Run {
  runId: string;
  cellId: string;
  seed: number;
  config: CellConfig;
  probeSet: string;
}

/** A zod issue whose path points into the suite (e.g. `["grid", "model.nHeads", 1]`), so the loader can place it in the file. */
export type GridIssue = core.$ZodIssue;

/** The seeds a run's initialization and data order are drawn from (`train.seedVaries`, `train.dataSeed`). */
export function seedsOf(run: Pick<Run, "seed" | "config">): { initSeed: number; dataSeed: number } {
  const { seedVaries, dataSeed } = run.config.train;
  return {
    initSeed: seedVaries === "data" ? 0 : run.seed,
    dataSeed: dataSeed ?? (seedVaries === "init" ? 0 : run.seed),
  };
}

export class GridError extends Error {
  readonly issues: readonly GridIssue[];
  constructor(issues: GridIssue[]) {
    super(issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("\n"));
    this.name = "GridError";
    this.issues = issues;
  }
}

type Section = keyof CellConfig | "probes";
const SECTIONS = { ...CellConfigSchema.shape, probes: ProbesSchema };

// A cross-field rule reports its issue on one key; these are the other keys it involves, so a
// failure can be blamed on whichever of them the grid varies.
const ALSO_INVOLVES: Record<string, string[]> = { "model.dModel": ["model.nHeads"] };

/**
 * The version of what a cell or run ID names, hashed into both. It is not the artifact schema
 * version: artifact formats may change (older files keep reading) without orphaning hours of cached
 * training, so bump this only when the same resolved config would train something different. The
 * hash key keeps its historical name `schemaVersion`, so IDs stay what they were.
 */
export const ID_VERSION = 1;

export function cellIdOf(config: CellConfig, probeSet: string): string {
  // Published results are keyed by cell ID, and cell IDs named the config alone until a suite could
  // vary its probe set: a cell on the default set keeps that ID, and only another set is hashed in.
  const key = probeSet === DEFAULT_PROBE_SET ? { config, schemaVersion: ID_VERSION } : { config, probeSet, schemaVersion: ID_VERSION };
  return sha256Hex(canonicalJson(key)).slice(0, 12);
}

/**
 * The version of training's arithmetic (kernels, order of operations) that run results depend on
 * bit for bit; part of the run ID, so runs cached under older arithmetic are not reused and mixed
 * into a cell with new ones. 2: Refit's own WebAssembly kernels on the wasm backend.
 */
export const NUMERICS_VERSION = 2;

/**
  * A run's ID. Runs whose dense products ran on a BLAS hash its library and CPU kernels in too
  * (their arithmetic differs from wasm's, and from another BLAS's, in the last bits); a run on a GPU
  * adapter (webgpu) hashes the backend and the adapter's vendor, architecture and device. Wasm runs
  * hash exactly what they did before either existed, so their IDs and cached runs stand.
  */
export function runIdOf(config: CellConfig, seed: number, kernels?: KernelPath, adapter?: Adapter | null): string {
  const blas = kernels?.path === "blas" && kernels.blas ? { kernels: `blas ${kernels.blas.library} ${kernels.blas.coreType}` } : {};
  const device = adapter ? { device: { backend: "webgpu", vendor: adapter.vendor, architecture: adapter.architecture, device: adapter.device } } : {};
  return sha256Hex(canonicalJson({ config, seed, schemaVersion: ID_VERSION, numerics: NUMERICS_VERSION, ...blas, ...device })).slice(0, 16);
}

/** The same runs with the IDs they have on a kernel path (unchanged on wasm). */
export const runsOnKernels = (runs: readonly Run[], kernels: KernelPath | undefined): Run[] =>
  kernels?.path === "blas" ? runs.map((r) => ({ ...r, runId: runIdOf(r.config, r.seed, kernels) })) : [...runs];

/** The same runs with the IDs they have on a GPU adapter (runIdOf); unchanged without one. */
export const runsOnAdapter = <R extends Run>(runs: R[], adapter: Adapter | null): R[] =>
  adapter ? runs.map((r) => ({ ...r, runId: runIdOf(r.config, r.seed, undefined, adapter) })) : runs;

/** The cells of a suite: the cross product of its grid axes in file order (first axis slowest); no grid gives one cell. */
export function expandGrid(suite: Suite): Cell[] {
  const axes = Object.entries(suite.grid ?? {});
  const axisIssues = axes.flatMap(([key, values]) => checkAxis(key, values));
  if (axisIssues.length > 0) throw new GridError(axisIssues);

  const cells: Cell[] = [];
  const issues = new Map<string, GridIssue>();
  for (const picks of crossProduct(axes.map(([, values]) => values.length))) {
    const config = structuredClone({ data: suite.data, train: suite.train, model: suite.model, probes: suite.probes }) as Record<Section, Record<string, unknown>>;
    const label: Record<string, GridValue> = {};
    axes.forEach(([key, values], a) => {
      const [section, field] = splitKey(key);
      config[section][field] = values[picks[a]];
      label[key] = values[picks[a]];
    });
    // The probe set has no cross-field rule: checkAxis has already checked each value on its own.
    const { probes, ...trained } = config;
    const probeSet = probes.set as string;
    const parsed = CellConfigSchema.safeParse(trained);
    if (parsed.success) {
      cells.push({ cellId: cellIdOf(parsed.data, probeSet), label, config: parsed.data, probeSet });
      continue;
    }
    for (const issue of parsed.error.issues) {
      const blamed = { ...issue, path: blame(issue, axes, picks) } as GridIssue;
      issues.set(`${blamed.path.join("\u0000")}\u0001${blamed.message}`, blamed); // many cells can share one culprit
    }
  }
  if (issues.size > 0) throw new GridError([...issues.values()]);
  return cells;
}

/** Seeds 0..seeds-1 of one cell; seed 0 is the anchor. */
export function runsOf(cell: Cell, seeds: number): Run[] {
  return Array.from({ length: seeds }, (_, seed) => ({ runId: runIdOf(cell.config, seed), cellId: cell.cellId, seed, config: cell.config, probeSet: cell.probeSet }));
}

/** A run to train once, the probe sets of the cells that capture it, and those cells' runs. */
export interface Training {
  run: Run;
  probeSets: string[];
  /** Every one of the given runs with this run ID (one per cell), in order. */
  runs: Run[];
}

/** The distinct runs among `runs` (first of each run ID, in order), each with every probe set it is captured on. */
export function trainingsOf(runs: readonly Run[]): Training[] {
  const byId = new Map<string, Training>();
  for (const run of runs) {
    const training = byId.get(run.runId);
    if (!training) byId.set(run.runId, { run, probeSets: [run.probeSet], runs: [run] });
    else {
      training.runs.push(run);
      if (!training.probeSets.includes(run.probeSet)) training.probeSets.push(run.probeSet);
    }
  }
  return [...byId.values()];
}

function splitKey(key: string): [Section, string] {
  const dot = key.indexOf(".");
  return [key.slice(0, dot) as Section, key.slice(dot + 1)];
}

/** Each axis must name a real field, and each value must be valid for that field on its own. */
function checkAxis(key: string, values: readonly GridValue[]): GridIssue[] {
  const [section, field] = splitKey(key);
  const shape = SECTIONS[section].shape as Record<string, core.$ZodType | undefined>;
  const schema = shape[field];
  if (schema === undefined) {
    const fields = Object.keys(shape).join(", ");
    return [{ code: "custom", path: ["grid", key], message: `\`${field}\` is not a field of \`${section}\` (fields: ${fields})`, input: key }];
  }
  const issues: GridIssue[] = [];
  values.forEach((value, i) => {
    const first = values.findIndex((v) => v === value);
    if (first < i) {
      issues.push({ code: "custom", path: ["grid", key, i], message: `duplicate value ${JSON.stringify(value)} (same as item ${first}); it would repeat a cell`, input: value });
      return;
    }
    const parsed = z.safeParse(schema, value);
    for (const issue of parsed.error?.issues ?? []) issues.push({ ...issue, path: ["grid", key, i, ...issue.path] } as GridIssue);
  });
  return issues;
}

/** Suite path to blame for a cell-level issue: the grid value that set the offending field, else the field in its section. */
function blame(issue: GridIssue, axes: [string, GridValue[]][], picks: number[]): PropertyKey[] {
  const key = issue.path.slice(0, 2).join(".");
  for (const candidate of [key, ...(ALSO_INVOLVES[key] ?? [])]) {
    const a = axes.findIndex(([k]) => k === candidate);
    if (a >= 0) return ["grid", candidate, picks[a]];
  }
  return issue.path;
}

/** All index tuples of the given axis lengths, last axis fastest. */
function* crossProduct(lengths: number[]): Generator<number[]> {
  const picks = lengths.map(() => 0);
  if (lengths.some((n) => n === 0)) return;
  while (true) {
    yield [...picks];
    let a = lengths.length - 1;
    while (a >= 0 && ++picks[a] === lengths[a]) picks[a--] = 0;
    if (a < 0) return;
  }
}
