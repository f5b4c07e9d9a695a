// Gradients for the tfjs kernels Refit differentiates: training on every backend, and the composed
// formulas the kernel tests differentiate as references. tfjs-core registers no gradients in its
// Node build; only the `@tensorflow/tfjs` umbrella does, and it brings layers, converter, webgl and
// data with it. Each entry is tfjs-core 4.22's own (src/gradients/<Kernel>_grad.ts, Apache-2.0),
// with the same ops in the same order, so training's bits do not depend on which registered them
// (test/pipeline/train/numerics.test.ts pins them). Another kernel on the tape fails in tfjs with
// "gradient function not found for <Kernel>": add tfjs's entry here.
import * as tf from "@tensorflow/tfjs-core";

const { assertAndGetBroadcastShape, getReductionAxes } = tf.broadcast_util;

/** dy summed over the axes that broadcasting added to `shape`, as `shape` (Add's and Sub's gradients). */
function unbroadcast(dy: tf.Tensor, shape: number[], outShape: number[]): tf.Tensor {
  const axes = getReductionAxes(shape, outShape);
  return tf.reshape(axes.length > 0 ? tf.sum(dy, axes) : dy, shape);
}

/** dy broadcast back over the reduced axes of x, as Sum's and Mean's gradients expand it. */
function expandReduced(dy: tf.Tensor, x: tf.Tensor, axis: number | number[]): tf.Tensor {
  const shape = x.shape.slice();
  for (const a of tf.util.parseAxisParam(axis, x.shape)) shape[a] = 1;
  return tf.mul(tf.reshape(dy, shape), tf.ones(x.shape, "float32"));
}

const GRADIENTS: tf.GradConfig[] = [
  {
    kernelName: tf.Add,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => {
      const out = assertAndGetBroadcastShape(a.shape, b.shape);
      return { a: () => unbroadcast(dy as tf.Tensor, a.shape, out), b: () => unbroadcast(dy as tf.Tensor, b.shape, out) };
    },
  },
  {
    kernelName: tf.Sub,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => {
      const out = assertAndGetBroadcastShape(a.shape, b.shape);
      const db = () => {
        const axes = getReductionAxes(b.shape, out);
        return tf.reshape(tf.neg(axes.length > 0 ? tf.sum(dy as tf.Tensor, axes) : (dy as tf.Tensor)), b.shape);
      };
      return { a: () => unbroadcast(dy as tf.Tensor, a.shape, out), b: db };
    },
  },
  {
    kernelName: tf.Multiply,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => {
      const out = assertAndGetBroadcastShape(a.shape, b.shape);
      const times = (other: tf.Tensor, shape: number[]) => () => {
        const res = tf.mul(dy as tf.Tensor, tf.cast(other, "float32"));
        const axes = getReductionAxes(shape, out);
        return axes.length > 0 ? tf.reshape(tf.sum(res, axes), shape) : res;
      };
      return { a: times(b, a.shape), b: times(a, b.shape) };
    },
  },
  {
    kernelName: tf.RealDiv,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b]) => {
      const out = assertAndGetBroadcastShape(a.shape, b.shape);
      const da = () => {
        const res = tf.div(dy as tf.Tensor, tf.cast(b, "float32"));
        const axes = getReductionAxes(a.shape, out);
        return axes.length > 0 ? tf.reshape(tf.sum(res, axes), a.shape) : res;
      };
      const db = () => {
        let res = tf.mul(dy as tf.Tensor, tf.cast(a, "float32"));
        const axes = getReductionAxes(b.shape, out);
        if (axes.length > 0) res = tf.reshape(tf.sum(res, axes), b.shape);
        return tf.neg(tf.div(res, tf.cast(tf.square(b), "float32")));
      };
      return { a: da, b: db };
    },
  },
  { kernelName: tf.Neg, gradFunc: (dy) => ({ x: () => tf.neg(dy as tf.Tensor) }) },
  {
    kernelName: tf.Square,
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(tf.cast(x, "float32"), 2)) }),
  },
  {
    kernelName: tf.Sqrt,
    inputsToSave: ["x"],
    gradFunc: (dy, [x]) => ({ x: () => tf.div(dy as tf.Tensor, tf.mul(tf.sqrt(tf.cast(x, "float32")), 2)) }),
  },
  {
    kernelName: tf.Sigmoid,
    outputsToSave: [true],
    gradFunc: (dy, [y]) => ({ x: () => tf.mul(dy as tf.Tensor, tf.mul(y, tf.sub(tf.scalar(1), y))) }),
  },
  {
    kernelName: tf.Softmax,
    outputsToSave: [true],
    gradFunc: (dy, [y], attrs) => {
      const dyTimesY = tf.mul(dy as tf.Tensor, y);
      return { logits: () => tf.sub(dyTimesY, tf.mul(tf.sum(dyTimesY, [(attrs as unknown as tf.SoftmaxAttrs).dim], true), y)) };
    },
  },
  {
    kernelName: tf.Sum,
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const dx = expandReduced(dy as tf.Tensor, x, (attrs as unknown as tf.SumAttrs).axis);
      return { x: () => dx };
    },
  },
  {
    kernelName: tf.Mean,
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const axes = tf.util.parseAxisParam((attrs as unknown as tf.MeanAttrs).axis, x.shape);
      const reduceSize = tf.util.sizeFromShape(tf.backend_util.computeOutAndReduceShapes(x.shape, axes)[1]);
      return { x: () => tf.div(expandReduced(dy as tf.Tensor, x, axes), reduceSize) };
    },
  },
  { kernelName: tf.Reshape, inputsToSave: ["x"], gradFunc: (dy, [x]) => ({ x: () => tf.reshape(dy as tf.Tensor, x.shape) }) },
  {
    kernelName: tf.Transpose,
    gradFunc: (dy, _saved, attrs) => ({
      x: () => tf.transpose(dy as tf.Tensor, tf.backend_util.getUndoAxesPermutation((attrs as unknown as tf.TransposeAttrs).perm)),
    }),
  },
  {
    kernelName: tf.Slice,
    inputsToSave: ["x"],
    gradFunc: (dy, [x], attrs) => {
      const { begin, size } = attrs as unknown as tf.SliceAttrs;
      const [begin_, size_] = tf.slice_util.parseSliceParams(x, begin, size);
      const paddings = x.shape.map((n, i) => [begin_[i], n - begin_[i] - size_[i]] as [number, number]);
      return { x: () => tf.pad(dy as tf.Tensor, paddings) };
    },
  },
  {
    kernelName: tf.BatchMatMul,
    inputsToSave: ["a", "b"],
    gradFunc: (dy, [a, b], attrs) => {
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      const d = dy as tf.Tensor;
      if (!transposeA && !transposeB) return { a: () => tf.matMul(d, b, false, true), b: () => tf.matMul(a, d, true, false) };
      if (!transposeA && transposeB) return { a: () => tf.matMul(d, b, false, false), b: () => tf.matMul(d, a, true, false) };
      if (transposeA && !transposeB) return { a: () => tf.matMul(b, d, false, true), b: () => tf.matMul(a, d, false, false) };
      return { a: () => tf.matMul(b, d, true, true), b: () => tf.matMul(d, a, true, true) };
    },
  },
  { kernelName: tf.Cast, gradFunc: (dy) => ({ x: () => (dy as tf.Tensor).clone() }) },
  { kernelName: tf.Identity, gradFunc: (dy) => ({ x: () => tf.cast(dy as tf.Tensor, "float32") }) },
];

/** Registers each gradient that is not registered yet (a native tfjs-node loads tfjs's full set, which stays). */
export function registerGradients(): void {
  for (const config of GRADIENTS) if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
}
