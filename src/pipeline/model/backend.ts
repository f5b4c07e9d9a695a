// Picks and initialises the tfjs backend: native TensorFlow (GPU, then CPU) when those optional
// packages are installed and load, else wasm (SIMD, one thread), else pure-JS cpu.
// Detection is by trying to load and activate, never by looking in node_modules
// (see docs/kernels.md: the native packages cannot install on machines without internet).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import "@tensorflow/tfjs-backend-wasm";
import type { BackendName } from "../artifacts/schemas.ts";
import { registerGradients } from "./gradients.ts";
import { installWasmKernels } from "./wasm-kernels.ts";

export const BACKEND_CHOICES = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

const NATIVE_PACKAGES: Record<"tensorflow-gpu" | "tensorflow", string> = {
  "tensorflow-gpu": "@tensorflow/tfjs-node-gpu",
  tensorflow: "@tensorflow/tfjs-node",
};

/** Thrown when the requested backend cannot run here; the CLI turns it into exit code 2. */
export class BackendError extends Error {
  override name = "BackendError";
}

async function tryNative(name: "tensorflow-gpu" | "tensorflow"): Promise<string | null> {
  try {
    await import(NATIVE_PACKAGES[name]);
  } catch (e) {
    return `${NATIVE_PACKAGES[name]} is not installed or failed to load (${(e as Error).message.split("\n")[0]})`;
  }
  // Both native packages register under the name "tensorflow".
  return (await tf.setBackend("tensorflow")) ? null : `${NATIVE_PACKAGES[name]} loaded but the backend did not initialise`;
}

async function activate(name: BackendName): Promise<string | null> {
  if (name === "tensorflow-gpu" || name === "tensorflow") return tryNative(name);
  return (await tf.setBackend(name)) ? null : `the ${name} backend did not initialise`;
}

/** Activates a backend and returns its name, as recorded in every artifact. */
export async function initBackend(choice: BackendChoice = "auto"): Promise<BackendName> {
  const order: BackendName[] = choice === "auto" ? ["tensorflow-gpu", "tensorflow", "wasm", "cpu"] : [choice];
  const reasons: string[] = [];
  registerGradients();
  for (const name of order) {
    const why = await activate(name);
    if (why === null) {
      await tf.ready();
      if (name === "wasm") installWasmKernels();
      return name;
    }
    reasons.push(`${name}: ${why}`);
  }
  throw new BackendError(`no usable tfjs backend for --backend ${choice}:\n  ${reasons.join("\n  ")}`);
}
