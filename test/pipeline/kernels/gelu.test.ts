// The fused GELU (src/pipeline/kernels/gelu.wat around tfjs's sigmoid) against the composed
// gelu_new and its autodiff gradient on the cpu backend.
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { geluGrad, geluInner } from "../../../src/pipeline/model/wasm-kernels.ts";

const K = 2 * Math.sqrt(2 / Math.PI);
const C = 0.044715;
const composed = (x: tf.Tensor) => tf.mul(x, tf.sigmoid(tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), C)), K)));

describe("fused GELU", () => {
  beforeAll(async () => {
    await initBackend("wasm");
  });

  it("matches gelu_new and its gradient (autodiff on the cpu backend), tails included", async () => {
    const x = tf.randomNormal([7, 9], 0, 2, "float32", 1);
    const dy = tf.randomNormal([7, 9], 0, 1, "float32", 2);
    const s = tf.sigmoid(geluInner(x, K, C));
    const got = [tf.mul(x, s), geluGrad(dy, x, s, K, C)].map((t) => t.dataSync());
    const [xv, dyv] = [x.dataSync(), dy.dataSync()];
    await tf.setBackend("cpu");
    const xc = tf.tensor(xv, [7, 9]);
    const want = [composed(xc), tf.grad(composed)(xc, tf.tensor(dyv, [7, 9]))].map((t) => t.dataSync());
    await tf.setBackend("wasm");
    got.forEach((values, i) => values.forEach((v, j) => expect(Math.abs(v - want[i][j]), `output ${i} [${j}]`).toBeLessThan(1e-5)));
  });
});
