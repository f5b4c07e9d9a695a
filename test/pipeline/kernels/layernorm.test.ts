// The fused LayerNorm kernels (src/pipeline/kernels/layernorm.wat) against tfjs autodiff of the
// composed formula on the cpu backend: output, and the gradients for x, the gain and the bias.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { layerNormBackward, layerNormForward } from "../../../src/pipeline/model/wasm-kernels.ts";

const EPS = 1e-5;
const composed = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor) => {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPS))), g), b);
};

describe("fused LayerNorm", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("matches autodiff of the composed formula (cpu backend) in value and all three gradients", async () => {
    const x = tf.randomNormal([37, 64], 0.3, 2, "float32", 1) as tf.Tensor2D;
    const g = tf.randomNormal([64], 1, 0.2, "float32", 2);
    const b = tf.randomNormal([64], 0, 0.2, "float32", 3);
    const dy = tf.randomNormal([37, 64], 0, 1, "float32", 4);
    const [y, mean, rstd] = layerNormForward(x, g, b, EPS)!;
    const got = [y, ...layerNormBackward(dy, x, g, mean, rstd)].map((t) => t.dataSync());
    const inputs = [x, g, b, dy].map((t) => ({ values: t.dataSync(), shape: t.shape }));
    await tf.setBackend("cpu");
    const [xc, gc, bc, dyc] = inputs.map(({ values, shape }) => tf.tensor(values, shape));
    const want = [composed(xc, gc, bc), ...tf.grads(composed)([xc, gc, bc], dyc)].map((t) => t.dataSync());
    await tf.setBackend("wasm");
    got.forEach((values, i) => {
      expect(values.length).toBe(want[i].length);
      values.forEach((v, j) => expect(Math.abs(v - want[i][j]), `output ${i} [${j}]`).toBeLessThan(1e-5));
    });
  });

  it("leaves widths that are not a multiple of 4 to the composed ops", () => {
    const x = tf.ones([2, 6]) as tf.Tensor2D;
    expect(layerNormForward(x, tf.ones([6]), tf.zeros([6]), EPS)).toBeNull();
  });
});
