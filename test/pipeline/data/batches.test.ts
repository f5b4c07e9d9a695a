import { describe, expect, it } from "vitest";
import { heldOutBatches, tokenStream, trainBatch } from "../../../src/pipeline/data/batches.ts";
import { BOS } from "../../../src/pipeline/data/tokenizer.ts";

// Token i of this stream is i, so a window at offset o reads o, o+1, ... and its offset can be read back.
const STREAM = Int32Array.from({ length: 1000 }, (_, i) => i);

/** Row r of a [batchSize * nCtx] array. */
const row = (a: Int32Array, r: number, nCtx: number) => [...a.subarray(r * nCtx, (r + 1) * nCtx)];

describe("tokenStream", () => {
  it("concatenates BOS + bytes of each document", () => {
    expect([...tokenStream([{ id: "a", text: "ab" }, { id: "b", text: "é" }])]).toEqual([BOS, 97, 98, BOS, 0xc3, 0xa9]);
  });
});

describe("trainBatch", () => {
  const opts = { batchSize: 8, nCtx: 16, dataSeed: 3, step: 10 };

  it("is a pure function of (dataSeed, step)", () => {
    const a = trainBatch(STREAM, opts);
    trainBatch(STREAM, { ...opts, step: 11 }); // other calls in between change nothing
    const b = trainBatch(STREAM, opts);
    expect(b.inputs).toEqual(a.inputs);
    expect(b.targets).toEqual(a.targets);
  });

  it("differs for another step or another seed", () => {
    const base = trainBatch(STREAM, opts).targets;
    expect(trainBatch(STREAM, { ...opts, step: 11 }).targets).not.toEqual(base);
    expect(trainBatch(STREAM, { ...opts, dataSeed: 4 }).targets).not.toEqual(base);
  });

  it("makes rows of BOS + window, with targets the window shifted by one", () => {
    const { inputs, targets } = trainBatch(STREAM, opts);
    expect(inputs).toHaveLength(8 * 16);
    expect(targets).toHaveLength(8 * 16);
    for (let r = 0; r < 8; r++) {
      const input = row(inputs, r, 16);
      const target = row(targets, r, 16);
      const offset = target[0];
      expect(target).toEqual(Array.from({ length: 16 }, (_, t) => offset + t)); // a contiguous window of the stream
      expect(input).toEqual([BOS, ...target.slice(0, 15)]);
      expect(offset + 16).toBeLessThanOrEqual(STREAM.length);
    }
  });

  it("uses offset 0 when the stream is exactly one window long", () => {
    const { inputs, targets } = trainBatch(Int32Array.from([5, 6, 7, 8]), { batchSize: 2, nCtx: 4, dataSeed: 0, step: 0 });
    expect([...inputs]).toEqual([BOS, 5, 6, 7, BOS, 5, 6, 7]);
    expect([...targets]).toEqual([5, 6, 7, 8, 5, 6, 7, 8]);
  });

  it("reaches both ends of the stream over many steps", () => {
    const offsets = new Set<number>();
    for (let step = 0; step < 400; step++) for (let r = 0; r < 8; r++) offsets.add(trainBatch(STREAM, { ...opts, step }).targets[r * 16]);
    expect(Math.min(...offsets)).toBeLessThan(20);
    expect(Math.max(...offsets)).toBeGreaterThan(1000 - 16 - 20);
  });

  it("refuses a stream shorter than one row", () => {
    expect(() => trainBatch(Int32Array.from([1, 2]), opts)).toThrow(/2 tokens; a row needs at least nCtx = 16/);
  });
});

describe("heldOutBatches", () => {
  it("covers ceil(tokens / nCtx) windows rounded up to whole batches, evenly spaced from 0", () => {
    // 95 tokens / nCtx 10 -> 10 windows -> 3 batches of 4 = 12 windows over 991 possible starts.
    const batches = heldOutBatches(STREAM, { batchSize: 4, nCtx: 10, tokens: 95 });
    expect(batches).toHaveLength(3);
    const offsets = batches.flatMap((b) => [0, 1, 2, 3].map((r) => b.targets[r * 10]));
    expect(offsets).toEqual([0, 82, 165, 247, 330, 412, 495, 578, 660, 743, 825, 908]); // floor(i * 991 / 12)
    for (const b of batches) {
      for (let r = 0; r < 4; r++) expect(row(b.inputs, r, 10)).toEqual([BOS, ...row(b.targets, r, 10).slice(0, 9)]);
    }
  });

  it("is the same list every time", () => {
    expect(heldOutBatches(STREAM, { batchSize: 2, nCtx: 8, tokens: 64 })).toEqual(heldOutBatches(STREAM, { batchSize: 2, nCtx: 8, tokens: 64 }));
  });
});
