// webgpuAdapterIn and blasKernelsIn: the adapter of the webgpu runs, and the BLAS of the blas-path
// runs, in shard folders, read from their run records, so aggregate and the run store look runs up
// under the IDs they give them.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Adapter, KernelPath } from "../../../src/pipeline/artifacts/conventions.ts";
import { InputError } from "../../../src/pipeline/artifacts/input-error.ts";
import { provenance } from "../../../src/pipeline/artifacts/provenance.ts";
import type { RunRecord } from "../../../src/pipeline/artifacts/run-record.ts";
import { blasKernelsIn, recordPath, runDirOf, webgpuAdapterIn } from "../../../src/pipeline/artifacts/runs.ts";
import { SCHEMA_VERSION } from "../../../src/pipeline/artifacts/conventions.ts";
import { writeJsonAtomic } from "../../../src/pipeline/artifacts/store.ts";
import { parseSuite } from "../../../src/pipeline/suite/load.ts";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-runs-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const H100: Adapter = { vendor: "nvidia", architecture: "hopper", device: "0x2330", description: "NVIDIA H100 80GB HBM3", software: false };
const run = parseSuite("name: r\nseeds: 2\n", path.join(tmp, "r.yaml")).runs[0];

function writeRun(out: string, backend: "webgpu" | "wasm", runId: string, adapter: Adapter | null, kernels?: KernelPath): void {
  const record: RunRecord = {
    schemaVersion: SCHEMA_VERSION,
    kind: "refit.run",
    runId,
    seed: 0,
    dataSeed: 0,
    config: run.config,
    status: "failed",
    steps: 0,
    tokensSeen: 0,
    nParams: 0,
    finalTrainLoss: null,
    heldOutLoss: null,
    heldOutPerplexity: null,
    curve: [],
    timings: { trainSeconds: 0, tokensPerSecond: 0, resumedFromStep: 0 },
    provenance: provenance(backend, kernels, adapter),
    error: "stand-in",
  };
  writeJsonAtomic(recordPath(runDirOf(out, backend, runId)), record);
}

describe("webgpuAdapterIn", () => {
  it("is null without webgpu runs, and the adapter their records name with them", () => {
    const [a, b] = [path.join(tmp, "a"), path.join(tmp, "b")];
    writeRun(a, "wasm", "00000000000000aa", null);
    expect(webgpuAdapterIn([a])).toBeNull();
    writeRun(b, "webgpu", "00000000000000bb", H100);
    writeRun(b, "webgpu", "00000000000000cc", { ...H100, description: "same GPU, another driver string" });
    expect(webgpuAdapterIn([a, b])).toMatchObject({ vendor: "nvidia", architecture: "hopper", device: "0x2330" });
  });

  it("refuses runs from two adapters, naming both", () => {
    const c = path.join(tmp, "c");
    writeRun(c, "webgpu", "00000000000000dd", { ...H100, architecture: "ampere", device: "0x20b0" });
    expect(() => webgpuAdapterIn([path.join(tmp, "b"), c])).toThrow(InputError);
    expect(() => webgpuAdapterIn([path.join(tmp, "b"), c])).toThrow(/different GPU adapters \(nvidia hopper 0x2330 vs nvidia ampere 0x20b0\)/);
  });
});

describe("blasKernelsIn", () => {
  const blas = (coreType: string): KernelPath => ({ path: "blas", blas: { library: "OpenBLAS 0.3.21", coreType, threads: 1 } });

  it("is undefined for wasm-kernel runs, and the BLAS the records name for blas runs; unfinished folders do not count", () => {
    const [w, s] = [path.join(tmp, "kw"), path.join(tmp, "ks")];
    writeRun(w, "wasm", "00000000000001aa", null, { path: "wasm", blas: null });
    expect(blasKernelsIn([w])).toBeUndefined();
    writeRun(s, "wasm", "00000000000001bb", null, blas("SkylakeX"));
    fs.mkdirSync(runDirOf(s, "wasm", "00000000000001cc"), { recursive: true });
    expect(blasKernelsIn([s])).toEqual(blas("SkylakeX"));
  });

  it("refuses blas runs beside wasm-kernel runs, or of two BLAS builds, naming both", () => {
    expect(() => blasKernelsIn([path.join(tmp, "kw"), path.join(tmp, "ks")])).toThrow(/different kernel paths/);
    const h = path.join(tmp, "kh");
    writeRun(h, "wasm", "00000000000001dd", null, blas("Haswell"));
    expect(() => blasKernelsIn([path.join(tmp, "ks"), h])).toThrow(/blas OpenBLAS 0.3.21 SkylakeX\) and .*blas OpenBLAS 0.3.21 Haswell\)/);
  });
});
