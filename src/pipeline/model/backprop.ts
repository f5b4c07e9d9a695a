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
 * The gradient of each tensor so far, by tensor id. One tensor object can hold the gradient of two
 * ids (a gradient function may pass dy through), so an object is freed only when no id holds it.
 */
class Gradients {
  private byId = new Map<number, tf.Tensor>();
  private holders = new Map<tf.Tensor, number>();

  get(id: number): tf.Tensor | undefined {
    return this.byId.get(id);
  }

  /** Adds the term dx to id's gradient (tfjs's order: the sum so far, then dx), freeing what the sum replaces. */
  add(id: number, dx: tf.Tensor): void {
    const sofar = this.byId.get(id);
    if (!sofar) return this.hold(id, dx);
    const sum = tf.add(sofar, dx);
    this.release(id);
    this.hold(id, sum);
    if (!this.holders.has(dx)) dx.dispose();
  }

  /** Forgets id's gradient, freeing it unless another id holds the same object. */
  release(id: number): void {
    const g = this.byId.get(id);
    if (!g) return;
    this.byId.delete(id);
    const left = this.holders.get(g)! - 1;
    if (left > 0) this.holders.set(g, left);
    else (this.holders.delete(g), g.dispose());
  }

  private hold(id: number, g: tf.Tensor): void {
    this.byId.set(id, g);
    this.holders.set(g, (this.holders.get(g) ?? 0) + 1);
  }
}

/** The gradients of a node's inputs, in its inputs' order, from its outputs' gradients. */
function inputGradients(node: TapeNode, grads: Gradients): tf.Tensor[] {
  if (!node.gradient) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
  // One tidy around the whole node: a custom gradient computes every term when called, not when
  // its term is asked for, so what it computed on the way is freed here, not at the pass's end.
  return tf.tidy(() => {
    const fns = node.gradient!(node.outputs.map((o) => grads.get(o.id) ?? null));
    return Object.entries(node.inputs).map(([name, x]) => {
      if (!(name in fns)) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}.`);
      const dx = tf.tidy(() => fns[name]());
      if (dx.shape.join() !== x.shape.join()) throw new Error(`gradient of ${node.kernelName}'s input ${name} has shape [${dx.shape}], not [${x.shape}]`);
      return dx;
    });
  });
}

/**
 * Walks the path backwards from y: each node's input gradients are added in, then its outputs'
 * gradients and its saved tensors are freed, since no node before it reads them.
 */
function backpropagate(nodes: TapeNode[], y: tf.Tensor): Gradients {
  const grads = new Gradients();
  grads.add(y.id, tf.ones(y.shape));
  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i];
    const dxs = inputGradients(node, grads);
    Object.values(node.inputs).forEach((x, j) => grads.add(x.id, dxs[j]));
    for (const o of node.outputs) grads.release(o.id);
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
