// The embedding's row kernels (src/pipeline/kernels/rows.wat): gather equals tf.gather exactly,
// scatter-add equals the one-hot product it replaces, and an id outside the table is an error.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { gatherRows, scatterAddRows } from "../../../src/pipeline/model/wasm-kernels.ts";

describe("row kernels", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  const table = () => tf.randomNormal([11, 8], 0, 1, "float32", 1) as tf.Tensor2D;
  const ids = () => tf.tensor1d([3, 0, 10, 3, 7, 3], "int32");

  it("gathers the same rows as tf.gather, bit for bit", () => {
    const [t, i] = [table(), ids()];
    expect(Array.from(gatherRows(t, i).dataSync())).toEqual(Array.from(tf.gather(t, i).dataSync()));
  });

  it("scatter-adds repeated ids like one-hot(ids)^T · rows, and zeros unused rows", () => {
    const i = ids();
    const rows = tf.randomNormal([6, 8], 0, 1, "float32", 2);
    const got = scatterAddRows(rows, i, 11).dataSync();
    const want = tf.matMul(tf.cast(tf.oneHot(i, 11), "float32") as tf.Tensor2D, rows as tf.Tensor2D, true, false).dataSync();
    got.forEach((v, k) => expect(Math.abs(v - want[k])).toBeLessThan(1e-6));
    expect(Array.from(got.slice(8, 16))).toEqual(Array(8).fill(0)); // row 1 is never named
  });

  it("refuses an id outside the table instead of reading other memory", () => {
    expect(() => gatherRows(table(), tf.tensor1d([2, 11], "int32"))).toThrow("outside the vocabulary of 11");
    expect(() => scatterAddRows(tf.ones([1, 8]), tf.tensor1d([-1], "int32"), 11)).toThrow("outside the vocabulary of 11");
  });
});
