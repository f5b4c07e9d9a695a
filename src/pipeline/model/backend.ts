// Picks and initialises the tfjs backend: native TensorFlow on a GPU it can see, then WebGPU on a
// hardware adapter (Dawn over Vulkan, model/webgpu.ts), then native TensorFlow on the CPU, when those
// load, else wasm (SIMD, one thread), else pure-JS cpu. `auto` never takes a software adapter;
// `--backend webgpu` does (that is how CI tests the path on Mesa's lavapipe).
// Detection is by trying to load and activate, never by looking in node_modules
// (see docs/kernels.md: the native packages cannot install on machines without internet).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import type { Adapter, BackendName, KernelPath } from "../artifacts/conventions.ts";
import { describeBlas, loadBlas, type KernelChoice } from "./blas.ts";
import { registerGradients } from "./gradients.ts";
import { installWasmKernels, useBlas } from "./wasm-kernels.ts";
import { initWebgpu, webgpuAdapter } from "./webgpu.ts";

export const BACKEND_CHOICES = ["auto", "tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

const NATIVE_PACKAGES: Record<"tensorflow-gpu" | "tensorflow", string> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
};

/** Thrown when the requested backend cannot run here; the CLI turns it into exit code 2. */
export class BackendError extends Error {
  override name = "BackendError";
}

export interface BackendOptions {
  /** Imports a native package; tests pass stand-ins, since the real ones cannot install everywhere. */
  load?: (pkg: string) => Promise<unknown>;
  /** Where `auto` says which backends it passed over, and why (one line). */
  notice?: (line: string) => void;
  /** Which kernels do the wasm backend's dense products (default wasm: its own); `auto` says what it took and why. */
  kernels?: KernelChoice;
}

/** The one-line reason a native package did not import. */
function loadFailure(pkg: string, e: unknown): string {
  const err = e as { code?: string; message?: string };
  const notInstalled = (err.code === "ERR_MODULE_NOT_FOUND" || err.code === "MODULE_NOT_FOUND") && err.message?.includes(pkg);
  return notInstalled ? `${pkg} is not installed` : `${pkg} failed to load (${String(err.message).split("\n")[0]})`;
}

/**
 * libtensorflow runs on the CPU, without an error, when it finds no GPU or cannot load CUDA or
 * cuDNN; tfjs-node's backend records whether TensorFlow listed a GPU device.
 */
const tensorflowSeesGpu = (): boolean => (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;

async function tryNative(name: "tensorflow-gpu" | "tensorflow", load: (pkg: string) => Promise<unknown>): Promise<string | null> {
  const pkg = NATIVE_PACKAGES[name];
  try {
    await load(pkg);
  } catch (e) {
    return loadFailure(pkg, e);
  }
  // Both native packages register under the name "tensorflow".
  if (!(await tf.setBackend("tensorflow"))) return `${pkg} loaded but the backend did not initialise`;
  if (name === "tensorflow-gpu" && !tensorflowSeesGpu()) {
    return `${pkg} loaded but TensorFlow sees no GPU device (it needs an NVIDIA driver, CUDA 11.2 and cuDNN 8.1: README, "Backends")`;
  }
  return null;
}

async function activate(name: BackendName, load: (pkg: string) => Promise<unknown>, auto: boolean): Promise<string | null> {
  if (name === "tensorflow-gpu" || name === "tensorflow") return tryNative(name, load);
  if (name === "webgpu") {
    let dawn: unknown;
    try {
      dawn = await load("webgpu");
    } catch (e) {
      return loadFailure("webgpu", e);
    }
    const got = await initWebgpu(dawn, load, { allowSoftware: !auto });
    return typeof got === "string" ? got : null;
  }
  return (await tf.setBackend(name)) ? null : `the ${name} backend did not initialise`;
}

/**
 * Activates a backend and returns its name, as recorded in every artifact: `tensorflow-gpu` only
 * when TensorFlow sees a GPU. An explicit choice that cannot run throws; `auto` takes the first
 * that can and says what it passed over.
 */
export async function initBackend(choice: BackendChoice = "auto", opts: BackendOptions = {}): Promise<BackendName> {
  const { load = (pkg: string) => import(pkg), notice = (line: string) => console.error(line) } = opts;
  const order: BackendName[] = choice === "auto" ? ["tensorflow-gpu", "webgpu", "tensorflow", "wasm", "cpu"] : [choice];
  const passed: string[] = [];
  await registerGradients();
  if (opts.kernels === "blas" && choice !== "wasm") throw new BackendError(`--kernels blas: the BLAS addon runs under the wasm backend; add --backend wasm`);
  for (const name of order) {
    const why = await activate(name, load, choice === "auto");
    if (why === null) {
      await tf.ready();
      if (name === "wasm") installWasmKernels();
      active = name === "wasm" ? chooseKernels(opts.kernels ?? "wasm", notice) : undefined;
      if (passed.length > 0) notice(`refit: backend auto: using ${name}; passed over ${passed.join("; ")}`);
      return name;
    }
    if (choice !== "auto") throw new BackendError(`--backend ${choice}: ${why}`);
    passed.push(`${name} (${why})`);
  }
  throw new BackendError(`--backend auto: no backend could run: ${passed.join("; ")}`);
}

let active: KernelPath | undefined;

/** The kernel path of the last initBackend: undefined unless the backend is wasm. */
export const activeKernels = (): KernelPath | undefined => active;

/** Loads the BLAS addon where asked (or where `auto` can), routes the dense products, and says why under auto. */
function chooseKernels(choice: KernelChoice, notice: (line: string) => void): KernelPath {
  const blas = choice === "wasm" ? null : loadBlas();
  if (blas === null || "unavailable" in blas) {
    if (blas && choice === "blas") throw new BackendError(`--kernels blas: ${blas.unavailable}`);
    if (blas) notice(`refit: kernels auto: using wasm (Refit's WebAssembly kernels), since ${blas.unavailable}`);
    useBlas(null);
    return { path: "wasm", blas: null };
  }
  if (choice === "auto") {
    const note = blas.note ? `; ${blas.note}` : "";
    notice(`refit: kernels auto: using blas (${describeBlas(blas.identity)}): the dense products run on the system BLAS, Refit's kernels natively beside them${note}`);
  }
  useBlas(blas.addon);
  return { path: "blas", blas: blas.identity };
}

/** The GPU adapter the active backend computes on (webgpu only), for run IDs and provenance; else null. */
export const activeAdapter = (): Adapter | null => (tf.getBackend() === "webgpu" ? webgpuAdapter() : null);
