import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../src/pipeline/model/backend.ts";
import { adamStep, clipGlobalNorm, initAdamState, type AdamOptions } from "../../../src/pipeline/train/optimizer.ts";

beforeAll(async () => {
  await initBackend("wasm");
});

const base: Omit<AdamOptions, "kind" | "weightDecay"> = { beta1: 0.9, beta2: 0.999, eps: 1e-8 };

/** One 1x1 matrix parameter (decayed) and one bias (never decayed), both starting at 1. */
function twoSteps(o: AdamOptions, grads: [number, number]): { w: number[]; b: number[] } {
  const params = new Map<string, tf.Variable>([
    ["w", tf.variable(tf.tensor2d([[1]]))],
    ["b", tf.variable(tf.tensor1d([1]))],
  ]);
  const state = initAdamState(params);
  const w: number[] = [];
  const b: number[] = [];
  for (const g of grads) {
    const gw = tf.tensor2d([[g]]);
    const gb = tf.tensor1d([g]);
    adamStep(params, { w: gw, b: gb }, state, 0.1, o);
    tf.dispose([gw, gb]);
    w.push(params.get("w")!.dataSync()[0]);
    b.push(params.get("b")!.dataSync()[0]);
  }
  tf.dispose([...params.values(), ...state.m.values(), ...state.v.values()]);
  return { w, b };
}

describe("adamStep", () => {
  // Step 1 with g = 0.5: m = 0.05, v = 0.00025, m/(1-0.9) = 0.5, sqrt(v/(1-0.999)) = 0.5,
  // so the update is lr * 0.5 / (0.5 + 1e-8) ~= 0.1 whatever the gradient's scale.
  it("takes a step of lr on the first step (plain Adam)", () => {
    const r = twoSteps({ ...base, kind: "adam", weightDecay: 0 }, [0.5, 0.5]);
    expect(r.w[0]).toBeCloseTo(0.9, 6);
    // Step 2, same gradient: m = 0.095, v = 0.00049975; mhat = 0.5, vhat = 0.25 -> again 0.1.
    expect(r.w[1]).toBeCloseTo(0.8, 6);
  });

  it("adds weight decay to the gradient for Adam (L2), only on matrices", () => {
    // Adam's first step normalises the gradient, so L2 shows from step 2: g1 = 0.5 + 0.1*1 = 0.6, p1 = 0.9;
    // g2 = 0.5 + 0.1*0.9 = 0.59; m2 = 0.9*0.06 + 0.1*0.59 = 0.113; v2 = 0.999*0.00036 + 0.001*0.3481 = 0.00070774;
    // mhat = 0.113/0.19, vhat = 0.00070774/0.001999 -> p2 = 0.9 - 0.1 * 0.594737 / 0.595021.
    const r = twoSteps({ ...base, kind: "adam", weightDecay: 0.1 }, [0.5, 0.5]);
    expect(r.w[0]).toBeCloseTo(0.9, 6);
    expect(r.w[1]).toBeCloseTo(0.9 - (0.1 * (0.113 / 0.19)) / Math.sqrt(0.00070774 / 0.001999), 5);
    expect(r.b[1]).toBeCloseTo(0.8, 6);
  });

  it("decouples weight decay for AdamW: p <- p(1 - lr*wd) - lr*update, only on matrices", () => {
    const r = twoSteps({ ...base, kind: "adamw", weightDecay: 0.1 }, [0.5, 0.5]);
    expect(r.w[0]).toBeCloseTo(1 * (1 - 0.01) - 0.1, 6);
    expect(r.w[1]).toBeCloseTo(0.89 * (1 - 0.01) - 0.1, 6);
    expect(r.b[0]).toBeCloseTo(0.9, 6);
  });
});

describe("clipGlobalNorm", () => {
  it("scales all gradients by maxNorm / norm when the global norm is larger", async () => {
    const grads = { a: tf.tensor1d([3, 0]), b: tf.tensor1d([0, 4]) }; // global norm 5
    const { grads: clipped, norm } = await clipGlobalNorm(grads, 1);
    expect(norm).toBeCloseTo(5, 6);
    expect(Array.from(clipped.a.dataSync())[0]).toBeCloseTo(0.6, 5);
    expect(Array.from(clipped.b.dataSync())[1]).toBeCloseTo(0.8, 5);
    tf.dispose(clipped);
  });

  it("leaves gradients alone below the limit, reporting their norm", async () => {
    const grads = { a: tf.tensor1d([0.3, 0.4]) };
    expect((await clipGlobalNorm(grads, 1)).grads).toBe(grads);
    expect((await clipGlobalNorm(grads, 10)).norm).toBeCloseTo(0.5, 6);
    tf.dispose(grads);
  });
});

describe("fused Adam kernel (kernels/adam.wat)", () => {
  /** Three steps on a [5, 7] matrix and a [13] bias (sizes not multiples of 4), fused or op by op. */
  function run(o: AdamOptions, fused: boolean): Float32Array[] {
    const params = new Map<string, tf.Variable>([
      ["w", tf.variable(tf.randomNormal([5, 7], 0, 1, "float32", 1))],
      ["b", tf.variable(tf.randomNormal([13], 0, 1, "float32", 2))],
    ]);
    const state = initAdamState(params);
    for (let step = 0; step < 3; step++) {
      const grads = { w: tf.randomNormal([5, 7], 0, 1, "float32", 10 + step), b: tf.randomNormal([13], 0, 1, "float32", 20 + step) };
      adamStep(params, grads, state, 0.01, o, { fused });
      tf.dispose(Object.values(grads));
    }
    const out = [...params.values(), ...state.m.values(), ...state.v.values()].map((t) => t.dataSync() as Float32Array);
    tf.dispose([...params.values(), ...state.m.values(), ...state.v.values()]);
    return out;
  }

  for (const kind of ["adam", "adamw"] as const) {
    it(`updates parameters and moments bit for bit like the op-by-op path (${kind}, weight decay 0.1)`, () => {
      const o: AdamOptions = { ...base, kind, weightDecay: 0.1 };
      const [fused, ops] = [run(o, true), run(o, false)];
      fused.forEach((values, i) => expect(Buffer.from(values.buffer).equals(Buffer.from(ops[i].buffer)), `tensor ${i}`).toBe(true));
      expect(fused[0]).not.toEqual(run({ ...o, weightDecay: 0 }, true)[0]); // decay changed something
    });
  }
});
