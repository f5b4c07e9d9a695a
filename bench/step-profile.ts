// `bench:train --profile`: where a training step's time goes, measured on real steps of trainRun.
// Three clocks nest: every call into Refit's wasm kernels (model/wasm-kernels.ts observes them),
// every registered tfjs kernel of the backend (re-registered here behind a timer), and every
// outermost dispatch through tfjs's engine (runKernelFunc). What lies between them is tfjs's
// bookkeeping; data is timed apart on the same batches; the rest of the step is printed as the
// unattributed remainder, so the lines add up to the measured step time. The clocks cost time
// themselves, so profiled steps run slower than plain ones (the bench prints both).
import * as tf from "@tensorflow/tfjs-core";
import { trainBatch } from "../src/pipeline/data/batches.ts";
import { observeKernelCalls } from "../src/pipeline/model/wasm-kernels.ts";
import type { Run } from "../src/pipeline/suite/grid.ts";

export interface StepProfile {
  /** Milliseconds per profiled step, as measured around the steps. */
  msPerStep: number;
  /** Where it went, per step; the last line is the remainder, so they sum to msPerStep. */
  lines: { where: string; ms: number }[];
}

/** Refit's kernel calls by what they do in a step; batched products (batch > 1) are attention's. */
function wasmCategory(kernel: string, args: number[]): string {
  if (kernel === "blas.sgemm") return args[3] > 1 ? "attention: batched products q·kᵀ, pattern·v (BLAS)" : "dense layers (BLAS)";
  if (kernel.startsWith("blas.")) return `${kernel.slice("blas.".length).replace("Backward", "")} (native)`;
  if (kernel.startsWith("matmul.")) return args[3] > 1 ? "attention: batched products q·kᵀ, pattern·v (wasm)" : "matmul kernels: dense layers (wasm)";
  if (kernel.startsWith("softmax.causal")) return "attention: causal softmax (wasm)";
  if (kernel.startsWith("softmax.")) return "loss: row softmax and its gradient (wasm)";
  if (kernel === "adam.adam") return "optimizer: fused AdamW (wasm)";
  return `${kernel.split(".")[0]} (wasm)`;
}

/** Stock kernels that only the optimizer's gradient clipping runs. */
const CLIPPING = new Set(["Square", "AddN", "Sqrt"]);

interface Engine {
  runKernelFunc(...a: unknown[]): unknown;
}

export function startStepProfile(run: Run, train: Int32Array) {
  const wasm = new Map<string, number>();
  const kernels = new Map<string, number>();
  let wasmInKernels = 0;
  let engineMs = 0;
  let inKernel = 0;
  const add = (m: Map<string, number>, k: string, ms: number) => m.set(k, (m.get(k) ?? 0) + ms);

  observeKernelCalls((kernel, args, ms) => {
    add(wasm, wasmCategory(kernel, args), ms);
    if (inKernel > 0) wasmInKernels += ms;
  });
  const backendName = tf.getBackend();
  for (const config of tf.getKernelsForBackend(backendName)) {
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({
      ...config,
      kernelFunc: (a) => {
        const t0 = performance.now();
        inKernel++;
        try {
          return config.kernelFunc(a);
        } finally {
          inKernel--;
          add(kernels, config.kernelName, performance.now() - t0);
        }
      },
    });
  }
  // Outermost dispatches only: a custom gradient's forward runs its ops inside its own dispatch.
  const engine = tf.engine() as unknown as Engine;
  const dispatch = engine.runKernelFunc.bind(engine);
  let depth = 0;
  engine.runKernelFunc = (...a: unknown[]) => {
    const t0 = depth === 0 ? performance.now() : 0;
    depth++;
    try {
      return dispatch(...a);
    } finally {
      depth--;
      if (depth === 0) engineMs += performance.now() - t0;
    }
  };

  let frozen: { wasm: Map<string, number>; kernels: Map<string, number>; wasmInKernels: number; engineMs: number } | null = null;
  return {
    reset(): void {
      wasm.clear();
      kernels.clear();
      wasmInKernels = engineMs = 0;
    },
    stop(): void {
      frozen ??= { wasm: new Map(wasm), kernels: new Map(kernels), wasmInKernels, engineMs };
      observeKernelCalls(null);
    },
    result(steps: number, msPerStep: number): StepProfile {
      const f = frozen!;
      const per = (ms: number) => ms / steps;
      const lines: StepProfile["lines"] = [...f.wasm].sort((a, b) => b[1] - a[1]).map(([where, ms]) => ({ where, ms: per(ms) }));
      const refitKernels = [...f.kernels].filter(([k]) => k.startsWith("Refit") || k === "BatchMatMul");
      const stock = [...f.kernels].filter(([k]) => !(k.startsWith("Refit") || k === "BatchMatMul")).sort((a, b) => b[1] - a[1]);
      const sum = (xs: [string, number][]) => xs.reduce((s, [, x]) => s + x, 0);
      lines.push({ where: "Refit kernels' JS around the wasm (outputs, offsets)", ms: per(sum(refitKernels) - f.wasmInKernels) });
      for (const [k, ms] of stock) lines.push({ where: `${CLIPPING.has(k) ? "optimizer: gradient clipping" : "stock tfjs kernel"} ${k}`, ms: per(ms) });
      lines.push({ where: "tfjs dispatch and bookkeeping around kernels (engine)", ms: per(f.engineMs - sum([...f.kernels])) });
      lines.push({ where: "data: batch sampling and its tensors (timed apart, same batches)", ms: dataMs(run, train, steps) });
      // The lines so far are the engine's time (kernels, their wasm, dispatch) plus wasm called
      // outside it (the fused AdamW), plus data.
      const attributed = lines.reduce((s, l) => s + l.ms, 0);
      lines.push({ where: "unattributed: JS outside dispatch (op wrappers, tape and backprop, tidy and dispose, loss read, Refit's JS)", ms: msPerStep - attributed });
      return { msPerStep, lines };
    },
  };
}

/** ms per step of making the same steps' batches and their tensors, as train.ts does. */
function dataMs(run: Run, train: Int32Array, steps: number): number {
  const { batchSize, dataSeed = run.seed } = run.config.train;
  const nCtx = run.config.data.nCtx;
  const t0 = performance.now();
  for (let step = 0; step < steps; step++) {
    const b = trainBatch(train, { batchSize, nCtx, dataSeed, step });
    tf.dispose([tf.tensor2d(b.inputs, [batchSize, nCtx], "int32"), tf.tensor1d(b.targets, "int32")]);
  }
  return (performance.now() - t0) / steps;
}

/** The profile as a Markdown table, with shares of the step and a total that equals it. */
export function formatProfile(p: StepProfile): string {
  const rows = p.lines.map((l) => `| ${l.where} | ${l.ms.toFixed(2)} | ${((100 * l.ms) / p.msPerStep).toFixed(1)}% |`);
  return [`| where | ms/step | share |`, `|---|---|---|`, ...rows, `| total (measured step) | ${p.msPerStep.toFixed(2)} | 100% |`].join("\n");
}
