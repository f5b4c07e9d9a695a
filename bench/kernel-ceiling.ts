// `bench:train --kernels`: how close Refit's matrix products come to the ceiling, at the shapes
// of each model's dense layers (x·W forward, dy·Wᵀ and xᵀ·dy backward, ones·dy for biases, as
// model/gpt.ts runs them). In one run, with rounds interleaved and the best of each kept, since a
// busy machine only ever slows a call: the peak of 128-bit relaxed-SIMD FMA in this Node
// (fma-peak.wat), kernels/matmul.wasm's GFLOP/s per shape, and numpy's single-thread sgemm
// (sgemm.py; OpenBLAS, the library PyTorch's CPU products call) at the same shapes. Operands
// rotate through 64 MB, so that, as in training, they come from L3 or memory, not L1 and L2.
// `--against FILE` times another build of matmul.wasm beside the committed one (e.g. from
// `git show REV:src/pipeline/kernels/matmul.wasm`) and checks that both give the same bits.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { assembleFile } from "../src/pipeline/kernels/build.ts";
import { kernelModule } from "../src/pipeline/kernels/load.ts";

export interface KernelModel {
  nLayers: number;
  dModel: number;
  batchSize: number;
  nCtx: number;
}

/** A product C[m, n] = op(A)·op(B) over k: nn A·B, nt A·Bᵀ (dy·Wᵀ), tn Aᵀ·B (xᵀ·dy). */
interface Shape {
  form: "nn" | "nt" | "tn";
  m: number;
  n: number;
  k: number;
  /** Calls per training step. */
  calls: number;
  what: string;
}

/** The byte vocabulary (256 bytes and BOS). */
const VOCAB = 257;
const ARENA_BYTES = 64 << 20;

/** The dense products of one training step (gpt.ts: q, k and v are three [d, d] slices of c_attn). */
export function denseShapes(m: KernelModel): Shape[] {
  const [L, d, f, N, V] = [m.nLayers, m.dModel, 4 * m.dModel, m.batchSize * m.nCtx, VOCAB];
  return [
    { form: "nn", m: N, n: d, k: d, calls: 4 * L, what: "x·W: q, k, v, attention out" },
    { form: "nn", m: N, n: f, k: d, calls: L, what: "x·W: MLP in" },
    { form: "nn", m: N, n: d, k: f, calls: L, what: "x·W: MLP out" },
    { form: "nn", m: N, n: V, k: d, calls: 1, what: "x·W: head" },
    { form: "nt", m: N, n: d, k: d, calls: 4 * L, what: "dy·Wᵀ: q, k, v, attention out" },
    { form: "nt", m: N, n: d, k: f, calls: L, what: "dy·Wᵀ: MLP in" },
    { form: "nt", m: N, n: f, k: d, calls: L, what: "dy·Wᵀ: MLP out" },
    { form: "nt", m: N, n: d, k: V, calls: 1, what: "dy·Wᵀ: head" },
    { form: "tn", m: d, n: d, k: N, calls: 4 * L, what: "xᵀ·dy: q, k, v, attention out" },
    { form: "tn", m: d, n: f, k: N, calls: L, what: "xᵀ·dy: MLP in" },
    { form: "tn", m: f, n: d, k: N, calls: L, what: "xᵀ·dy: MLP out" },
    { form: "tn", m: d, n: V, k: N, calls: 1, what: "xᵀ·dy: head" },
    { form: "nn", m: 1, n: d, k: N, calls: 5 * L, what: "ones·dy: biases" },
    { form: "nn", m: 1, n: f, k: N, calls: L, what: "ones·dy: MLP in bias" },
  ];
}

interface Matmul {
  matmul_nt(A: number, B: number, C: number, batch: number, m: number, n: number, k: number): void;
  matmul_nn(A: number, B: number, C: number, batch: number, m: number, n: number, k: number, transA: number, work: number): void;
  /** Absent from builds before packing (--against), which ignore the work argument. */
  matmul_nn_work(m: number, n: number): number;
}

/** Refit's products in a memory of their own: an arena the operands rotate through, then matmul_nn's scratch. */
class Bench {
  readonly memory = new WebAssembly.Memory({ initial: ARENA_BYTES / 65536 });
  private at = 0;
  constructor() {
    const f = new Float32Array(this.memory.buffer, 0, ARENA_BYTES / 4);
    let seed = 1;
    for (let i = 0; i < f.length; i++) f[i] = ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  }

  /** Offsets of A, B and C for the next call, further along the arena (or at its start with `fixed`). */
  place(s: Shape, fixed = false): [number, number, number] {
    const bytes = [s.m * s.k, s.n * s.k, s.m * s.n].map((x) => (x * 4 + 63) & ~63);
    if (fixed || this.at + bytes[0] + bytes[1] + bytes[2] > ARENA_BYTES) this.at = 0;
    const A = this.at;
    this.at += bytes[0] + bytes[1] + bytes[2];
    return [A, A + bytes[0], A + bytes[0] + bytes[1]];
  }

  call(mm: Matmul, s: Shape, [A, B, C]: [number, number, number]): void {
    if (s.form === "nt") mm.matmul_nt(A, B, C, 1, s.m, s.n, s.k);
    else mm.matmul_nn(A, B, C, 1, s.m, s.n, s.k, s.form === "tn" ? 1 : 0, ARENA_BYTES);
  }

  /** Best milliseconds of `calls` calls, each on operands from further along the arena. */
  time(mm: Matmul, s: Shape, calls: number): number {
    let best = Infinity;
    for (let i = 0; i < calls; i++) {
      const at = this.place(s);
      const t0 = performance.now();
      this.call(mm, s, at);
      best = Math.min(best, performance.now() - t0);
    }
    return best;
  }

  /** The bits of C for one call on fixed operands. */
  bits(mm: Matmul, s: Shape): Buffer {
    const at = this.place(s, true);
    this.call(mm, s, at);
    return Buffer.from(new Uint8Array(this.memory.buffer, at[2], s.m * s.n * 4));
  }
}

/** GFLOP/s of each chain count of fma-peak.wat (10 ms or so each), kept in `best` when better. */
function fmaPeak(peak: Record<string, (n: number) => number>, best: Map<string, number>): void {
  for (const name of ["chains8", "chains12"]) {
    const chains = Number(name.slice("chains".length));
    const n = 5_000_000;
    const t0 = performance.now();
    peak[name](n);
    best.set(name, Math.max(best.get(name) ?? 0, (n * chains * 8) / (performance.now() - t0) / 1e6));
  }
}

interface Sgemm {
  gflops: number[];
  blas: string;
}

const gf = (s: Shape, ms: number) => (2 * s.m * s.n * s.k) / ms / 1e6;

export interface CeilingOptions<M> {
  rounds: number;
  against?: string;
  python: string;
  /** The reference's environment: the caller's, less OpenBLAS's tuning variables, one thread. */
  env: NodeJS.ProcessEnv;
  label: (m: M) => string;
}

interface Measured<M> {
  model: M;
  shapes: Shape[];
  /** Whether --against gives the same bits on every shape (null without it). */
  sameBits: boolean | null;
  /** Best milliseconds per shape, Refit's and --against's; numpy's best GFLOP/s. */
  mine: number[];
  other: number[] | null;
  numpy: number[] | null;
}

/** Prints the ceiling table for each model (markdown, as bench:train's). */
export async function printKernelCeiling<M extends KernelModel>(models: M[], o: CeilingOptions<M>): Promise<void> {
  const peakModule = new WebAssembly.Module(new Uint8Array(await assembleFile(new URL("fma-peak.wat", import.meta.url))));
  const peak = new WebAssembly.Instance(peakModule).exports as unknown as Record<string, (n: number) => number>;
  const peakBest = new Map<string, number>();
  const numpy = fs.existsSync(o.python) && spawnSync(o.python, ["-c", "import numpy"]).status === 0;
  let blas = "";
  const results: Measured<M>[] = [];
  for (const model of models) {
    const shapes = denseShapes(model);
    const bench = new Bench();
    const instance = (mod: WebAssembly.Module) => new WebAssembly.Instance(mod, { env: { memory: bench.memory } }).exports as unknown as Matmul;
    const mine = instance(kernelModule("matmul"));
    bench.memory.grow(Math.ceil(Math.max(...shapes.map((s) => mine.matmul_nn_work(s.m, s.n))) / 65536));
    const other = o.against ? instance(new WebAssembly.Module(fs.readFileSync(o.against))) : null;
    const r: Measured<M> = {
      model,
      shapes,
      sameBits: other ? shapes.every((s) => bench.bits(mine, s).equals(bench.bits(other, s))) : null,
      mine: shapes.map(() => Infinity),
      other: other ? shapes.map(() => Infinity) : null,
      numpy: numpy ? shapes.map(() => 0) : null,
    };
    for (let round = 0; round < o.rounds; round++) {
      fmaPeak(peak, peakBest);
      shapes.forEach((s, i) => {
        r.mine[i] = Math.min(r.mine[i], bench.time(mine, s, 5));
        if (other) r.other![i] = Math.min(r.other![i], bench.time(other, s, 5));
      });
      if (r.numpy) {
        const out = spawnSync(o.python, [new URL("sgemm.py", import.meta.url).pathname, JSON.stringify(shapes.map((s) => [s.form, s.m, s.n, s.k]))], { env: o.env, encoding: "utf8" });
        if (out.status !== 0) throw new Error(`sgemm.py failed: ${out.stderr}`);
        const got = JSON.parse(out.stdout.trim().split("\n").at(-1)!) as Sgemm;
        got.gflops.forEach((g, i) => (r.numpy![i] = Math.max(r.numpy![i], g)));
        blas = got.blas;
      }
    }
    results.push(r);
  }
  // Every table against the best peak of the whole run.
  const peakGflops = Math.max(...peakBest.values());
  for (const r of results) printModel(r, peakGflops, o);
  const peaks = [...peakBest].map(([name, g]) => `${g.toFixed(1)} GFLOP/s with ${name.slice("chains".length)} chains`).join(", ");
  console.log(`\n128-bit relaxed-SIMD FMA peak in Node ${process.versions.node}: ${peaks} (bench/fma-peak.wat, best of the rounds).`);
  console.log(numpy ? `numpy: ${blas}; one thread, OpenBLAS tuning variables removed.` : `numpy reference skipped: ${o.python} has no numpy (apt-get install python3-numpy).`);
}

function printModel<M extends KernelModel>({ model, shapes, sameBits, mine, other, numpy }: Measured<M>, peakGflops: number, o: CeilingOptions<M>): void {
  const head = ["product", "m × n × k", "calls/step", "refit GFLOP/s", ...(other ? ["--against GFLOP/s", "refit / against"] : []), "% of FMA peak", ...(numpy ? ["numpy GFLOP/s", "numpy / refit"] : [])];
  const row = (cells: string[]) => console.log(`| ${cells.join(" | ")} |`);
  const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
  console.log(`\n${o.label(model)}: dense products, best of ${o.rounds} rounds${sameBits === null ? "" : `; --against gives ${sameBits ? "the same bits" : "DIFFERENT bits"}`}\n`);
  row(head);
  row(head.map(() => "---"));
  shapes.forEach((s, i) => {
    const g = gf(s, mine[i]);
    row([
      s.what,
      `${s.m} × ${s.n} × ${s.k}`,
      String(s.calls),
      g.toFixed(1),
      ...(other ? [gf(s, other[i]).toFixed(1), ratio(g, gf(s, other[i]))] : []),
      `${((100 * g) / peakGflops).toFixed(0)}%`,
      ...(numpy ? [numpy[i].toFixed(1), ratio(numpy[i], g)] : []),
    ]);
  });
  // A step's dense products at these best times: milliseconds and the GFLOP/s they average.
  const flop = shapes.reduce((a, s) => a + s.calls * 2 * s.m * s.n * s.k, 0) / 1e6;
  const stepMs = (perShape: number[]) => shapes.reduce((a, s, i) => a + s.calls * perShape[i], 0);
  const cell = (ms: number) => `${ms.toFixed(1)} ms (${(flop / ms).toFixed(1)})`;
  const [mineMs, otherMs, numpyMs] = [stepMs(mine), other && stepMs(other), numpy && stepMs(shapes.map((s, i) => gf(s, 1) / numpy[i]))];
  row([
    "one step's dense products: ms (GFLOP/s)",
    `${(flop / 1e3).toFixed(2)} GFLOP`,
    String(shapes.reduce((a, s) => a + s.calls, 0)),
    cell(mineMs),
    ...(otherMs ? [cell(otherMs), ratio(otherMs, mineMs)] : []),
    `${((100 * flop) / mineMs / peakGflops).toFixed(0)}%`,
    ...(numpyMs ? [cell(numpyMs), ratio(mineMs, numpyMs)] : []),
  ]);
}
