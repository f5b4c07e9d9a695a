// `npm run bench:family`: what one GPT-2-small-shaped family (12 layers, d768, 12 heads, GPT-2's
// vocabulary, the 40 default probes as GPT-2 tokens) costs to capture and compare, in CPU seconds
// of this process, by its parts: reading one model's checkpoint and writing its capture (as
// capture/external.ts captureFamily does for each), the capture pass of one model, the anchor's
// head ablation, and the compare stage's residual CKA (99% of compare at this size). The weights are
// Refit's GPT-2 initialisation (random weights cost what trained ones do), written here as a
// GPT-2-small-shaped checkpoint, and the residual streams random, so nothing is downloaded. On a busy
// machine the capture and ablation run on the first --probes probes and are scaled to the 40 by
// token count (they are per-probe passes; the few fixed costs in them are scaled too, so a scaled
// figure is an upper bound), which the table says.
// `--from DIR` times another checkout's modules (say `git archive` of the commit before a change,
// with node_modules linked in); `--kernels` picks the kernel path where that checkout has them.
// Usage: node bench/family.ts [--seeds 5] [--probes 40] [--kernels blas|wasm] [--from DIR]
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as tf from "@tensorflow/tfjs-core";

const { values: a } = parseArgs({
  options: {
    seeds: { type: "string", default: "5" },
    probes: { type: "string", default: "40" },
    kernels: { type: "string", default: "wasm" },
    from: { type: "string", default: path.resolve(import.meta.dirname, "..") },
  },
});
const src = (m: string) => path.join(path.resolve(a.from), "src/pipeline", m);
const { initBackend } = await import(src("model/backend.ts"));
const { initParams, paramsFromWeights } = await import(src("model/gpt.ts"));
const { GPT2_SETTINGS, modelStatementOf } = await import(src("model/config.ts"));
const { CAPTURE_VERSION } = await import(src("artifacts/capture-meta.ts"));
const { captureRun, headAblation } = await import(src("capture/capture.ts"));
const { readExternalCheckpoint } = await import(src("capture/external.ts"));
const { encodeCapture } = await import(src("capture/format.ts"));
const { writeRecorded } = await import(src("artifacts/checksums.ts"));
const { saveCheckpoint } = await import(src("model/checkpoint.ts"));
const { loadProbeSet, tokenizeProbes } = await import(src("data/probes.ts"));
const { tokenizerNamed } = await import(src("data/tokenizers.ts"));
const { pairwiseCka, KERNELS } = await import(src("compare/cka.ts"));
const { rng } = await import(src("data/rng.ts"));

const seeds = Number(a.seeds);
const config = { nLayers: 12, dModel: 768, nHeads: 12, dMlp: 3072, vocabSize: 50257, nCtx: 1024, ...GPT2_SETTINGS };
const cpu = async <T>(f: () => T | Promise<T>): Promise<[T, number]> => {
  const t0 = process.cpuUsage();
  const out = await f();
  const t = process.cpuUsage(t0);
  return [out, (t.user + t.system) / 1e6];
};

await initBackend("wasm", { kernels: a.kernels });
const probeSet = loadProbeSet("default");
const all: Int32Array[] = tokenizeProbes(probeSet.prompts, tokenizerNamed("gpt2"), 50256);
const some = all.slice(0, Number(a.probes));
const tokens = (ps: Int32Array[]) => ps.reduce((s, p) => s + p.length, 0);
const scale = tokens(all) / tokens(some);
const N = tokens(all);

// The model as a checkpoint on disk: what each member of a family is read from.
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-bench-family-"));
const init = initParams(config, 0);
const weights = new Map([...init].map(([name, v]) => [name, { shape: v.shape, data: v.dataSync() as Float32Array }]));
tf.dispose([...init.values()]);
saveCheckpoint(path.join(tmp, "model"), weights, { config });
weights.clear();

// Per model, outside the passes: read, hash and check the checkpoint, load its weights, and (below) write the capture.
const [checkpoint, reading] = await cpu(() => readExternalCheckpoint(path.join(tmp, "model")));
const [params, loading] = await cpu(() => paramsFromWeights(checkpoint.config, checkpoint.params));
const meta = {
  format: "refit.capture",
  version: CAPTURE_VERSION,
  seed: 0,
  family: "bench",
  source: { kind: "external", model: "bench", revision: null, weightsSha256: checkpoint.weightsSha256 },
  config: { model: modelStatementOf(config) },
  tokenizer: "gpt2",
  probeSet: { id: probeSet.id, hash: probeSet.hash },
  probeLengths: some.map((p) => p.length),
  backend: "wasm",
};
const [captured, capturePass] = await cpu(() => captureRun(params, config, some, meta, { ablation: false }));
const [, writing] = await cpu(() => writeRecorded(path.join(tmp, "capture.safetensors"), encodeCapture(captured)));
const [, ablation] = await cpu(() => headAblation(params, config, some));
tf.dispose([...params.values()]);
fs.rmSync(tmp, { recursive: true, force: true });
const io = reading + loading + writing * scale;

// Compare: CKA of every pair of refits, per layer and residual site (resid_pre, resid_mid), as compare/index.ts asks it.
const draw = rng(11);
const streams = Array.from({ length: seeds }, () => ({ data: Float32Array.from({ length: N * config.dModel }, () => draw.next() - 0.5), n: N, d: config.dModel }));
const [, ckaOne] = await cpu(() => pairwiseCka(streams, KERNELS));
const cka = ckaOne * 2 * config.nLayers;

const family = seeds * (io + capturePass * scale) + ablation * scale + cka;
console.log(`GPT-2-small-shaped family: ${seeds} seeds, L12 d768 H12, 40 default probes (N = ${N} GPT-2 tokens), modules of ${a.from}, kernels ${a.kernels}`);
console.log(`capture and ablation timed on ${some.length} probes (${tokens(some)} tokens) and scaled x${scale.toFixed(2)}; CKA timed on one layer and site, x${2 * config.nLayers}`);
console.log(`| part | CPU s |\n|---|---|`);
console.log(`| checkpoint read and loaded, capture written, one model | ${io.toFixed(1)} |`);
console.log(`| capture pass, one model | ${(capturePass * scale).toFixed(1)} |`);
console.log(`| head ablation, the anchor | ${(ablation * scale).toFixed(1)} |`);
console.log(`| residual CKA, ${seeds} refits, ${2 * config.nLayers} layer-sites | ${cka.toFixed(1)} |`);
console.log(`| family: ${seeds} reads, captures and writes + ablation + CKA | ${family.toFixed(0)} (${(family / 60).toFixed(1)} CPU-min) |`);
