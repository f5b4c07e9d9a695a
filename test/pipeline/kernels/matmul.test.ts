// The batched attention products (src/pipeline/kernels/matmul.wat, installed over the wasm
// backend's BatchMatMul) against tfjs's cpu backend: every transpose form the attention forward
// and backward pass uses, odd sizes that hit the remainder and packing paths, and the stock path
// kept for broadcast and doubly transposed products.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { observeKernelCalls } from "../../../src/pipeline/model/wasm-kernels.ts";

async function onCpu(a: tf.Tensor, b: tf.Tensor, ta: boolean, tb: boolean): Promise<Float32Array> {
  const [av, bv] = [a.dataSync(), b.dataSync()];
  await tf.setBackend("cpu");
  const out = tf.tidy(() => tf.matMul(tf.tensor(av, a.shape), tf.tensor(bv, b.shape), ta, tb).dataSync() as Float32Array);
  await tf.setBackend("wasm");
  return out;
}

describe("wasm BatchMatMul replacement", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  const cases: [string, number[], number[], boolean, boolean][] = [
    ["q·kᵀ", [4, 2, 16, 8], [4, 2, 16, 8], false, true],
    ["pattern·v", [4, 2, 16, 16], [4, 2, 16, 8], false, false],
    ["patternᵀ·dz", [4, 2, 16, 16], [4, 2, 16, 8], true, false],
    ["odd rows and columns, NN", [3, 5, 7], [3, 7, 9], false, false],
    ["odd rows and columns, TN", [3, 7, 5], [3, 7, 9], true, false],
    ["k not a multiple of 4, NT", [3, 5, 7], [3, 6, 7], false, true],
    ["columns past 16, NN", [2, 3, 33, 17], [2, 3, 17, 40], false, false],
    ["2-D", [9, 5], [5, 7], false, false],
    ["2-D, k past one block of 128, TN", [300, 9], [300, 20], true, false],
    ["2-D, k = 257, NT", [6, 257], [5, 257], false, true],
    ["NN, B packed (rows 512 B or more apart), columns left over", [2, 37, 70], [2, 70, 150], false, false],
    ["TN, Aᵀ and B packed: sixteen rows, then a pair and an odd row, k past 128", [130, 133], [130, 150], true, false],
    ["one pair of rows, NN (B read in place, as for column sums)", [2, 40], [40, 150], false, false],
    ["one row, NN", [1, 300], [300, 20], false, false],
    ["broadcast batch (stock path)", [1, 5, 7], [3, 7, 9], false, false],
    ["both transposed (stock path)", [3, 5, 4], [3, 6, 5], true, true],
  ];
  for (const [name, sa, sb, ta, tb] of cases) {
    it(`matches the cpu backend: ${name}`, async () => {
      const a = tf.randomNormal(sa, 0, 1, "float32", 1);
      const b = tf.randomNormal(sb, 0, 1, "float32", 2);
      const got = tf.matMul(a, b, ta, tb);
      const want = await onCpu(a, b, ta, tb);
      const values = got.dataSync();
      expect(values.length).toBe(want.length);
      let worst = 0;
      values.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - want[i]))));
      expect(worst).toBeLessThan(1e-4);
      tf.dispose([a, b, got]);
    });
  }

  it("gives the same bits on a repeat", () => {
    const a = tf.randomNormal([8, 4, 32, 16], 0, 1, "float32", 3);
    const b = tf.randomNormal([8, 4, 32, 16], 0, 1, "float32", 4);
    const [x, y] = [tf.matMul(a, b, false, true), tf.matMul(a, b, false, true)];
    expect(Buffer.from(x.dataSync().buffer).equals(Buffer.from(y.dataSync().buffer))).toBe(true);
    tf.dispose([a, b, x, y]);
  });

  it("reports each kernel call to an observer, with its arguments, and gives the same bits", () => {
    const a = tf.randomNormal([3, 5, 4], 0, 1, "float32", 5);
    const b = tf.randomNormal([3, 6, 4], 0, 1, "float32", 6);
    const plain = tf.matMul(a, b, false, true);
    const calls: [string, number[]][] = [];
    observeKernelCalls((kernel, args, ms) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      calls.push([kernel, args.slice(3)]);
    });
    const observed = tf.matMul(a, b, false, true);
    observeKernelCalls(null);
    tf.dispose(tf.matMul(a, b, false, true));
    expect(calls).toEqual([["matmul.matmul_nt", [3, 5, 6, 4]]]); // batch, m, n, k; none once stopped
    expect(Buffer.from(observed.dataSync().buffer).equals(Buffer.from(plain.dataSync().buffer))).toBe(true);
    tf.dispose([a, b, plain, observed]);
  });
});
