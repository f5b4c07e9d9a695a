// `npm run bench:compare`: the compare stage on synthetic captures the size of the paper's setting
// (50 refits x 8 layers x 8 heads x 100 probes of about 53 tokens), beside the numpy reference
// (bench/compare_ref.py) on the same files. Prints seconds, peak memory and the ratio, and checks
// the two agree on anchor-based, cross-layer and all-pairs stability and the probe-shuffled null.
// The reference does the same cbar products (BLAS, float64); Refit's compare also runs the
// Hungarian matchings, the uniform null and 1,000 bootstrap resamples. Both read refits one layer
// at a time. The patterns are SYNTHETIC (seeded random causal softmax rows; refits share a
// per-head base with noise and shuffled head order).
// Usage: node bench/compare.ts [--refits 50] [--layers 8] [--heads 8] [--probes 100] [--tokens 53]
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { compareCell, type RefitInput } from "../src/pipeline/compare/index.ts";
import { rng, shuffleInPlace } from "../src/pipeline/data/rng.ts";
import { peakRssMB } from "./rss.ts";

const { values: a } = parseArgs({
  options: {
    refits: { type: "string", default: "50" },
    layers: { type: "string", default: "8" },
    heads: { type: "string", default: "8" },
    probes: { type: "string", default: "100" },
    tokens: { type: "string", default: "53" },
  },
});
const [R, L, H, P, T] = [a.refits, a.layers, a.heads, a.probes, a.tokens].map(Number);
const PYTHON = "/usr/bin/python3";

const draw = rng(7);
// Probe lengths spread around the mean, as real prompts are.
const lengths = Array.from({ length: P }, () => Math.max(2, T - 8 + draw.int(17)));
const K = lengths.reduce((s, t) => s + (t * (t + 1)) / 2, 0);

/** One head's rows: softmax over j <= i of (base + noise) logits, every probe. */
function head(base: Float32Array, noise: number, r: ReturnType<typeof rng>, out: Float32Array, at: number): void {
  let k = 0;
  for (const t of lengths) {
    for (let i = 0; i < t; i++) {
      let sum = 0;
      for (let j = 0; j <= i; j++) {
        const e = Math.exp(base[k + j] + noise * (r.next() - 0.5));
        out[at + k + j] = e;
        sum += e;
      }
      for (let j = 0; j <= i; j++) out[at + k + j] /= sum;
      k += i + 1;
    }
  }
}

function writeRefits(dir: string): void {
  const bases = Array.from({ length: L * H }, () => Float32Array.from({ length: K }, () => 3 * (draw.next() - 0.5)));
  for (let r = 0; r < R; r++) {
    const out = new Float32Array(L * H * K);
    const noise = rng([11, r]);
    for (let l = 0; l < L; l++) {
      const order = shuffleInPlace(Array.from({ length: H }, (_, h) => h), noise);
      order.forEach((src, h) => head(bases[l * H + src], r === 0 ? 0 : 1 + l * 0.3, noise, out, (l * H + h) * K));
    }
    fs.writeFileSync(path.join(dir, `refit-${r}.f32`), new Uint8Array(out.buffer));
  }
}

/** A refit read one layer at a time from its file, as the compare stage streams captures. */
function load(dir: string, r: number): RefitInput {
  const file = path.join(dir, `refit-${r}.f32`);
  const readLayer = (l: number) => {
    const out = new Float32Array(H * K);
    const fd = fs.openSync(file, "r");
    try {
      fs.readSync(fd, new Uint8Array(out.buffer), 0, out.byteLength, l * out.byteLength);
    } finally {
      fs.closeSync(fd);
    }
    return out;
  };
  return { seed: r, patterns: { readLayer } };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "refit-bench-compare-"));
try {
  console.error(`bench:compare: ${R} refits x ${L} layers x ${H} heads x ${P} probes (mean ${T} tokens, K = ${K}); writing synthetic refits to ${dir}`);
  writeRefits(dir);
  const rssBefore = peakRssMB();
  const t0 = performance.now();
  const refits = Array.from({ length: R }, (_, r) => load(dir, r));
  const { stats } = compareCell({ layout: { nLayers: L, nHeads: H, probeLengths: lengths }, refits });
  const refitSeconds = (performance.now() - t0) / 1000;
  console.log(`| implementation | seconds | peak RSS (MB) |\n|---|---|---|`);
  console.log(`| refit compare (${os.availableParallelism()} threads) | ${refitSeconds.toFixed(1)} | ${Math.round(peakRssMB())} (generation peak before compare: ${Math.round(rssBefore)}) |`);

  const torch = spawnSync(PYTHON, ["-c", "import numpy"]);
  if (torch.status !== 0) {
    console.log("\nnumpy reference skipped: Debian's python3-numpy is not installed (apt-get install python3-numpy).");
  } else {
    const r = spawnSync("/usr/bin/time", ["-f", "%M", PYTHON, new URL("compare_ref.py", import.meta.url).pathname, dir, String(R), String(L), String(H), lengths.join(",")], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`compare_ref.py failed: ${r.stderr}`);
    const ref = JSON.parse(r.stdout.trim()) as { seconds: number; layerStability: number[]; crossLayerStability: number[]; allPairsStability: number[]; shuffledNull: number[] };
    const rssKB = Number(r.stderr.trim().split("\n").at(-1));
    console.log(`| numpy reference | ${ref.seconds.toFixed(1)} | ${Math.round(rssKB / 1024)} |`);
    const diff = Math.max(
      ...stats.layers.flatMap((x, l) => [
        Math.abs(x.stability - ref.layerStability[l]),
        Math.abs(x.crossLayerStability - ref.crossLayerStability[l]),
        Math.abs(stats.estimates![l]["stability.allPairs"].value! - ref.allPairsStability[l]),
        Math.abs(stats.estimates![l]["null.probeShuffled"].value! - ref.shuffledNull[l]),
      ]),
    );
    console.log(`\nratio numpy / refit time: ${(ref.seconds / refitSeconds).toFixed(2)}x (above 1 means refit is faster); max |difference| in layer values (anchor, cross-layer, all-pairs, shuffled null) ${diff.toExponential(2)}`);
    console.log(`layer stability: ${stats.layers.map((x) => x.stability.toFixed(3)).join(" ")}`);
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
