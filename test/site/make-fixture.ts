// Builds one published version of the site fixture (test/fixtures/content/) from real `refit run`
// output: copies each suite result, adds every run's curve from its run.json, extracts attention
// samples from the captures (publish/attention.ts), and writes the manifest and latest pointer.
// A stand-in for `refit aggregate` until it exists. Usage:
//   node test/site/make-fixture.ts --runs /tmp/fixrun --seeds 2 --version v1 --created 2026-01-01T00:00:00Z
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { PublishedSuiteSchema, RunRecordSchema, SCHEMA_VERSION, SuiteResultSchema, type AttentionSamples, type ContentManifest, type PublishedSuite } from "../../src/pipeline/artifacts/schemas.ts";
import { canonicalJson } from "../../src/pipeline/artifacts/hash.ts";
import { readBytes, readJson, writeFileAtomic, writeJsonAtomic } from "../../src/pipeline/artifacts/store.ts";
import { decodeCapture } from "../../src/pipeline/capture/format.ts";
import { extractAttention } from "../../src/pipeline/publish/attention.ts";

const { values } = parseArgs({
  options: {
    runs: { type: "string" },
    seeds: { type: "string" },
    version: { type: "string" },
    created: { type: "string" },
    content: { type: "string", default: "test/fixtures/content" },
  },
});
const runsDir = values.runs!;
const seeds = Number(values.seeds);
const versionDir = path.join(values.content, "versions", values.version!);

const sha256 = (file: string) => createHash("sha256").update(readBytes(file)).digest("hex");

const suites: ContentManifest["suites"] = [];
let gitCommit: string | null = null;
for (const name of fs.readdirSync(path.join(runsDir, "results")).sort()) {
  const dir = path.join(runsDir, "results", name);
  const results = fs.readdirSync(dir).map((f) => readJson(path.join(dir, f), SuiteResultSchema));
  const result = results.find((r) => r.suite.seeds === seeds);
  if (!result) throw new Error(`no ${name} result with ${seeds} seeds in ${dir}`);
  gitCommit ??= result.provenance.gitCommit;
  const backend = result.provenance.backend;
  const runDir = (runId: string) => path.join(runsDir, "runs", backend, runId);
  const published: PublishedSuite = PublishedSuiteSchema.parse({
    ...result,
    cells: result.cells.map((cell) => ({
      ...cell,
      runs: cell.runs.map((run) => ({ ...run, curve: readJson(path.join(runDir(run.runId), "run.json"), RunRecordSchema).curve })),
    })),
  });
  const attention: AttentionSamples = {
    schemaVersion: SCHEMA_VERSION,
    kind: "refit.attention",
    suite: name,
    probeSet: { id: result.probeSet.id, hash: result.probeSet.hash },
    maxTokens: 24,
    cells: result.cells.map((cell) =>
      extractAttention({
        captures: cell.runs.map((run) => decodeCapture(readBytes(path.join(runDir(run.runId), "capture.safetensors")), run.runId)),
      }),
    ),
  };
  const resultFile = path.join(versionDir, `${name}.json`);
  const attentionFile = path.join(versionDir, `${name}.attention.json`);
  writeJsonAtomic(resultFile, published);
  // Thousands of pattern values: compact (sorted keys, no whitespace) rather than one number a line.
  writeFileAtomic(attentionFile, `${canonicalJson(attention)}\n`);
  suites.push({
    name,
    suiteHash: result.suite.hash,
    result: { file: path.basename(resultFile), sha256: sha256(resultFile) },
    attention: { file: path.basename(attentionFile), sha256: sha256(attentionFile) },
  });
}

const manifest: ContentManifest = {
  schemaVersion: SCHEMA_VERSION,
  kind: "refit.manifest",
  version: values.version!,
  createdAt: new Date(values.created!).toISOString(),
  gitCommit,
  refitVersion: "0.1.0",
  suites,
};
writeJsonAtomic(path.join(versionDir, "manifest.json"), manifest);
writeJsonAtomic(path.join(values.content, "latest.json"), { schemaVersion: SCHEMA_VERSION, kind: "refit.latest", version: values.version! });
console.log(`wrote ${versionDir} (${suites.map((s) => s.name).join(", ")}) and pointed latest.json at it`);
