// `npm run bench:family`: what one GPT-2-small-shaped family costs to capture and compare, in CPU
// seconds, as `refit capture` (anchor ablated) and `refit compare` run it on the default probes.
// The checkpoints are made here (12 layers, d768, 12 heads, GPT-2's vocabulary, Refit's GPT-2
// initialisation, one seed each), so nothing is downloaded; random weights cost what trained ones do.
// Each kernel path runs the CLI in a child process and is timed by the shell's `times` (user +
// system CPU of the children). `--refit PATH` times another checkout's bin/refit.mjs (say, the
// commit before a change), `--kernels none` passes no --kernels flag (for a checkout without one).
// Usage: node bench/family.ts [--seeds 5] [--layers 12] [--kernels wasm,blas] [--dir DIR] [--refit bin/refit.mjs]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";
import { saveCheckpoint } from "../src/pipeline/model/checkpoint.ts";
import { GPT2_SETTINGS, type GptConfig } from "../src/pipeline/model/config.ts";
import { initBackend } from "../src/pipeline/model/backend.ts";
import { initParams } from "../src/pipeline/model/gpt.ts";

const { values: a } = parseArgs({
  options: {
    seeds: { type: "string", default: "5" },
    layers: { type: "string", default: "12" },
    kernels: { type: "string", default: "wasm,blas" },
    dir: { type: "string", default: path.join(os.tmpdir(), "refit-bench-family") },
    refit: { type: "string", default: path.resolve(import.meta.dirname, "../bin/refit.mjs") },
  },
});
const seeds = Number(a.seeds);
const config: GptConfig = { nLayers: Number(a.layers), dModel: 768, nHeads: 12, dMlp: 3072, vocabSize: 50257, nCtx: 1024, ...GPT2_SETTINGS };

/** The checkpoints, made once per shape and reused by later runs. */
async function checkpoints(): Promise<string[]> {
  const dirs = Array.from({ length: seeds }, (_, s) => path.join(a.dir, `L${config.nLayers}-seed${s}`));
  await initBackend("cpu");
  for (const [seed, dir] of dirs.entries()) {
    if (fs.existsSync(path.join(dir, "config.json"))) continue;
    const params = initParams(config, seed);
    const weights = new Map([...params].map(([name, v]) => [name, { shape: v.shape, data: v.dataSync() as Float32Array }]));
    saveCheckpoint(dir, weights, { config, tokenizer: { name: "gpt2", bos: 50256 } });
    tf.dispose([...params.values()]);
  }
  return dirs;
}

/** CPU seconds (user + system) of a CLI command, from the shell's `times` of its children. */
function cpuSeconds(args: string[]): number {
  const quoted = [process.execPath, a.refit, ...args].map((s) => `'${s.replace(/'/g, "'\\''")}'`).join(" ");
  const r = spawnSync("bash", ["-c", `${quoted} >&2 || exit 1; times`], { encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${args[0]} failed:\n${r.stderr.slice(-2000)}`);
  const [, children] = r.stdout.trim().split("\n");
  return children.split(/\s+/).map((t) => { const [m, s] = t.replace("s", "").split("m"); return Number(m) * 60 + Number(s); }).reduce((x, y) => x + y, 0);
}

const dirs = await checkpoints();
console.log(`family of ${seeds} GPT-2-small-shaped checkpoints (L${config.nLayers} d768 H12, 40 default probes), ${a.refit}`);
console.log("kernels   capture (CPU s)   compare (CPU s)   total (CPU min)");
for (const kernels of a.kernels.split(",")) {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "refit-bench-family-out-"));
  const flag = kernels === "none" ? [] : ["--kernels", kernels];
  const capture = cpuSeconds(["capture", ...dirs, "--family", "gpt2ish", "--out", out, "--backend", "wasm", ...flag]);
  const compare = cpuSeconds(["compare", path.join(out, "gpt2ish")]);
  fs.rmSync(out, { recursive: true, force: true });
  console.log(`${kernels.padEnd(9)} ${capture.toFixed(0).padStart(15)}   ${compare.toFixed(0).padStart(15)}   ${((capture + compare) / 60).toFixed(1).padStart(15)}`);
}
