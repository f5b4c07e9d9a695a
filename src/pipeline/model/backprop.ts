// Gradients of a scalar with respect to variables, as tf.variableGrads computes them, but freeing
// memory as the backward pass goes. tfjs keeps every tensor the forward saved for a gradient, and
// every gradient it computes (one per intermediate tensor, and each partial sum's terms), until
// the whole backward pass has ended, so training's peak is the activations plus a gradient for
// each of them; on the wasm backend that peak is the heap's size for the rest of the process,
// since WebAssembly memory never shrinks. Here each tape node's saved tensors and its outputs'
// gradients are freed as soon as the node has run, and the terms of a sum once they are added,
// as PyTorch's autograd does. The arithmetic is tfjs's own: the same gradient functions on the
// same tape nodes, in the same order, with the same adds, so the gradients are bit-identical
// (test/pipeline/model/backprop.test.ts holds it).
import * as tf from "@tensorflow/tfjs-core";

/** One node of tfjs's gradient tape (tfjs-core's tape.ts; not exported by its entry point). */
interface TapeNode {
  kernelName: string;
  inputs: Record<string, tf.Tensor>;
  outputs: tf.Tensor[];
  saved?: tf.Tensor[];
  gradient?: (dys: (tf.Tensor | null)[]) => Record<string, () => tf.Tensor>;
}

/** The members of tfjs's Engine that tf.variableGrads itself uses. */
interface TapingEngine {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  startTape(): void;
  endTape(): void;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

/**
 * The nodes on a path from xs to y, in tape order, each with only the inputs that depend on xs:
 * the nodes, and the inputs, whose gradients backpropagation needs (tfjs's rule).
 */
function pathNodes(tape: TapeNode[], xs: tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromX = new Set(xs.map((x) => x.id));
  const nodesFromX = new Set<TapeNode>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromX.has(t.id))) {
      nodesFromX.add(node);
      for (const o of node.outputs) fromX.add(o.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<TapeNode>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (!node.outputs.some((o) => toY.has(o.id))) continue;
    nodesToY.add(node);
    for (const t of Object.values(node.inputs)) toY.add(t.id);
  }
  return tape
    .filter((node) => nodesFromX.has(node) && nodesToY.has(node))
    .map((node) => ({ ...node, inputs: Object.fromEntries(Object.entries(node.inputs).filter(([, t]) => fromX.has(t.id))) }));
}

/**
 * The gradient of each tensor on the path, by tensor id, freeing what no later node reads: the
 * gradient of a node's outputs and its saved tensors once it has run, a sum's terms once added.
 * A tensor object can hold the gradient of two ids (a gradient function may pass dy through), so
 * one is freed only when no id still holds it.
 */
function backpropagate(nodes: TapeNode[], y: tf.Tensor): Map<number, tf.Tensor> {
  const grads = new Map<number, tf.Tensor>([[y.id, tf.ones(y.shape)]]);
  const holders = new Map<tf.Tensor, number>([[grads.get(y.id)!, 1]]);
  const hold = (id: number, g: tf.Tensor) => {
    grads.set(id, g);
    holders.set(g, (holders.get(g) ?? 0) + 1);
  };
  const release = (id: number) => {
    const g = grads.get(id);
    if (!g) return;
    grads.delete(id);
    const left = holders.get(g)! - 1;
    if (left > 0) holders.set(g, left);
    else (holders.delete(g), g.dispose());
  };
  const freeIfLoose = (t: tf.Tensor) => {
    if (!holders.has(t)) t.dispose();
  };
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
    const fns = node.gradient(node.outputs.map((o) => grads.get(o.id) ?? null));
    for (const [name, x] of Object.entries(node.inputs)) {
      if (!(name in fns)) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
      const dx = tf.tidy(() => fns[name]());
      if (dx.shape.join() !== x.shape.join()) throw new Error(`gradient of ${node.kernelName}'s input ${name} has shape [${dx.shape}], not [${x.shape}]`);
      const sofar = grads.get(x.id);
      if (!sofar) {
        hold(x.id, dx);
        continue;
      }
      const sum = tf.add(sofar, dx); // tfjs's order: the sum so far, then this term
      release(x.id);
      hold(x.id, sum);
      freeIfLoose(dx);
    }
    for (const o of node.outputs) release(o.id);
    for (const s of node.saved ?? []) s.dispose();
  }
  return grads;
}

/**
 * tf.variableGrads(f, vars) with gradients keyed by the map's own names: the value of f (a scalar)
 * and its gradient with respect to each variable, the same bits, at a lower peak of memory.
 */
export function leanVariableGrads(f: () => tf.Scalar, vars: ReadonlyMap<string, tf.Variable>): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = tf.engine() as unknown as TapingEngine;
  const xs = [...vars.values()];
  const y = engine.scopedRun(
    () => engine.startTape(),
    () => engine.endTape(),
    () => engine.tidy("forward", f),
  );
  const tape = engine.state.activeTape!;
  return engine.tidy("backward", () => {
    const grads = backpropagate(pathNodes(tape, xs, y), y);
    const named: tf.NamedTensorMap = {};
    for (const [name, v] of vars) {
      const g = grads.get(v.id);
      if (!g) throw new Error(`no gradient reaches parameter ${name}`);
      named[name] = g;
    }
    if (engine.state.gradientDepth === 0) {
      for (const node of tape) for (const s of node.saved ?? []) s.dispose();
      engine.state.activeTape = null;
    }
    return { value: y, grads: named };
  });
}
