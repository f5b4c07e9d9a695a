// The committed WebAssembly kernels (see build.ts), each compiled once, on first use, so that
// importing a module that can use one (as the site does through the compare stage) reads no file.
import * as fs from "node:fs";

/** Every kernel, each a <name>.wat source beside this file and its committed <name>.wasm. */
export const KERNELS = ["cbar", "matmul", "adam", "layernorm", "gelu", "rows", "softmax", "gram"] as const;
export type KernelName = (typeof KERNELS)[number];

const compiled = new Map<KernelName, WebAssembly.Module>();

export function kernelModule(name: KernelName): WebAssembly.Module {
  let module = compiled.get(name);
  if (!module) {
    module = new WebAssembly.Module(fs.readFileSync(new URL(`${name}.wasm`, import.meta.url)));
    compiled.set(name, module);
  }
  return module;
}
