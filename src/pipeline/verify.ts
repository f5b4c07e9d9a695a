// `refit verify` as a function: every cached file of an output folder (run records, captures,
// checkpoints, suite results, family captures) checked against its recorded SHA-256; a file
// written before checksums is checked whole (it must decode, and a capture's values must pass the
// compare stage's checks) and then recorded. With `repair`, a damaged run's files are moved aside
// under <out>/damaged/<time>/ and the run is re-made by its own job: captured again from its final
// checkpoint, resumed, or trained again, which is deterministic, so it ends bit-identical to a
// clean run. A damaged result or family capture is moved aside, and the `refit run` that writes it
// again is named.
import * as fs from "node:fs";
import * as path from "node:path";
import { checkChecksum, recordChecksum, sidecarOf } from "./artifacts/checksums.ts";
import { BackendSchema, type BackendName, type Provenance } from "./artifacts/conventions.ts";
import { InputError } from "./artifacts/input-error.ts";
import { RunRecordSchema } from "./artifacts/run-record.ts";
import { decodeSafetensors } from "./artifacts/safetensors.ts";
import { readBytes, readJson } from "./artifacts/store.ts";
import { runsDirOf } from "./artifacts/runs.ts";
import { DEFAULT_PROBE_SET, type CellConfig } from "./artifacts/suite.ts";
import { openCapture } from "./capture/format.ts";
import { loadCheckpoint } from "./model/checkpoint.ts";
import { activeAdapter, activeKernels, BackendError, initBackend } from "./model/backend.ts";
import { describeBlas } from "./model/blas.ts";
import { adapterLine } from "./model/webgpu.ts";
import { newJobCache, runJob, type RunJob } from "./orchestrate/job.ts";
import { cellIdOf, runIdOf, type Run } from "./suite/grid.ts";

export type FileState = "ok" | "recorded" | "damaged";

export interface FileCheck {
  file: string;
  state: FileState;
  /** Why a damaged file is damaged. */
  problem?: string;
}

export interface VerifyReport {
  files: FileCheck[];
  /** Where damaged files were moved, when repairing. */
  movedTo?: string;
  /** One line per re-made run or file. */
  repaired: string[];
  /** One line per damaged thing that could not be re-made here, with the command that does. */
  unrepaired: string[];
}

const visible = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => !n.startsWith(".")).sort() : []);
const isCapture = (name: string) => name.endsWith(".safetensors");

/** A cached file, how to read it whole, and what is wrong with it that no checksum shows. */
interface Cached {
  file: string;
  read: () => unknown;
  stale?: () => string | null;
}

/** Every cached file under an output folder, with how to read it whole. */
function cachedFiles(outDir: string): Cached[] {
  const out: Cached[] = [];
  for (const backend of visible(runsDirOf(outDir))) {
    for (const runId of visible(path.join(runsDirOf(outDir), backend))) {
      const dir = path.join(runsDirOf(outDir), backend, runId);
      for (const name of visible(dir)) {
        const file = path.join(dir, name);
        if (name === "run.json") out.push({ file, read: () => readJson(file, RunRecordSchema) });
        else if (isCapture(name)) out.push({ file, read: () => readCaptureWhole(file) });
        else if (/^ckpt-\d+$/.test(name)) out.push(...checkpointFiles(file, () => staleCheckpoint(dir, name)));
      }
    }
  }
  for (const suite of visible(path.join(outDir, "results"))) {
    for (const name of visible(path.join(outDir, "results", suite)).filter((n) => n.endsWith(".json"))) {
      const file = path.join(outDir, "results", suite, name);
      out.push({ file, read: () => JSON.parse(new TextDecoder().decode(readBytes(file))) as unknown });
    }
  }
  for (const family of visible(path.join(outDir, "captures"))) {
    for (const name of visible(path.join(outDir, "captures", family)).filter(isCapture)) {
      const file = path.join(outDir, "captures", family, name);
      out.push({ file, read: () => readCaptureWhole(file) });
    }
  }
  return out;
}

function checkpointFiles(dir: string, stale: () => string | null): Cached[] {
  const optimizer = path.join(dir, "optimizer.safetensors");
  return [
    { file: path.join(dir, "model.safetensors"), read: () => loadCheckpoint(dir), stale },
    { file: path.join(dir, "config.json"), read: () => loadCheckpoint(dir) },
    { file: optimizer, read: () => decodeSafetensors(readBytes(optimizer), optimizer) },
  ];
}

/**
 * A finished run's checkpoint that is not its last step's: what a repair killed while it trained
 * the run again leaves, or a kill between a new checkpoint's rename and the old one's removal.
 */
function staleCheckpoint(runDir: string, name: string): string | null {
  const record = path.join(runDir, "run.json");
  if (!fs.existsSync(record) || checkChecksum(record).state === "damaged") return null;
  try {
    const { status, steps } = readJson(record, RunRecordSchema);
    const step = Number(name.slice("ckpt-".length));
    return status === "finished" && step !== steps ? `a checkpoint at step ${step}, but the run finished at step ${steps} (left by an interrupted run or repair)` : null;
  } catch {
    return null;
  }
}

/** Every tensor of a capture, through the checks the compare stage makes as it reads them. */
function readCaptureWhole(file: string): void {
  const c = openCapture(file);
  for (let l = 0; l < c.meta.config.model.nLayers; l++) for (const t of ["attn", "resid_pre", "resid_mid"] as const) c.read(t, l);
}

/** One file against its record; a file without one is read whole and, if it reads, recorded. */
function checkFile({ file, read, stale }: Cached): FileCheck {
  if (!fs.existsSync(file)) return { file, state: "damaged", problem: "missing" };
  const problem = stale?.();
  if (problem) return { file, state: "damaged", problem };
  const c = checkChecksum(file);
  if (c.state === "damaged") return { file, state: "damaged", problem: c.problem };
  if (c.state === "ok") return { file, state: "ok" };
  try {
    read();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { file, state: "damaged", problem: e.message.split("\n")[0] };
  }
  recordChecksum(file);
  return { file, state: "recorded" };
}

/** Checks (and with `repair`, re-makes) every cached file under `outDir`. */
export async function verifyOutDir(outDir: string, { repair = false } = {}): Promise<VerifyReport> {
  const files = cachedFiles(outDir).map(checkFile);
  const damaged = files.filter((f) => f.state === "damaged").map((f) => f.file);
  if (!repair || damaged.length === 0) return { files, repaired: [], unrepaired: [] };
  const movedTo = path.join(outDir, "damaged", new Date().toISOString().replace(/[:.]/g, "-"));
  const report: VerifyReport = { files, movedTo, repaired: [], unrepaired: [] };
  const byRun = new Map<string, string[]>();
  const others: string[] = [];
  for (const file of damaged) {
    const rel = path.relative(outDir, file).split(path.sep);
    const runDir = path.join(outDir, ...rel.slice(0, 3));
    if (rel[0] === "runs") byRun.set(runDir, [...(byRun.get(runDir) ?? []), file]);
    else others.push(file);
  }
  // Every run is checked to be re-makeable here before anything moves, so a refusal leaves the cache as it was.
  const plans: Repair[] = [];
  for (const [runDir, bad] of byRun) plans.push(await planRepair(outDir, runDir, bad));
  for (const file of others) {
    const rel = path.relative(outDir, file).split(path.sep);
    moveAside(outDir, file, movedTo);
    const what = rel[0] === "results" ? `suite ${rel[1]}` : `the suite whose models include family ${rel[1]}`;
    report.unrepaired.push(`${path.join(...rel)}: moved aside; \`refit run\` of ${what} with --out ${outDir} writes it again`);
  }
  for (const plan of plans) await repairRun(plan, movedTo, report);
  return report;
}

/** Moves a damaged file (and its record) to the same relative place under `movedTo`; a checkpoint's whole folder goes. */
function moveAside(outDir: string, file: string, movedTo: string): void {
  const parent = path.dirname(file);
  const what = /^ckpt-\d+$/.test(path.basename(parent)) ? parent : file;
  if (!fs.existsSync(what)) return;
  const to = path.join(movedTo, path.relative(outDir, what));
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.renameSync(what, to);
  if (what === file && fs.existsSync(sidecarOf(file))) fs.renameSync(sidecarOf(file), sidecarOf(to));
}

/** The probe set a run folder's capture file is on (capture.safetensors: the default set). */
function probeSetOf(name: string): string {
  const m = /^capture(?:\.(.+?))?(?:-init)?\.safetensors$/.exec(name);
  return m?.[1] ?? DEFAULT_PROBE_SET;
}

/** What run a run folder holds, and what made it, from its record or, when that is damaged, an intact capture. */
function runOf(runDir: string, bad: readonly string[]): { run: Run; provenance: Provenance | null } | null {
  const record = path.join(runDir, "run.json");
  if (!bad.includes(record) && fs.existsSync(record)) {
    const r = readJson(record, RunRecordSchema);
    return { run: { runId: r.runId, seed: r.seed, config: r.config, cellId: cellIdOf(r.config, DEFAULT_PROBE_SET), probeSet: DEFAULT_PROBE_SET }, provenance: r.provenance };
  }
  for (const name of visible(runDir).filter(isCapture)) {
    const file = path.join(runDir, name);
    if (bad.includes(file)) continue;
    const { meta } = openCapture(file);
    if (meta.source.kind !== "refit" || !("train" in meta.config)) continue;
    const config = meta.config as CellConfig;
    return { run: { runId: meta.source.runId, seed: meta.seed, config, cellId: cellIdOf(config, DEFAULT_PROBE_SET), probeSet: DEFAULT_PROBE_SET }, provenance: null };
  }
  return null;
}

/** One run folder's repair: its damaged files, and the job that re-makes them, or why this process cannot. */
interface Repair {
  outDir: string;
  runDir: string;
  bad: readonly string[];
  job: RunJob | null;
  unrepairable?: string;
}

/**
 * Plans a run's repair, refusing (a BackendError, exit 2) a run this process would re-make with
 * other arithmetic than it was made with: another GPU adapter, another BLAS, or none where it had
 * one. Its run ID hashes all of them, so the ID this process would give it decides.
 */
async function planRepair(outDir: string, runDir: string, bad: readonly string[]): Promise<Repair> {
  const backend = path.basename(path.dirname(runDir));
  const found = runOf(runDir, bad);
  if (found === null || !BackendSchema.safeParse(backend).success || (typeof found.run.config.data.corpus === "object" && "path" in found.run.config.data.corpus)) {
    const why = found === null ? "no intact file records its config" : `it trains on a local corpus, or its backend ${backend} is unknown`;
    return { outDir, runDir, bad, job: null, unrepairable: why };
  }
  const { run, provenance } = found;
  // A wasm run whose ID is not the plain one was trained on the BLAS path, which gives runs IDs of their own.
  const kernels = backend === "wasm" && runIdOf(run.config, run.seed) !== run.runId ? "blas" : "wasm";
  const refuse = (here: string) =>
    new BackendError(
      `${runDir}: made on ${madeOn(backend, kernels, provenance)}, but ${here}; run \`refit verify --out ${outDir} --repair\` on a machine with ${backend === "webgpu" ? "that adapter" : "that backend and kernels"} (nothing was moved)`,
    );
  try {
    await initBackend(backend as BackendName, { kernels, notice: () => {} });
  } catch (e) {
    if (e instanceof BackendError) throw refuse(`this machine cannot run that (${e.message})`);
    throw e;
  }
  const adapter = activeAdapter();
  const here = activeKernels();
  if (runIdOf(run.config, run.seed, here, adapter) !== run.runId) {
    const what = adapter ? `adapter ${adapterLine(adapter)}` : here?.blas ? `BLAS ${describeBlas(here.blas)}` : `${backend} without BLAS`;
    throw refuse(`this machine would re-make it on ${what}, with other numbers`);
  }
  const sets = [...new Set(visible(runDir).filter(isCapture).map(probeSetOf))];
  const remakeCheckpoint = bad.some((f) => /^ckpt-\d+$/.test(path.basename(path.dirname(f))));
  const job: RunJob = { run, outDir, backend: backend as BackendName, kernels, adapter, probeSets: sets.length > 0 ? sets : [DEFAULT_PROBE_SET], suiteFile: runDir, remakeCheckpoint };
  return { outDir, runDir, bad, job };
}

/** What a run was made on, as its record says (its ID alone, where the record is damaged). */
function madeOn(backend: string, kernels: "wasm" | "blas", provenance: Provenance | null): string {
  if (provenance?.adapter) return `${backend} with adapter ${adapterLine(provenance.adapter)}`;
  if (provenance?.kernels?.blas) return `${backend} with BLAS ${describeBlas(provenance.kernels.blas)}`;
  if (backend === "webgpu") return "webgpu with the adapter its run ID hashes (its record, which names it, is damaged)";
  return kernels === "blas" ? `${backend} with the BLAS its run ID hashes (its record, which names it, is damaged)` : backend;
}

/** Moves a run's damaged files aside and runs its job again, which re-makes exactly what is missing. */
async function repairRun({ outDir, runDir, bad, job, unrepairable }: Repair, movedTo: string, report: VerifyReport): Promise<void> {
  for (const file of bad) moveAside(outDir, file, movedTo);
  const rel = path.relative(outDir, runDir);
  if (job === null) {
    report.unrepaired.push(`${rel}: damaged files moved aside, but ${unrepairable}; \`refit run\` of its suite with --out ${outDir} trains it again`);
    return;
  }
  // Another run's plan may have switched the backend since.
  await initBackend(job.backend, { kernels: job.kernels, notice: () => {} });
  await runJob(job, newJobCache());
  const again = cachedFiles(outDir).filter((f) => f.file.startsWith(runDir + path.sep)).map(checkFile);
  const still = again.filter((f) => f.state === "damaged");
  if (still.length > 0) report.unrepaired.push(`${rel}: still damaged after re-making it: ${still.map((f) => path.basename(f.file)).join(", ")}`);
  else report.repaired.push(`${rel}: re-made ${bad.map((f) => path.relative(runDir, f)).join(", ")}`);
}
