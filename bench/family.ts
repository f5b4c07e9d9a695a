// `npm run bench:family`: what one GPT-2-small-shaped family (12 layers, d768, 12 heads, GPT-2's
// vocabulary, the 40 default probes as GPT-2 tokens) costs to capture and compare, in CPU seconds
// of this process, by its three parts: the capture pass of one model, the anchor's head ablation,
// and the compare stage's residual CKA (99% of compare at this size). The weights are Refit's
// GPT-2 initialisation (random weights cost what trained ones do) and the residual streams random,
// so nothing is downloaded. On a busy machine the capture and ablation run on the first --probes
// probes and are scaled to the 40 by token count (they are per-probe passes), which the table says.
// `--from DIR` times another checkout's modules (say `git archive` of the commit before a change,
// with node_modules linked in); `--kernels` picks the kernel path where that checkout has them.
// Usage: node bench/family.ts [--seeds 5] [--probes 40] [--kernels blas|wasm] [--from DIR]
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
const { initParams } = await import(src("model/gpt.ts"));
const { GPT2_SETTINGS } = await import(src("model/config.ts"));
const { captureRun, headAblation } = await import(src("capture/capture.ts"));
const { loadProbeSet, tokenizeProbes } = await import(src("data/probes.ts"));
const { tokenizerNamed } = await import(src("data/tokenizers.ts"));
const { pairwiseCka, KERNELS } = await import(src("compare/cka.ts"));
const { rng } = await import(src("data/rng.ts"));

const seeds = Number(a.seeds);
const config = { nLayers: 12, dModel: 768, nHeads: 12, dMlp: 3072, vocabSize: 50257, nCtx: 1024, ...GPT2_SETTINGS };
const cpu = <T>(f: () => T): [T, number] => {
  const t0 = process.cpuUsage();
  const out = f();
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

const params = initParams(config, 0);
const meta = { probeLengths: some.map((p) => p.length) };
const [, capturePass] = cpu(() => captureRun(params, config, some, meta, { ablation: false }));
const [, ablation] = cpu(() => headAblation(params, config, some));
tf.dispose([...params.values()]);

// Compare: CKA of every pair of refits, per layer and residual site (resid_pre, resid_mid), as compare/index.ts asks it.
const draw = rng(11);
const streams = Array.from({ length: seeds }, () => ({ data: Float32Array.from({ length: N * config.dModel }, () => draw.next() - 0.5), n: N, d: config.dModel }));
const [, ckaOne] = cpu(() => pairwiseCka(streams, KERNELS));
const cka = ckaOne * 2 * config.nLayers;

const family = seeds * capturePass * scale + ablation * scale + cka;
console.log(`GPT-2-small-shaped family: ${seeds} seeds, L12 d768 H12, 40 default probes (N = ${N} GPT-2 tokens), modules of ${a.from}, kernels ${a.kernels}`);
console.log(`capture and ablation timed on ${some.length} probes (${tokens(some)} tokens) and scaled x${scale.toFixed(2)}; CKA timed on one layer and site, x${2 * config.nLayers}`);
console.log(`| part | CPU s |\n|---|---|`);
console.log(`| capture pass, one model | ${(capturePass * scale).toFixed(1)} |`);
console.log(`| head ablation, the anchor | ${(ablation * scale).toFixed(1)} |`);
console.log(`| residual CKA, ${seeds} refits, ${2 * config.nLayers} layer-sites | ${cka.toFixed(1)} |`);
console.log(`| family: ${seeds} captures + ablation + CKA | ${family.toFixed(0)} (${(family / 60).toFixed(1)} CPU-min) |`);
