// Site build-time benchmark: writes SYNTHETIC published content (1,000 cells by default, numbers
// from a seeded PRNG, labelled synthetic in every suite description) to a temp folder, builds the
// site from it with `refit site`'s buildSite, and prints a table. Target: under 30 s on 2 cores.
// Usage: node bench/site-build.ts [--cells 1000] [--suites 10]
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { SCHEMA_VERSION } from "../src/pipeline/artifacts/conventions.ts";
import type { ContentManifest } from "../src/pipeline/artifacts/manifest.ts";
import { PublishedSuiteSchema, type PublishedSuite } from "../src/pipeline/artifacts/published-suite.ts";
import { buildSite } from "../src/pipeline/publish/site.ts";
import { rng } from "../src/pipeline/data/rng.ts";
import { CellConfigSchema } from "../src/pipeline/artifacts/suite.ts";

const { values } = parseArgs({ options: { cells: { type: "string", default: "1000" }, suites: { type: "string", default: "10" } } });
const nCells = Number(values.cells);
const nSuites = Number(values.suites);
const random = rng(20260101);
const u = () => random.next();

const fixture = PublishedSuiteSchema.parse(JSON.parse(fs.readFileSync("test/fixtures/content/versions/2026-02-09.1/tiny.json", "utf8")));

function syntheticCell(i: number): PublishedSuite["cells"][number] {
  const nLayers = 2 + (i % 5);
  const nHeads = 4;
  const config = CellConfigSchema.parse({ data: {}, train: { optimizer: i % 2 ? "adamw" : "adam", weightDecay: (i % 3) / 10 }, model: { nLayers, nHeads, dModel: 64 } });
  const heads = Array.from({ length: nLayers }, () => Array.from({ length: nHeads }, () => 0.6 + 0.4 * u()));
  const layerMean = heads.map((row) => row.reduce((a, b) => a + b) / nHeads);
  const min = Math.min(...layerMean);
  const max = Math.max(...layerMean);
  const share = (l: number) => Array.from({ length: nLayers }, (_, k) => (k === l ? 1 : 0));
  return {
    cellId: createHash("sha256").update(`synthetic-${i}`).digest("hex").slice(0, 12),
    label: { "model.nLayers": nLayers },
    config,
    runs: Array.from({ length: 4 }, (_, seed) => ({
      runId: `synthetic-${i}-${seed}`, seed, status: "finished" as const, heldOutLoss: 3 + u(), heldOutPerplexity: 20 + 10 * u(), trainSeconds: 1, tokensPerSecond: 1,
      curve: [1, 2, 3].map((step) => ({ step, tokens: step * 1024, trainLoss: 5 - step * u(), heldOutLoss: 5 - step * u() })),
    })),
    stats: {
      nLayers, nHeads, nRefits: 4, anchorSeed: 0,
      layers: layerMean.map((s, l) => ({ layer: l, stability: s, stabilityStd: 0.05, commonness: 0.5 * u(), crossLayerStability: s, crossLayerStd: 0.05, crossLayerShare: share(l) })),
      headStability: heads, headCommonness: heads, headCrossLayerStability: heads,
      extremes: {
        minLayer: layerMean.indexOf(min), maxLayer: layerMean.indexOf(max), min, max, gap: max - min,
        minRelativeDepth: (layerMean.indexOf(min) + 1) / nLayers, maxRelativeDepth: (layerMean.indexOf(max) + 1) / nLayers, largestDrop: null, largestDropLayer: null,
      },
    },
  };
}

const root = fs.mkdtempSync(path.join(os.tmpdir(), "refit-bench-site-"));
const version = "bench.1";
const dir = path.join(root, "versions", version);
fs.mkdirSync(dir, { recursive: true });
const suites: ContentManifest["suites"] = [];
const perSuite = Math.ceil(nCells / nSuites);
for (let s = 0; s < nSuites; s++) {
  const name = `synthetic-${s}`;
  const cells = Array.from({ length: Math.min(perSuite, nCells - s * perSuite) }, (_, i) => syntheticCell(s * perSuite + i));
  const suite = PublishedSuiteSchema.parse({ ...fixture, suite: { ...fixture.suite, name, description: "SYNTHETIC benchmark data: not a measurement." }, cells });
  const bytes = JSON.stringify(suite);
  fs.writeFileSync(path.join(dir, `${name}.json`), bytes);
  suites.push({ name, suiteHash: suite.suite.hash, result: { file: `${name}.json`, sha256: createHash("sha256").update(bytes).digest("hex") } });
}
const manifest: ContentManifest = { schemaVersion: SCHEMA_VERSION, kind: "refit.manifest", version, createdAt: "2026-01-01T00:00:00.000Z", gitCommit: null, refitVersion: "0.1.0", suites };
fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
fs.writeFileSync(path.join(root, "latest.json"), JSON.stringify({ schemaVersion: SCHEMA_VERSION, kind: "refit.latest", version }));

const out = path.join(root, "dist");
const started = performance.now();
await buildSite({ content: root, base: "/", out });
const seconds = (performance.now() - started) / 1000;
const pages = fs.readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith(".html")).length;
console.log(`\n| synthetic cells | suites | HTML pages | build seconds | cpus |\n|---|---|---|---|---|\n| ${nCells} | ${nSuites} | ${pages} | ${seconds.toFixed(1)} | ${os.cpus().length} |`);
fs.rmSync(root, { recursive: true, force: true });
