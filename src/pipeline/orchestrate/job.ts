// One run's tfjs work, wherever it executes (this process or a pool worker): train or resume,
// capture the trained model on each of its probe sets, capture its untrained twin (the untrained
// null), and write run.json last. A trained run that lacks a probe set's captures is captured from
// its final checkpoint, or trained again where that is gone (training is deterministic, and the
// curve is checked against the record's). Each run lives in <out>/runs/<backend>/<runId>/
// (artifacts/runs.ts), locked while it is worked on; backends are cached apart because their
// weights differ in the last bits.
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import { canonicalJson } from "../artifacts/hash.ts";
import { provenance } from "../artifacts/provenance.ts";
import { CAPTURE_VERSION, type CaptureMeta } from "../artifacts/capture-meta.ts";
import { SCHEMA_VERSION, type Adapter, type BackendName } from "../artifacts/conventions.ts";
import type { RunRecord } from "../artifacts/run-record.ts";
import { capturePath, hasCaptures, initCapturePath, recordPath, runDirOf, trainedRecord } from "../artifacts/runs.ts";
import { writeJsonRecorded, writeRecorded } from "../artifacts/checksums.ts";
import { exists, withDirLock } from "../artifacts/store.ts";
import { captureRun } from "../capture/capture.ts";
import { encodeCapture } from "../capture/format.ts";
import { tokenStream } from "../data/batches.ts";
import { loadBrown, loadTextCorpus, splitDocuments, type Document } from "../data/corpus.ts";
import { loadProbeSet, type ProbeSet } from "../data/probes.ts";
import { SYNTHETIC_CORPORA } from "../data/synthetic.ts";
import { VOCAB_SIZE } from "../data/tokenizer.ts";
import { activeKernels } from "../model/backend.ts";
import type { KernelPathName } from "../model/blas.ts";
import { gptConfigOf } from "../model/config.ts";
import { initParams } from "../model/gpt.ts";
import { cellIdOf, seedsOf, type Run } from "../suite/grid.ts";
import type { CellConfig } from "../artifacts/suite.ts";
import { hasCheckpoint } from "../train/checkpoints.ts";
import { DivergenceError, trainRun, type StepEvent } from "../train/train.ts";

/** Everything a worker needs for one run: plain data, so it crosses the IPC channel. */
export interface RunJob {
  run: Run;
  outDir: string;
  backend: BackendName;
  /** The wasm backend's kernel path, which the run's ID already reflects; a worker activates the same. */
  kernels: KernelPathName;
  /** The GPU adapter webgpu runs on (part of the run ID and recorded in run.json); null on other backends. */
  adapter: Adapter | null;
  /** Probe set ids to capture the run on: one per cell that has the run. */
  probeSets: string[];
  /** Local corpus paths are relative to the suite file. */
  suiteFile: string;
  /** How long to wait for another process's lock on the run folder; waits while that process lives when absent (`--lock-timeout`). */
  lockTimeoutSeconds?: number;
  /** Train a finished run again when it has no checkpoint (`refit verify --repair` of a damaged one), so the cache ends as a clean run leaves it. */
  remakeCheckpoint?: boolean;
}

type Streams = { train: Int32Array; heldOut: Int32Array };

/** What a process loads once and reuses across its runs. */
export interface JobCache {
  streams: Map<string, Streams>;
  probes: Map<string, ProbeSet>;
}

export const newJobCache = (): JobCache => ({ streams: new Map(), probes: new Map() });

/** Corpus token streams (train / held-out split by document), built once per distinct corpus and split. */
function dataFor(config: CellConfig, suiteFile: string, cache: JobCache): Streams {
  const { corpus, heldOutFraction } = config.data;
  const key = JSON.stringify([corpus, heldOutFraction, suiteFile]);
  let streams = cache.streams.get(key);
  if (!streams) {
    const docs: Document[] =
      corpus === "brown" ? loadBrown() : "synthetic" in corpus ? SYNTHETIC_CORPORA[corpus.synthetic]() : loadTextCorpus(path.resolve(path.dirname(suiteFile), corpus.path));
    const split = splitDocuments(docs, heldOutFraction);
    streams = { train: tokenStream(split.train), heldOut: tokenStream(split.heldOut) };
    cache.streams.set(key, streams);
  }
  return streams;
}

function probesFor(id: string, cache: JobCache): ProbeSet {
  let probes = cache.probes.get(id);
  if (!probes) cache.probes.set(id, (probes = loadProbeSet(id)));
  return probes;
}

export function captureMeta(run: Run, backend: BackendName, probes: ProbeSet): CaptureMeta {
  return {
    format: "refit.capture",
    version: CAPTURE_VERSION,
    seed: run.seed,
    family: cellIdOf(run.config, probes.id),
    source: { kind: "refit", runId: run.runId },
    config: run.config,
    tokenizer: run.config.data.tokenizer,
    probeSet: { id: probes.id, hash: probes.hash },
    probeLengths: probes.tokens.map((t) => t.length),
    backend,
  };
}

function baseRecord(run: Run, backend: BackendName, adapter: Adapter | null): RunRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: "refit.run",
    runId: run.runId,
    seed: run.seed,
    ...seedsOf(run),
    config: run.config,
    status: "failed",
    steps: 0,
    tokensSeen: 0,
    nParams: 0,
    finalTrainLoss: null,
    heldOutLoss: null,
    heldOutPerplexity: null,
    curve: [],
    timings: { trainSeconds: 0, tokensPerSecond: 0, resumedFromStep: 0 },
    provenance: provenance(backend, activeKernels(), adapter),
  };
}

/** Captures the untrained twin once: patterns and residuals only (no ablation), cached like the rest. */
async function captureUntrained(job: RunJob, runDir: string, probes: ProbeSet): Promise<void> {
  if (exists(initCapturePath(runDir, probes.id))) return;
  const gpt = gptConfigOf(job.run.config, VOCAB_SIZE);
  const params = initParams(gpt, seedsOf(job.run).initSeed);
  let capture;
  try {
    capture = await captureRun(params, gpt, probes.tokens, captureMeta(job.run, job.backend, probes), { ablation: false });
  } finally {
    tf.dispose([...params.values()]);
  }
  writeRecorded(initCapturePath(runDir, probes.id), encodeCapture(capture));
}

/**
 * What a trained run's job will do when it lacks captures on some of its probe sets, as a line for
 * the progress display; null when the run has not finished training (or lacks nothing).
 */
export function recaptureNote(job: RunJob): string | null {
  const runDir = runDirOf(job.outDir, job.backend, job.run.runId);
  const missing = job.probeSets.filter((s) => !hasCaptures(runDir, s));
  if (missing.length === 0 || !trainedRecord(runDir)) return null;
  const sets = `probe set${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`;
  return hasCheckpoint(runDir)
    ? `trained; capturing it on ${sets} from its final checkpoint`
    : `trained, but its final checkpoint is gone (runs copied with --reuse-from keep none): training it again, deterministically, to capture it on ${sets}`;
}

/**
 * Trains (or resumes) one run and captures it on each of its probe sets that lacks captures; a
 * diverged run is recorded as failed, not thrown. A run already trained resumes from its final
 * checkpoint and takes no step, or trains again from the start where no checkpoint is left; either
 * way its curve must equal its record's, so every capture of a run is of one model, and its record
 * is kept.
 */
export function runJob(job: RunJob, cache: JobCache, onStep?: (e: StepEvent) => void): Promise<RunRecord> {
  const { run, backend } = job;
  const runDir = runDirOf(job.outDir, backend, run.runId);
  return withDirLock(runDir, async () => {
    const trained = trainedRecord(runDir);
    const missing = job.probeSets.filter((s) => !hasCaptures(runDir, s));
    if (trained && missing.length === 0 && !(job.remakeCheckpoint && !hasCheckpoint(runDir))) return trained;
    let result;
    try {
      result = await trainRun({ run, runDir, backend, data: dataFor(run.config, job.suiteFile, cache), onStep });
    } catch (e) {
      // A run that once finished cannot diverge when trained again unless training is not deterministic.
      if (!(e instanceof DivergenceError) || trained) throw e;
      const record = { ...baseRecord(run, backend, job.adapter), error: e.message };
      writeJsonRecorded(recordPath(runDir), record);
      return record;
    }
    const { params, gpt, progress } = result;
    if (trained && canonicalJson(progress.curve) !== canonicalJson(trained.curve)) {
      tf.dispose([...params.values()]);
      throw new Error(
        `${runDir}: training it again to capture more probe sets did not reproduce its recorded loss curve (a backend that is not deterministic?); delete the folder to train it afresh`,
      );
    }
    for (const id of missing) {
      const probes = probesFor(id, cache);
      writeRecorded(capturePath(runDir, id), encodeCapture(await captureRun(params, gpt, probes.tokens, captureMeta(run, backend, probes))));
    }
    const nParams = [...params.values()].reduce((n, p) => n + p.size, 0);
    tf.dispose([...params.values()]);
    for (const id of missing) await captureUntrained(job, runDir, probesFor(id, cache));
    if (trained) return trained;
    const heldOutLoss = progress.curve.at(-1)?.heldOutLoss ?? null;
    const record: RunRecord = {
      ...baseRecord(run, backend, job.adapter),
      status: "finished",
      steps: progress.step,
      tokensSeen: progress.tokensSeen,
      nParams,
      finalTrainLoss: progress.lastTrainLoss,
      heldOutLoss,
      heldOutPerplexity: heldOutLoss === null ? null : Math.exp(heldOutLoss),
      curve: progress.curve,
      timings: { trainSeconds: progress.trainSeconds, tokensPerSecond: result.tokensPerSecond, resumedFromStep: result.resumedFromStep },
    };
    writeJsonRecorded(recordPath(runDir), record);
    return record;
  }, { waitSeconds: job.lockTimeoutSeconds ?? Infinity, onWait: (m) => process.stderr.write(`refit: ${m}\n`) });
}

/** One line for a finished or failed run, as the progress display prints it. */
export const summarize = (r: RunRecord): string =>
  r.status === "failed"
    ? `FAILED: ${r.error}`
    : `done: held-out loss ${r.heldOutLoss?.toFixed(3)} (ppl ${r.heldOutPerplexity?.toFixed(2)}), ${Math.round(r.timings.tokensPerSecond)} tok/s`;
