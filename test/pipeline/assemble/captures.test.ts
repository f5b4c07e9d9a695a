// compareDirectory (`refit compare <captures-dir>`) on capture files written here (no training):
// cells grouped by config, untrained twins found by the *-init.safetensors name, non-capture
// safetensors skipped, a cell with a single capture reported, the result fitting
// CompareResultSchema, and a bad capture refused by name before any cell is compared.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { encodeSafetensors } from "../../../src/pipeline/artifacts/safetensors.ts";
import { CompareResultSchema } from "../../../src/pipeline/artifacts/compare-result.ts";
import { encodeCapture, type Capture } from "../../../src/pipeline/capture/format.ts";
import { compareDirectory } from "../../../src/pipeline/assemble/captures.ts";
import { CellConfigSchema } from "../../../src/pipeline/artifacts/suite.ts";
import { cellIdOf } from "../../../src/pipeline/suite/grid.ts";
import { mulberry32, randomPatterns } from "../compare/helpers.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-compare-"));
const badDir = fs.mkdtempSync(path.join(os.tmpdir(), "refit-compare-bad-"));
afterAll(() => [tmp, badDir].forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

const probeLengths = [3, 4, 3];
const N = 10;
const rng = mulberry32(12);

function capture(seed: number, nLayers: number): Capture {
  const config = CellConfigSchema.parse({ data: {}, train: {}, model: { nLayers, dModel: 8, nHeads: 2 } });
  const resid = () => Array.from({ length: nLayers }, () => Float32Array.from({ length: N * 8 }, () => rng()));
  return {
    meta: {
      format: "refit.capture",
      version: 2,
      seed,
      family: cellIdOf(config, "p"),
      source: { kind: "refit", runId: `r${nLayers}-${seed}` },
      config,
      tokenizer: "bytes",
      probeSet: { id: "p", hash: "h" },
      probeLengths,
      backend: "cpu",
    },
    attn: randomPatterns({ nLayers, nHeads: 2, probeLengths }, rng).attn as Float32Array[],
    residPre: resid(),
    residMid: resid(),
    tokens: new Int32Array(N),
    norms: { W_Q: Float32Array.from({ length: nLayers }, () => rng()) },
  };
}

function write(rel: string, bytes: Uint8Array, root = tmp) {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), bytes);
}

describe("compareDirectory", () => {
  for (const seed of [0, 1, 2]) {
    write(`a/seed-${seed}/capture.safetensors`, encodeCapture(capture(seed, 2)));
    write(`a/seed-${seed}/capture-init.safetensors`, encodeCapture(capture(seed, 2)));
  }
  write("b/lonely.safetensors", encodeCapture(capture(0, 3)));
  write("a/seed-0/model.safetensors", encodeSafetensors(new Map([["w", { dtype: "F32", shape: [1], data: new Float32Array(1) }]]), {}));

  it("groups captures into cells, uses the untrained twins, and skips what it cannot compare", () => {
    const { result, skippedCells, skippedFiles } = compareDirectory({ dir: tmp, resamples: 20 });
    expect(skippedFiles).toEqual([path.join("a", "seed-0", "model.safetensors")]);
    expect(skippedCells).toHaveLength(1);
    expect(skippedCells[0]).toMatch(/1 trained capture\(s\); at least two are needed/);
    expect(result.cells).toHaveLength(1);
    const [cell] = result.cells;
    expect(cell.seeds).toEqual([0, 1, 2]);
    expect(cell.untrainedCaptures).toHaveLength(3);
    expect(cell.stats.estimates![0]["null.untrained"].value).toBeGreaterThan(0);
    expect(cell.stats.estimates![0]["cka.rbf.resid_mid"].value).toBeLessThanOrEqual(1);
    expect(result.findings.map((f) => f.id)).toEqual(["finding1", "finding2", "finding3", "finding4", "finding5", "seedSources", "inductionControl", "inductionRank", "inductionRepeat", "inductionRepeatRank", "negativeNulls", "negativeInduction"]);
    expect(CompareResultSchema.parse(JSON.parse(JSON.stringify(result)))).toEqual(JSON.parse(JSON.stringify(result)));
  });

  it("refuses a capture whose metadata fails the schema, naming the file and the field", () => {
    const good = capture(0, 2);
    write("seed-0/capture.safetensors", encodeCapture(good), badDir);
    write("seed-1/capture.safetensors", encodeCapture({ ...good, meta: { ...good.meta, seed: 1.5 } }), badDir);
    expect(() => compareDirectory({ dir: badDir, resamples: 20 })).toThrow(/seed-1\/capture\.safetensors: __metadata__\.seed: /);
  });
});
