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
import { leanVariableGrads } from "../model/backprop.ts";
import { crossEntropy, forward, initParams, type Params } from "../model/gpt.ts";
import { seedsOf, type Run } from "../suite/grid.ts";
import type { CellConfig } from "../artifacts/suite.ts";
import { adamStep, clipGlobalNorm, disposeAdamState, initAdamState, type AdamState } from "./optimizer.ts";
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

/** Reads a scalar and frees it; asynchronously, since a GPU backend cannot read synchronously. */
async function readScalar(t: tf.Tensor): Promise<number> {
  const value = (await t.data())[0];
  t.dispose();
  return value;
}

/** Mean held-out cross-entropy (nats per token) over a fixed list of batches. */
export async function evaluate(params: Params, gpt: GptConfig, batches: Batch[], c: CellConfig): Promise<number> {
  let sum = 0;
  for (const b of batches) {
    sum += await readScalar(
      tf.tidy(() => {
        const { inputs, targets } = toTensors(b, c);
        return crossEntropy(forward(params, gpt, inputs).logits, targets);
      }),
    );
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

/**
 * Trains (or resumes) one run to its last step. The Adam moments are freed on the way out, finished
 * or not; the parameters are the caller's to free.
 */
export async function trainRun(job: TrainJob): Promise<TrainResult> {
  const { run, runDir } = job;
  const c = run.config;
  const gpt = gptConfigOf(c, VOCAB_SIZE);
  const { initSeed } = seedsOf(run);
  const evalBatches = heldOutBatches(job.data.heldOut, { batchSize: c.train.batchSize, nCtx: c.data.nCtx, tokens: c.train.evalTokens });

  const params = initParams(gpt, initSeed);
  const adam = initAdamState(params);
  const progress: TrainProgress = { step: 0, tokensSeen: 0, trainSeconds: 0, lastTrainLoss: null, curve: [] };
  try {
    const resumed = loadLatestCheckpoint(runDir, { params, adam, progress });
    const resumedFromStep = resumed ? progress.step : 0;
    await trainSteps(job, { params, adam, progress, gpt, evalBatches });
    const overall = progress.trainSeconds > 0 ? progress.tokensSeen / progress.trainSeconds : 0;
    return { params, gpt, progress, resumedFromStep, tokensPerSecond: overall };
  } catch (e) {
    tf.dispose([...params.values()]);
    throw e;
  } finally {
    disposeAdamState(adam);
  }
}

interface LoopState {
  params: Params;
  adam: AdamState;
  progress: TrainProgress;
  gpt: GptConfig;
  evalBatches: Batch[];
}

/** The steps from progress.step to the last: batch, loss + grads, clip, Adam(W), eval, checkpoint. */
async function trainSteps(job: TrainJob, { params, adam, progress, gpt, evalBatches }: LoopState): Promise<void> {
  const { run, runDir } = job;
  const c = run.config;
  const { dataSeed } = seedsOf(run);
  const totalSteps = stepsOf(c);

  const optimizer = { kind: c.train.optimizer, weightDecay: c.train.weightDecay, beta1: c.train.beta1, beta2: c.train.beta2, eps: c.train.eps };
  const tokensPerStep = c.train.batchSize * c.data.nCtx;
  const throughput = throughputMeter();

  while (progress.step < totalSteps) {
    const step = progress.step;
    const t0 = performance.now();
    const batch = trainBatch(job.data.train, { batchSize: c.train.batchSize, nCtx: c.data.nCtx, dataSeed, step });
    const { inputs, targets } = toTensors(batch, c);
    const { value, grads } = leanVariableGrads(() => crossEntropy(forward(params, gpt, inputs).logits, targets), params);
    const loss = await readScalar(value);
    if (!Number.isFinite(loss)) {
      tf.dispose([inputs, targets, grads]);
      throw new DivergenceError(`loss became ${loss} at step ${step + 1} of ${totalSteps} (lr ${lrAt(step, c.train)})`);
    }
    // Without clipping the norm is not needed, and not computed (a sum over every gradient each step).
    const clipped = c.train.gradClip === undefined ? grads : (await clipGlobalNorm(grads, c.train.gradClip)).grads;
    adamStep(params, clipped, adam, lrAt(step, c.train), optimizer);
    tf.dispose([inputs, targets, clipped]);

    progress.step = step + 1;
    progress.tokensSeen += tokensPerStep;
    progress.trainSeconds += (performance.now() - t0) / 1000;
    progress.lastTrainLoss = loss;
    const tokensPerSecond = throughput(tokensPerStep);

    const last = progress.step === totalSteps;
    let heldOutLoss: number | undefined;
    if (last || progress.step % c.train.evalEvery === 0) {
      heldOutLoss = await evaluate(params, gpt, evalBatches, c);
      progress.curve.push({ step: progress.step, tokens: progress.tokensSeen, trainLoss: loss, heldOutLoss });
    }
    if (last || progress.step % c.train.checkpointEvery === 0) {
      await saveTrainingCheckpoint(runDir, { params, adam, progress, gpt, about: { runId: run.runId, seed: run.seed, backend: job.backend } });
    }
    job.onStep?.({ step: progress.step, totalSteps, loss, tokensPerStep, tokensPerSecond, heldOutLoss });
  }
}
