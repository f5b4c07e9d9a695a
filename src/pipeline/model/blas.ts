// The optional BLAS addon (native/refit_blas.c, built by `npm ci` where a C compiler and OpenBLAS
// are installed): loading it, the identity of the library it runs, and the choice between it and
// the wasm kernels (`--kernels auto|blas|wasm`). It takes over the dense products, and Refit's
// kernels around them (GELU, softmaxes, attention, LayerNorm, Adam, bias adds) with the same bits
// as the wasm kernels and the op-by-op path give on it; stock tfjs ops stay on wasm. One BLAS
// thread per process: workers are already one per core.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import { fileURLToPath } from "node:url";

export const KERNEL_CHOICES = ["auto", "blas", "wasm"] as const;
export type KernelChoice = (typeof KERNEL_CHOICES)[number];
export type KernelPathName = Exclude<KernelChoice, "auto">;

/** What the loaded BLAS is: recorded in every run, and part of a blas run's ID. */
export interface BlasIdentity {
  /** Library and version, e.g. "OpenBLAS 0.3.21". */
  library: string;
  /** The CPU kernels OpenBLAS chose (or was told to use), e.g. "SkylakeX". */
  coreType: string;
  threads: number;
}

export interface BlasAddon {
  /** C = op(A)·op(B) for `batch` row-major matrices at byte offsets into `memory`, plus the row at `bias` unless it is -1. */
  sgemm(memory: ArrayBuffer, a: number, b: number, c: number, batch: number, m: number, n: number, k: number, transA: number, transB: number, bias: number): void;
  /** h = gelu_new(x) over n floats, bit-identical to the wasm path's ops (native/elementwise.c). */
  gelu(memory: ArrayBuffer, x: number, h: number, n: number, K: number, c: number): void;
  /** gelu_new(x) again into h, and dx = dh · gelu_new'(x), bit-identical to the wasm path's. */
  geluBackward(memory: ArrayBuffer, x: number, dh: number, h: number, dx: number, n: number, K: number, c: number): void;
  /** kernels/softmax.wat's four kernels, bit-identical (native/softmax.c); the loss's return the first row with a bad target, or -1. */
  causalSoftmax(memory: ArrayBuffer, x: number, y: number, mats: number, T: number, s: number): void;
  causalSoftmaxGrad(memory: ArrayBuffer, y: number, dy: number, dx: number, mats: number, T: number, s: number): void;
  softmaxRows(memory: ArrayBuffer, x: number, targets: number, p: number, m: number, sum: number, picked: number, n: number, V: number): number;
  crossEntropyGrad(memory: ArrayBuffer, p: number, targets: number, dloss: number, dx: number, n: number, V: number): number;
  /** Causal attention over [B*T, 3D] q|k|v rows into z [B*T, D] and pattern [B, H, T, T], and back (native/attention.c). */
  attention(memory: ArrayBuffer, qkv: number, pattern: number, z: number, B: number, T: number, H: number, dh: number, scale: number): void;
  attentionBackward(memory: ArrayBuffer, qkv: number, pattern: number, dz: number, dqkv: number, B: number, T: number, H: number, dh: number, scale: number): void;
  /** dx [N, D] = (dv·Wvᵀ + dk·Wkᵀ) + dq·Wqᵀ from dqkv [N, 3D] and c_attn's weight [D, 3D]. */
  qkvInputGrad(memory: ArrayBuffer, dqkv: number, W: number, dx: number, N: number, D: number): void;
  /** kernels/layernorm.wat's and adam.wat's kernels, same arguments after the memory, bit-identical (native/layernorm.c, elementwise.c). */
  layerNorm(memory: ArrayBuffer, x: number, g: number, b: number, y: number, mean: number, rstd: number, n: number, d: number, eps: number): void;
  layerNormBackward(memory: ArrayBuffer, dy: number, x: number, g: number, mean: number, rstd: number, dx: number, dg: number, db: number, n: number, d: number): void;
  adam(memory: ArrayBuffer, p: number, g: number, m: number, v: number, n: number, b1: number, c1: number, b2: number, c2: number, bc2: number, eps: number, step: number, decay: number, l2: number): void;
  identity(): { config: string; coreType: string; threads: number };
}

const NATIVE = new URL("../../../native/build/", import.meta.url);
const ADDON = fileURLToPath(new URL("refit_blas.node", NATIVE));
const UNAVAILABLE = fileURLToPath(new URL("unavailable.txt", NATIVE));

/**
 * OpenBLAS's fallbacks for a CPU it does not recognise (a virtual machine's "Intel Xeon Processor",
 * a CPU newer than the build): kernels without AVX, slower than Refit's wasm SIMD.
 */
const GENERIC_CORES = new Set(["Prescott", "Katmai", "Coppermine", "Northwood", "Banias", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Barcelona"]);

/** The core OpenBLAS should use on this CPU from its flags, for when it picked a generic one. */
function coreForFlags(): string | null {
  if (os.platform() !== "linux") return null;
  const flags = new Set(/^flags\s*:(.*)$/m.exec(fs.readFileSync("/proc/cpuinfo", "utf8"))?.[1].trim().split(/\s+/) ?? []);
  if (["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"].every((f) => flags.has(f))) return "SkylakeX";
  if (["avx2", "fma"].every((f) => flags.has(f))) return "Haswell";
  return null;
}

/**
 * OpenBLAS reads OPENBLAS_CORETYPE once, when it loads, so the core it would pick is asked of a
 * child process; where that is a generic core on a CPU with AVX2 or AVX-512, this process (and the
 * workers it forks) is told the right one. A core type set by the user is kept as it is.
 */
function chooseCoreType(): string | null {
  if (process.env.OPENBLAS_CORETYPE !== undefined) return null;
  const probe = spawnSync(process.execPath, ["-e", `console.log(require(${JSON.stringify(ADDON)}).identity().coreType)`], { encoding: "utf8", timeout: 30_000 });
  const picked = probe.stdout?.trim();
  const better = picked && GENERIC_CORES.has(picked) ? coreForFlags() : null;
  process.env.OPENBLAS_CORETYPE = better ?? picked ?? "";
  return better ? `OpenBLAS took this CPU (${os.cpus()[0]?.model.trim()}) for ${picked}; its flags run ${better}'s kernels` : null;
}

let loaded: { addon: BlasAddon; identity: BlasIdentity; note: string | null } | { unavailable: string } | undefined;

/** Loads the addon once per process: the addon and its identity, or why it cannot run here. */
export function loadBlas(): { addon: BlasAddon; identity: BlasIdentity; note: string | null } | { unavailable: string } {
  if (loaded) return loaded;
  if (!fs.existsSync(ADDON)) {
    const why = fs.existsSync(UNAVAILABLE)
      ? `: ${fs.readFileSync(UNAVAILABLE, "utf8").trim()}`
      : " (npm ci builds it where a C compiler and OpenBLAS are installed; npm run blas retries)";
    return (loaded = { unavailable: `the BLAS addon is not built${why}` });
  }
  process.env.OPENBLAS_NUM_THREADS = "1";
  const note = chooseCoreType();
  try {
    const addon = createRequire(import.meta.url)(ADDON) as BlasAddon;
    const { config, coreType, threads } = addon.identity();
    const library = config.split(" ").slice(0, 2).join(" ");
    return (loaded = { addon, identity: { library, coreType, threads }, note });
  } catch (e) {
    return (loaded = { unavailable: `the BLAS addon did not load (${String((e as Error).message).split("\n")[0]}); rebuild it with npm run blas` });
  }
}

/** "OpenBLAS 0.3.21, SkylakeX kernels, 1 thread": how the CLI and the bench name it. */
export const describeBlas = (b: BlasIdentity): string => `${b.library}, ${b.coreType} kernels, ${b.threads} thread${b.threads === 1 ? "" : "s"}`;

/** What `refit --version` says of the kernel paths on this machine. */
export function kernelsLine(): string {
  const blas = loadBlas();
  if ("unavailable" in blas) return `kernels: wasm (Refit's WebAssembly kernels); blas unavailable: ${blas.unavailable}`;
  const note = blas.note ? `; ${blas.note}` : "";
  return `kernels: blas (${describeBlas(blas.identity)}) under --kernels auto, or wasm (Refit's WebAssembly kernels) with --kernels wasm${note}`;
}
