// Token batches for training and evaluation. One token stream per split (BOS + bytes of each
// document, concatenated); each row is BOS then a window of the stream, targets shifted by one.
// A training batch is a pure function of (dataSeed, step), so a resumed run sees the same data
// with no RNG state saved (nanoGPT's get_batch, made reproducible).
import type { Document } from "./corpus.ts";
import { rng } from "./rng.ts";
import { BOS, encode } from "./tokenizer.ts";

/** Row-major [batchSize, nCtx]: inputs[r] = [BOS, w0 .. w(nCtx-2)], targets[r] = [w0 .. w(nCtx-1)]. */
export interface Batch {
  inputs: Int32Array;
  targets: Int32Array;
}

/** Every document as BOS + its bytes, concatenated in the given order. */
export function tokenStream(docs: readonly Document[]): Int32Array {
  const parts = docs.map((doc) => encode(doc.text));
  const out = new Int32Array(parts.reduce((n, p) => n + 1 + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out[at++] = BOS;
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export interface TrainBatchOptions {
  batchSize: number;
  nCtx: number;
  dataSeed: number;
  step: number;
}

/** The training batch of one step: windows at offsets drawn from a PRNG seeded by (dataSeed, step) alone. */
export function trainBatch(stream: Int32Array, { batchSize, nCtx, dataSeed, step }: TrainBatchOptions): Batch {
  const span = windowSpan(stream, nCtx);
  const draw = rng([dataSeed, step]);
  return fillRows(stream, nCtx, Array.from({ length: batchSize }, () => draw.int(span)));
}

export interface HeldOutOptions {
  batchSize: number;
  nCtx: number;
  /** Target tokens to cover; rounded up to whole batches. */
  tokens: number;
}

/** A fixed list of evaluation batches: ceil(tokens / nCtx) windows, rounded up to full batches, evenly spaced over the stream. */
export function heldOutBatches(stream: Int32Array, { batchSize, nCtx, tokens }: HeldOutOptions): Batch[] {
  const span = windowSpan(stream, nCtx);
  const nBatches = Math.ceil(Math.ceil(tokens / nCtx) / batchSize);
  const nWindows = nBatches * batchSize;
  const offsets = Array.from({ length: nWindows }, (_, i) => Math.floor((i * span) / nWindows));
  return Array.from({ length: nBatches }, (_, b) => fillRows(stream, nCtx, offsets.slice(b * batchSize, (b + 1) * batchSize)));
}

/** Number of valid window starts: a window reads nCtx stream tokens (nCtx - 1 inputs after BOS, plus one more target). */
function windowSpan(stream: Int32Array, nCtx: number): number {
  if (!Number.isInteger(nCtx) || nCtx < 2) throw new RangeError(`nCtx must be an integer >= 2, got ${nCtx}`);
  if (stream.length < nCtx) throw new RangeError(`token stream has ${stream.length} tokens; a row needs at least nCtx = ${nCtx}`);
  return stream.length - nCtx + 1;
}

function fillRows(stream: Int32Array, nCtx: number, offsets: number[]): Batch {
  const inputs = new Int32Array(offsets.length * nCtx);
  const targets = new Int32Array(offsets.length * nCtx);
  offsets.forEach((offset, r) => {
    const row = r * nCtx;
    inputs[row] = BOS;
    inputs.set(stream.subarray(offset, offset + nCtx - 1), row + 1);
    targets.set(stream.subarray(offset, offset + nCtx), row);
  });
  return { inputs, targets };
}
