// suite -> runs -> train -> capture -> compare, through the on-disk cache. Each run lives in
// <out>/runs/<backend>/<runId>/ (backends are never mixed: their weights differ in the last bits);
// `run.json` is written last and marks a run finished, so a finished run is never retrained and
// an interrupted one resumes from its newest checkpoint.
import * as path from "node:path";
import { provenance } from "./artifacts/provenance.ts";
import { RunRecordSchema, SCHEMA_VERSION, type BackendName, type CellStats, type RunRecord, type SuiteResult } from "./artifacts/schemas.ts";
import { exists, readBytes, readJson, withDirLock, writeFileAtomic, writeJsonAtomic } from "./artifacts/store.ts";
import { captureRun } from "./capture/capture.ts";
import { decodeCapture, encodeCapture, patternsOf } from "./capture/format.ts";
import { compareCell } from "./compare/index.ts";
import { loadBrown, loadTextCorpus, splitDocuments } from "./data/corpus.ts";
import { tokenStream } from "./data/batches.ts";
import { checkProbesFit, loadProbeSet, type ProbeSet } from "./data/probes.ts";
import type { Cell, Run } from "./suite/grid.ts";
import type { LoadedSuite } from "./suite/load.ts";
import type { CellConfig } from "./suite/schema.ts";
import * as tf from "@tensorflow/tfjs-core";
import { progressBar, type ProgressSink } from "./train/progress.ts";
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
    const bar = progressBar(label, opts.progress);
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

/** Compares a cell's finished refits, streaming the non-anchor captures one at a time. */
function compareFinished(cell: Cell, finished: RunRecord[], outDir: string, backend: BackendName): CellStats {
  const [anchorRun, ...others] = [...finished].sort((a, b) => a.seed - b.seed);
  const load = (r: RunRecord) => patternsOf(decodeCapture(readBytes(capturePath(runDirOf(outDir, backend, r.runId))), r.runId));
  const anchor = load(anchorRun);
  function* stream() {
    for (const r of others) yield load(r).patterns;
  }
  return compareCell({ layout: anchor.layout, anchor: anchor.patterns, others: stream(), anchorSeed: anchorRun.seed });
}

export async function runSuite(loaded: LoadedSuite, opts: RunSuiteOptions): Promise<{ result: SuiteResult; resultPath: string }> {
  const started = performance.now();
  const { suite } = loaded;
  const probes = loadProbeSet(suite.probes.set);
  const dataCache = new Map<string, Streams>();
  let trainedRuns = 0;
  let cachedRuns = 0;
  const cells: SuiteResult["cells"] = [];
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
    const stats = finished.length >= 2 && anchorOk ? compareFinished(cell, finished, opts.outDir, opts.backend) : null;
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
  };
  const resultPath = path.join(opts.outDir, "results", suite.name, `${loaded.hash.slice(0, 12)}-${opts.backend}.json`);
  writeJsonAtomic(resultPath, result);
  return { result, resultPath };
}
