import * as tf from "@tensorflow/tfjs-core";
import { describe, expect, it } from "vitest";
import { leanVariableGrads } from "../../../src/pipeline/model/backprop.ts";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { GPT2_SETTINGS, type GptConfig } from "../../../src/pipeline/model/config.ts";
import { crossEntropy, forward, initParams } from "../../../src/pipeline/model/gpt.ts";

// Two layers with attention and MLP, so the tape holds every kind of node training has: the
// embedding, LayerNorm, dense products, reshapes and transposes, residual adds (a tensor whose
// gradient is a sum of terms), softmax, GELU and the loss.
const config: GptConfig = { nLayers: 2, dModel: 16, nHeads: 4, dMlp: 64, vocabSize: 257, nCtx: 12, ...GPT2_SETTINGS };
const B = 3;
const ids = (k: number) => Int32Array.from({ length: B * config.nCtx }, (_, i) => (i * k + 5) % 256);

/** Loss and gradients by both methods at one batch; the gradients as bits, by parameter name. */
function bothWays() {
  const params = initParams(config, 7);
  const inputs = tf.tensor2d(ids(31), [B, config.nCtx], "int32");
  const targets = tf.tensor1d(ids(17), "int32");
  const loss = () => crossEntropy(forward(params, config, inputs).logits, targets);
  const bits = (t: tf.Tensor) => Array.from(new Uint32Array((t.dataSync() as Float32Array).slice().buffer));
  const before = tf.memory().numTensors;
  const lean = leanVariableGrads(loss, params);
  const leanBits = { value: bits(lean.value), grads: Object.fromEntries(Object.entries(lean.grads).map(([n, g]) => [n, bits(g)])) };
  const held = tf.memory().numTensors - before;
  tf.dispose([lean.value, lean.grads]);
  const nameOf = new Map([...params].map(([n, v]) => [v.name, n]));
  const stock = tf.variableGrads(loss, [...params.values()]);
  const stockBits = { value: bits(stock.value), grads: Object.fromEntries(Object.entries(stock.grads).map(([n, g]) => [nameOf.get(n)!, bits(g)])) };
  tf.dispose([stock.value, stock.grads, inputs, targets, ...params.values()]);
  return { leanBits, stockBits, held, count: params.size };
}

describe.each(["wasm", "cpu"] as const)("leanVariableGrads on %s", (backend) => {
  it("gives tf.variableGrads's loss and gradients bit for bit, and leaves only them allocated", async () => {
    await initBackend(backend);
    const { leanBits, stockBits, held, count } = bothWays();
    expect(Object.keys(leanBits.grads).sort()).toEqual(Object.keys(stockBits.grads).sort());
    expect(leanBits).toEqual(stockBits);
    expect(held).toBe(count + 1);
  });

  it("holds less memory at its peak than tf.variableGrads", async () => {
    await initBackend(backend);
    const params = initParams(config, 7);
    const inputs = tf.tensor2d(ids(31), [B, config.nCtx], "int32");
    const targets = tf.tensor1d(ids(17), "int32");
    const loss = () => crossEntropy(forward(params, config, inputs).logits, targets);
    const peak = async (grads: () => { value: tf.Tensor; grads: tf.NamedTensorMap }) => {
      const p = await tf.profile(() => {
        const r = grads();
        tf.dispose([r.value, r.grads]);
      });
      return p.peakBytes;
    };
    const lean = await peak(() => leanVariableGrads(loss, params));
    const stock = await peak(() => tf.variableGrads(loss, [...params.values()]));
    expect(lean).toBeLessThan(stock);
    tf.dispose([inputs, targets, ...params.values()]);
  });
});

describe("the wasm backend's Identity", () => {
  it("shares its input's buffer instead of copying it, and the clone reads the same values", async () => {
    await initBackend("wasm");
    const x = tf.tensor1d([1.5, -2, 3]);
    const buffers = tf.memory().numDataBuffers;
    const y = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    x.dispose();
    expect(Array.from(y.dataSync())).toEqual([1.5, -2, 3]);
    y.dispose();
  });
});
