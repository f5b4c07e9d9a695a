// suite -> runs -> train -> capture -> compare, through the on-disk cache. Each run lives in
// <out>/runs/<backend>/<runId>/ (backends are never mixed: their weights differ in the last bits);
// `run.json` is written last and marks a run finished, so a finished run is never retrained and
// an interrupted one resumes from its newest checkpoint.
import * as path from "node:path";
import { provenance } from "./artifacts/provenance.ts";
import { RunRecordSchema, SCHEMA_VERSION, type BackendName, type CaptureMeta, type RunRecord, type SuiteResult } from "./artifacts/schemas.ts";
import { exists, readBytes, readJson, withDirLock, writeFileAtomic, writeJsonAtomic } from "./artifacts/store.ts";
import { captureRun } from "./capture/capture.ts";
import { cellBootstrapSeed, compareCaptures } from "./capture/compare-input.ts";
import { decodeCapture, encodeCapture } from "./capture/format.ts";
import { evaluateFindings, type FindingsCell } from "./compare/findings.ts";
import type { CellComparison } from "./compare/index.ts";
import { loadBrown, loadTextCorpus, splitDocuments } from "./data/corpus.ts";
import { tokenStream } from "./data/batches.ts";
import { checkProbesFit, loadProbeSet, type ProbeSet } from "./data/probes.ts";
import type { Cell, Run } from "./suite/grid.ts";
import type { LoadedSuite } from "./suite/load.ts";
import type { CellConfig } from "./suite/schema.ts";
import * as tf from "@tensorflow/tfjs-core";
import { VOCAB_SIZE } from "./data/tokenizer.ts";
import { gptConfigOf, initParams } from "./model/gpt.ts";
import { suiteProgress, type ProgressSink } from "./train/progress.ts";
import { DivergenceError, trainRun } from "./train/train.ts";

export interface RunSuiteOptions {
  outDir: string;
  backend: BackendName;
  /** Where progress goes (stderr by default in the CLI). */
  progress: ProgressSink;
}

export const runDirOf = (outDir: string, backend: BackendName, runId: string) => path.join(outDir, "runs", backend, runId);
export const capturePath = (runDir: string) => path.join(runDir, "capture.safetensors");
const recordPath = (runDir: string) => path.join(runDir, "run.json");

/** Finished record of a run, or null when it has not finished (absent, failed, or from an older schema). */
function finishedRecord(runDir: string): RunRecord | null {
  if (!exists(recordPath(runDir)) || !exists(capturePath(runDir))) return null;
  const record = readJson(recordPath(runDir), RunRecordSchema);
  return record.status === "finished" ? record : null;
}

type Streams = { train: Int32Array; heldOut: Int32Array };

/** Corpus token streams (train / held-out split by document), built once per distinct data config. */
function dataFor(config: CellConfig, suiteFile: string, cache: Map<string, Streams>): Streams {
  const { corpus, heldOutFraction } = config.data;
  const key = JSON.stringify([corpus, heldOutFraction]);
  const cached = cache.get(key);
  if (cached) return cached;
  const docs = corpus === "brown" ? loadBrown() : loadTextCorpus(path.resolve(path.dirname(suiteFile), corpus.path));
  const split = splitDocuments(docs, heldOutFraction);
  const streams = { train: tokenStream(split.train), heldOut: tokenStream(split.heldOut) };
  cache.set(key, streams);
  return streams;
}

function failedRecord(run: Run, backend: BackendName, error: string): RunRecord {
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: "refit.run",
    runId: run.runId,
    seed: run.seed,
    dataSeed: run.config.train.dataSeed ?? run.seed,
    config: run.config,
    status: "failed",
    error,
    steps: 0,
    tokensSeen: 0,
    nParams: 0,
    finalTrainLoss: null,
    heldOutLoss: null,
    heldOutPerplexity: null,
    curve: [],
    timings: { trainSeconds: 0, tokensPerSecond: 0, resumedFromStep: 0 },
    provenance: provenance(backend),
  };
}

/** Trains (or resumes) one run, captures it on the probes, and writes run.json last. */
async function trainAndCapture(run: Run, runDir: string, opts: RunSuiteOptions, probes: ProbeSet, data: Streams, label: string): Promise<RunRecord> {
  return withDirLock(runDir, () => {
    const cached = finishedRecord(runDir);
    if (cached) return cached;
    const bar = suiteProgress(opts.progress, 1).start(label);
    let result;
    try {
      result = trainRun({ run, runDir, backend: opts.backend, data, onStep: bar.onStep });
    } catch (e) {
      if (!(e instanceof DivergenceError)) throw e;
      const record = failedRecord(run, opts.backend, e.message);
      writeJsonAtomic(recordPath(runDir), record);
      bar.done(`FAILED: ${e.message}`);
      return record;
    }
    const { params, gpt, progress } = result;
    const capture = captureRun(params, gpt, probes.tokens, {
      format: "refit.capture",
      version: SCHEMA_VERSION,
      seed: run.seed,
      runId: run.runId,
      config: run.config,
      probeSet: { id: probes.id, hash: probes.hash },
      probeLengths: probes.tokens.map((t) => t.length),
      backend: opts.backend,
    });
    writeFileAtomic(capturePath(runDir), encodeCapture(capture));
    const heldOutLoss = progress.curve.at(-1)?.heldOutLoss ?? null;
    const record: RunRecord = {
      ...failedRecord(run, opts.backend, ""),
      status: "finished",
      steps: progress.step,
      tokensSeen: progress.tokensSeen,
      nParams: [...params.values()].reduce((n, p) => n + p.size, 0),
      finalTrainLoss: progress.lastTrainLoss,
      heldOutLoss,
      heldOutPerplexity: heldOutLoss === null ? null : Math.exp(heldOutLoss),
      curve: progress.curve,
      timings: { trainSeconds: progress.trainSeconds, tokensPerSecond: result.tokensPerSecond, resumedFromStep: result.resumedFromStep },
    };
    delete record.error;
    tf.dispose([...params.values()]);
    writeJsonAtomic(recordPath(runDir), record);
    bar.done(`done: held-out loss ${heldOutLoss?.toFixed(3)} (ppl ${record.heldOutPerplexity?.toFixed(2)}), ${Math.round(result.tokensPerSecond)} tok/s`);
    return record;
  });
}

/** The untrained twin of a run (initParams with the run's seed, no training step): the untrained null. */
export const initCapturePath = (runDir: string) => path.join(runDir, "capture-init.safetensors");

/** Captures a run's untrained refit once (cached like the rest); patterns and residuals only, no ablation. */
async function captureUntrained(run: Run, runDir: string, backend: BackendName, probes: ProbeSet): Promise<void> {
  await withDirLock(runDir, () => {
    if (exists(initCapturePath(runDir))) return;
    const gpt = gptConfigOf(run.config, VOCAB_SIZE);
    const params = initParams(gpt, run.seed);
    const capture = captureRun(params, gpt, probes.tokens, captureMeta(run, backend, probes), { ablation: false });
    tf.dispose([...params.values()]);
    writeFileAtomic(initCapturePath(runDir), encodeCapture(capture));
  });
}

function captureMeta(run: Run, backend: BackendName, probes: ProbeSet): CaptureMeta {
  return {
    format: "refit.capture",
    version: SCHEMA_VERSION,
    seed: run.seed,
    runId: run.runId,
    config: run.config,
    probeSet: { id: probes.id, hash: probes.hash },
    probeLengths: probes.tokens.map((t) => t.length),
    backend,
  };
}

/** Compares a cell's finished refits (seed order, lowest seed the anchor) with their untrained twins. */
function compareFinished(cell: Cell, finished: RunRecord[], outDir: string, backend: BackendName): CellComparison {
  const sorted = [...finished].sort((a, b) => a.seed - b.seed);
  const dirOf = (r: RunRecord) => runDirOf(outDir, backend, r.runId);
  const load = (file: string) => decodeCapture(readBytes(file), file);
  const refits = sorted.map((r) => load(capturePath(dirOf(r))));
  const untrained = sorted.every((r) => exists(initCapturePath(dirOf(r)))) ? sorted.map((r) => load(initCapturePath(dirOf(r)))) : null;
  return compareCaptures(refits, untrained, { bootstrapSeed: cellBootstrapSeed(cell.cellId) });
}

export async function runSuite(loaded: LoadedSuite, opts: RunSuiteOptions): Promise<{ result: SuiteResult; resultPath: string }> {
  const started = performance.now();
  const { suite } = loaded;
  const probes = loadProbeSet(suite.probes.set);
  const dataCache = new Map<string, Streams>();
  let trainedRuns = 0;
  let cachedRuns = 0;
  const cells: SuiteResult["cells"] = [];
  const compared: FindingsCell[] = [];
  const total = loaded.runs.length;
  let index = 0;

  for (const [c, cell] of loaded.cells.entries()) {
    checkProbesFit(probes, cell.config.data.nCtx);
    const records: RunRecord[] = [];
    for (const run of loaded.runs.filter((r) => r.cellId === cell.cellId)) {
      index += 1;
      const runDir = runDirOf(opts.outDir, opts.backend, run.runId);
      if (finishedRecord(runDir)) cachedRuns += 1;
      else trainedRuns += 1;
      const label = `run ${index}/${total} cell ${c + 1} seed ${run.seed}`;
      records.push(await trainAndCapture(run, runDir, opts, probes, dataFor(run.config, loaded.file, dataCache), label));
    }
    const finished = records.filter((r) => r.status === "finished");
    const anchorOk = finished.some((r) => r.seed === 0);
    const comparable = finished.length >= 2 && anchorOk;
    if (comparable) {
      for (const r of finished) {
        const run = loaded.runs.find((x) => x.runId === r.runId)!;
        await captureUntrained(run, runDirOf(opts.outDir, opts.backend, r.runId), opts.backend, probes);
      }
    }
    const comparison = comparable ? compareFinished(cell, finished, opts.outDir, opts.backend) : null;
    const stats = comparison?.stats ?? null;
    if (comparison) compared.push({ cellId: cell.cellId, config: cell.config, ...comparison });
    cells.push({
      cellId: cell.cellId,
      label: cell.label,
      config: cell.config,
      runs: records.map((r) => ({
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

  const result: SuiteResult = {
    schemaVersion: SCHEMA_VERSION,
    kind: "refit.results",
    suite: { name: suite.name, description: suite.description, file: loaded.file, hash: loaded.hash, seeds: suite.seeds },
    probeSet: { id: probes.id, hash: probes.hash, count: probes.tokens.length },
    cells,
    timings: { wallSeconds: (performance.now() - started) / 1000, trainedRuns, cachedRuns },
    provenance: provenance(opts.backend),
    findings: evaluateFindings(compared),
  };
  const resultPath = path.join(opts.outDir, "results", suite.name, `${loaded.hash.slice(0, 12)}-${opts.backend}.json`);
  writeJsonAtomic(resultPath, result);
  return { result, resultPath };
}
