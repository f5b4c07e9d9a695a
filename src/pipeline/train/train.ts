// The training loop for one run (cell config + seed), readable top to bottom like nanoGPT's
// train.py: resolve, init or resume, then for each step: batch, loss + grads, clip, Adam(W),
// and every so often evaluate and checkpoint. Divergence (NaN/Inf loss) stops the run with an
// error the caller records; batches are a pure function of (dataSeed, step), so a resumed run
// replays exactly the batches an uninterrupted one would have seen.
import * as tf from "@tensorflow/tfjs-core";
import type { BackendName } from "../artifacts/conventions.ts";
import { trainBatch, heldOutBatches, type Batch } from "../data/batches.ts";
import { VOCAB_SIZE } from "../data/tokenizer.ts";
import { gptConfigOf, type GptConfig } from "../model/config.ts";
import { crossEntropy, forward, initParams, type Params } from "../model/gpt.ts";
import { seedsOf, type Run } from "../suite/grid.ts";
import type { CellConfig } from "../artifacts/suite.ts";
import { adamStep, clipGlobalNorm, initAdamState } from "./optimizer.ts";
import { loadLatestCheckpoint, saveTrainingCheckpoint, type TrainProgress } from "./checkpoints.ts";

export interface StepEvent {
  step: number;
  totalSteps: number;
  loss: number;
  tokensPerStep: number;
  tokensPerSecond: number;
  heldOutLoss?: number;
}

export interface TrainJob {
  run: Run;
  runDir: string;
  /** Recorded in every checkpoint. */
  backend: BackendName;
  data: { train: Int32Array; heldOut: Int32Array };
  onStep?: (e: StepEvent) => void;
}

export interface TrainResult {
  params: Params;
  gpt: GptConfig;
  progress: TrainProgress;
  resumedFromStep: number;
  tokensPerSecond: number;
}

/** Thrown when the loss stops being finite; the run is recorded as failed. */
export class DivergenceError extends Error {
  override name = "DivergenceError";
}

export const stepsOf = (c: CellConfig): number => Math.ceil(c.train.tokens / (c.train.batchSize * c.data.nCtx));

/** Linear warmup to lr over warmupSteps, then constant. step is 0-based. */
export const lrAt = (step: number, t: CellConfig["train"]): number =>
  step < t.warmupSteps ? (t.lr * (step + 1)) / t.warmupSteps : t.lr;

function toTensors(b: Batch, c: CellConfig): { inputs: tf.Tensor2D; targets: tf.Tensor1D } {
  return {
    inputs: tf.tensor2d(b.inputs, [c.train.batchSize, c.data.nCtx], "int32"),
    targets: tf.tensor1d(b.targets, "int32"),
  };
}

/** Mean held-out cross-entropy (nats per token) over a fixed list of batches. */
export function evaluate(params: Params, gpt: GptConfig, batches: Batch[], c: CellConfig): number {
  let sum = 0;
  for (const b of batches) {
    sum += tf.tidy(() => {
      const { inputs, targets } = toTensors(b, c);
      return crossEntropy(forward(params, gpt, inputs).logits, targets).dataSync()[0];
    });
  }
  return sum / batches.length;
}

/**
 * Tokens per second over windows of about 2 s, so the display follows the current speed; until
 * the first window closes, over what has run so far. Returns the rate after `tokens` more.
 */
function throughputMeter(): (tokens: number) => number {
  let windowStart = performance.now();
  let windowTokens = 0;
  let tokensPerSecond = 0;
  return (tokens) => {
    windowTokens += tokens;
    const elapsed = (performance.now() - windowStart) / 1000;
    if (elapsed > 2) {
      tokensPerSecond = windowTokens / elapsed;
      windowStart = performance.now();
      windowTokens = 0;
    } else if (tokensPerSecond === 0 && elapsed > 0) {
      tokensPerSecond = windowTokens / elapsed;
    }
    return tokensPerSecond;
  };
}

export function trainRun(job: TrainJob): TrainResult {
  const { run, runDir } = job;
  const c = run.config;
  const gpt = gptConfigOf(c, VOCAB_SIZE);
  const { initSeed, dataSeed } = seedsOf(run);
  const totalSteps = stepsOf(c);
  const evalBatches = heldOutBatches(job.data.heldOut, { batchSize: c.train.batchSize, nCtx: c.data.nCtx, tokens: c.train.evalTokens });

  const params = initParams(gpt, initSeed);
  const adam = initAdamState(params);
  const progress: TrainProgress = { step: 0, tokensSeen: 0, trainSeconds: 0, lastTrainLoss: null, curve: [] };
  const resumed = loadLatestCheckpoint(runDir, { params, adam, progress });
  const resumedFromStep = resumed ? progress.step : 0;

  // variableGrads keys gradients by tfjs variable name; map them back to HF parameter names.
  const nameOf = new Map([...params].map(([name, v]) => [v.name, name]));
  const optimizer = { kind: c.train.optimizer, weightDecay: c.train.weightDecay, beta1: c.train.beta1, beta2: c.train.beta2, eps: c.train.eps };
  const tokensPerStep = c.train.batchSize * c.data.nCtx;
  const throughput = throughputMeter();

  while (progress.step < totalSteps) {
    const step = progress.step;
    const t0 = performance.now();
    const batch = trainBatch(job.data.train, { batchSize: c.train.batchSize, nCtx: c.data.nCtx, dataSeed, step });
    const { inputs, targets } = toTensors(batch, c);
    const { value, grads } = tf.variableGrads(() => crossEntropy(forward(params, gpt, inputs).logits, targets), [...params.values()]);
    const loss = value.dataSync()[0];
    if (!Number.isFinite(loss)) {
      tf.dispose([inputs, targets, value, grads]);
      throw new DivergenceError(`loss became ${loss} at step ${step + 1} of ${totalSteps} (lr ${lrAt(step, c.train)})`);
    }
    const named: tf.NamedTensorMap = {};
    for (const [k, g] of Object.entries(grads)) named[nameOf.get(k)!] = g;
    const clipped = clipGlobalNorm(named, c.train.gradClip);
    adamStep(params, clipped.grads, adam, lrAt(step, c.train), optimizer);
    tf.dispose([inputs, targets, value, clipped.grads]);

    progress.step = step + 1;
    progress.tokensSeen += tokensPerStep;
    progress.trainSeconds += (performance.now() - t0) / 1000;
    progress.lastTrainLoss = loss;
    const tokensPerSecond = throughput(tokensPerStep);

    const last = progress.step === totalSteps;
    let heldOutLoss: number | undefined;
    if (last || progress.step % c.train.evalEvery === 0) {
      heldOutLoss = evaluate(params, gpt, evalBatches, c);
      progress.curve.push({ step: progress.step, tokens: progress.tokensSeen, trainLoss: loss, heldOutLoss });
    }
    if (last || progress.step % c.train.checkpointEvery === 0) {
      saveTrainingCheckpoint(runDir, { params, adam, progress, gpt, about: { runId: run.runId, seed: run.seed, backend: job.backend } });
    }
    job.onStep?.({ step: progress.step, totalSteps, loss, tokensPerStep, tokensPerSecond, heldOutLoss });
  }
  const overall = progress.trainSeconds > 0 ? progress.tokensSeen / progress.trainSeconds : 0;
  return { params, gpt, progress, resumedFromStep, tokensPerSecond: overall };
}
