// The softmax kernels (src/pipeline/kernels/softmax.wat, with their own exp) against tfjs on the
// cpu backend: attention's causal softmax with the scale folded in, the cross-entropy's row
// softmax and loss parts, and both gradients; masked positions are exactly 0.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { causalSoftmax, causalSoftmaxGrad, crossEntropyGrad, softmaxRows } from "../../../src/pipeline/model/wasm-kernels.ts";

async function onCpu<T>(f: () => T): Promise<T> {
  await tf.setBackend("cpu");
  try {
    return f();
  } finally {
    await tf.setBackend("wasm");
  }
}
const close = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) expect(Math.abs(got[i] - want[i]), `[${i}]`).toBeLessThan(tol);
};

describe("softmax kernels", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("causal softmax and its gradient match softmax(scale x + mask) and autodiff", async () => {
    const T = 7; // rows of every length 1..7: vector chunks and scalar tails
    const x = tf.randomNormal([2, 3, T, T], 0, 3, "float32", 1);
    const dy = tf.randomNormal([2, 3, T, T], 0, 1, "float32", 2);
    const scale = 0.35;
    const y = causalSoftmax(x, scale);
    const [yv, gv] = [y.dataSync(), causalSoftmaxGrad(y, dy, scale).dataSync()];
    const [xv, dyv] = [x.dataSync(), dy.dataSync()];
    const [want, wantGrad] = await onCpu(() => {
      const mask = tf.mul(tf.sub(1, tf.linalg.bandPart(tf.ones([T, T]), -1, 0)), -1e9);
      const f = (s: tf.Tensor) => tf.softmax(tf.add(tf.mul(s, scale), mask));
      const xs = tf.tensor(xv, [2, 3, T, T]);
      return [f(xs).dataSync(), tf.grad(f)(xs, tf.tensor(dyv, [2, 3, T, T])).dataSync()];
    });
    close(yv, want, 1e-6);
    close(gv, wantGrad, 1e-6);
    for (let i = 0; i < T; i++) for (let j = i + 1; j < T; j++) expect(yv[i * T + j]).toBe(0);
  });

  it("row softmax gives the loss mean(max + log sum - target logit) and its gradient, as logSoftmax does", async () => {
    const x = tf.randomNormal([5, 11], 0, 4, "float32", 3) as tf.Tensor2D;
    const targets = tf.tensor1d([0, 10, 3, 3, 7], "int32");
    const [p, max, sum, picked] = softmaxRows(x, targets);
    const loss = tf.div(tf.sum(tf.sub(tf.add(max, tf.log(sum)), picked)), 5).dataSync()[0];
    const grad = crossEntropyGrad(p, targets, tf.scalar(2)).dataSync();
    const xv = x.dataSync();
    const [wantLoss, wantGrad] = await onCpu(() => {
      const oh = tf.cast(tf.oneHot(tf.tensor1d([0, 10, 3, 3, 7], "int32"), 11), "float32");
      const f = (l: tf.Tensor) => tf.div(tf.neg(tf.sum(tf.mul(tf.logSoftmax(l), oh))), 5);
      const xs = tf.tensor(xv, [5, 11]);
      return [f(xs).dataSync()[0], tf.grad(f)(xs, tf.scalar(2)).dataSync()];
    });
    expect(Math.abs(loss - wantLoss)).toBeLessThan(1e-5);
    close(grad, wantGrad, 1e-6);
  });

  it("refuses a target id outside the vocabulary", () => {
    expect(() => softmaxRows(tf.zeros([1, 4]) as tf.Tensor2D, tf.tensor1d([4], "int32"))).toThrow("outside the vocabulary of 4");
  });
});
