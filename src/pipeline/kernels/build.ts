// `npm run kernels`: assembles each hand-written WebAssembly kernel (*.wat beside this file)
// into the .wasm that is committed and loaded at run time, so running Refit needs no toolchain.
// test/pipeline/kernels checks that the committed binaries are what these sources assemble to.
import * as fs from "node:fs";
import initWabt from "wabt";

import { KERNELS, type KernelName } from "./load.ts";

export async function assemble(name: KernelName): Promise<Uint8Array> {
  return assembleFile(new URL(`${name}.wat`, import.meta.url));
}

/** Any WebAssembly text file, with the features the kernels use (the benches assemble theirs at run time). */
export async function assembleFile(file: URL): Promise<Uint8Array> {
  const wabt = await initWabt();
  const features = { simd: true, relaxed_simd: true, multi_value: true, bulk_memory: true, threads: true };
  const module = wabt.parseWat(file.pathname, fs.readFileSync(file, "utf8"), features);
  try {
    // wabt's validate() takes the feature set too (its .d.ts omits the parameter).
    (module.validate as (f: typeof features) => void).call(module, features);
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

if (import.meta.main) {
  for (const name of KERNELS) {
    const bytes = await assemble(name);
    fs.writeFileSync(new URL(`${name}.wasm`, import.meta.url), bytes);
    console.log(`${name}.wasm: ${bytes.length} bytes`);
  }
}
