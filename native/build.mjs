#!/usr/bin/env node
// Builds the optional BLAS addon (native/refit_blas.c) into native/build/refit_blas.node; run by
// `npm ci` (the package's install script) and by `npm run blas`. It never fails the install:
// without a C compiler or OpenBLAS it writes why to native/build/unavailable.txt, exits 0, and
// Refit trains on its wasm kernels (`--kernels auto` says so). node-gyp is not used: it fetches
// Node's headers from nodejs.org, which machines without internet cannot reach, and an N-API
// addon needs only node_api.h, which the node-api-headers package carries.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const outDir = path.join(here, "build");
const addon = path.join(outDir, "refit_blas.node");
const why = path.join(outDir, "unavailable.txt");
const SOURCES = ["refit_blas.c", "elementwise.c", "softmax.c", "attention.c", "layernorm.c"];

/** Linker flags for OpenBLAS: pkg-config's where it knows the library, else the plain name. */
function blasLibs() {
  const pc = spawnSync("pkg-config", ["--cflags", "--libs", "openblas"], { encoding: "utf8" });
  const flags = pc.status === 0 ? pc.stdout.trim().split(/\s+/).filter(Boolean) : ["-lopenblas"];
  // Homebrew keeps OpenBLAS out of the default search path.
  if (process.platform === "darwin") for (const p of ["/opt/homebrew/opt/openblas", "/usr/local/opt/openblas"]) {
    if (fs.existsSync(p)) flags.push(`-L${p}/lib`, `-Wl,-rpath,${p}/lib`);
  }
  return flags;
}

function build() {
  let include;
  try {
    include = path.join(path.dirname(createRequire(import.meta.url).resolve("node-api-headers/package.json")), "include");
  } catch {
    return "the node-api-headers package is not installed (run npm ci)";
  }
  const cc = process.env.CC || "cc";
  const tmp = `${addon}.${process.pid}.tmp`;
  // -ffp-contract=off: the elementwise kernels must round after every multiply and add, as the
  // wasm path does, or the blas path's bits would depend on the compiler's choice of FMA.
  // -fno-math-errno lets sqrtf be one instruction (it changes no value, only errno).
  const args = ["-O2", "-ffp-contract=off", "-fno-math-errno", "-shared", "-fPIC", "-std=gnu11", "-DNODE_GYP_MODULE_NAME=refit_blas", "-DNAPI_VERSION=8", `-I${include}`,
    ...SOURCES.map((f) => path.join(here, f)), "-o", tmp, ...blasLibs()];
  // N-API symbols come from the node binary at load time; macOS's linker must be told to allow that.
  if (process.platform === "darwin") args.push("-undefined", "dynamic_lookup");
  // A compiler without function multi-versioning (target_clones) builds plain vectors instead.
  let run = spawnSync(cc, args, { encoding: "utf8" });
  if (run.status !== 0 && !run.error) run = spawnSync(cc, [...args, "-DREFIT_NO_CLONES"], { encoding: "utf8" });
  if (run.error) return `no C compiler (${cc}: ${run.error.code ?? run.error.message}); on Debian: apt-get install build-essential libopenblas-dev`;
  if (run.status !== 0) {
    fs.rmSync(tmp, { force: true });
    const first = (run.stderr || run.stdout).split("\n").find((l) => /cannot find|not found|error/i.test(l)) ?? `exit ${run.status}`;
    return `${cc} could not build it (${first.trim()}); on Debian: apt-get install build-essential libopenblas-dev`;
  }
  fs.renameSync(tmp, addon);
  return null;
}

fs.mkdirSync(outDir, { recursive: true });
fs.rmSync(why, { force: true });
const failure = build();
if (failure === null) {
  console.log(`refit: built the BLAS addon ${path.relative(process.cwd(), addon)}`);
} else {
  fs.rmSync(addon, { force: true });
  fs.writeFileSync(why, `${failure}\n`);
  console.log(`refit: BLAS addon not built: ${failure}. Refit will train on its wasm kernels.`);
}
