import { describe, expect, it } from "vitest";
import { canonicalJson, sha256Hex } from "../../../src/pipeline/artifacts/hash.ts";
import { cellIdOf, expandGrid, GridError, ID_VERSION, NUMERICS_VERSION, runIdOf, runsOf, runsOnAdapter, runsOnKernels, trainingsOf } from "../../../src/pipeline/suite/grid.ts";
import { parseSuite } from "../../../src/pipeline/suite/load.ts";
import { SuiteSchema } from "../../../src/pipeline/artifacts/suite.ts";

const suite = (input: object) => SuiteSchema.parse({ name: "t", ...input });

describe("expandGrid", () => {
  it("gives one cell with an empty label when there is no grid", () => {
    const cells = expandGrid(suite({}));
    expect(cells).toHaveLength(1);
    expect(cells[0].label).toEqual({});
    expect(cells[0].config).toEqual({ data: suite({}).data, train: suite({}).train, model: suite({}).model });
  });

  it("crosses the axes in file order, first axis slowest", () => {
    const cells = expandGrid(suite({ grid: { "model.nLayers": [2, 4, 6], "train.optimizer": ["adam", "adamw"] } }));
    expect(cells).toHaveLength(6);
    expect(cells.map((c) => c.label)).toEqual([
      { "model.nLayers": 2, "train.optimizer": "adam" },
      { "model.nLayers": 2, "train.optimizer": "adamw" },
      { "model.nLayers": 4, "train.optimizer": "adam" },
      { "model.nLayers": 4, "train.optimizer": "adamw" },
      { "model.nLayers": 6, "train.optimizer": "adam" },
      { "model.nLayers": 6, "train.optimizer": "adamw" },
    ]);
    expect(cells.map((c) => [c.config.model.nLayers, c.config.train.optimizer])).toEqual(cells.map((c) => Object.values(c.label)));
    expect(new Set(cells.map((c) => c.cellId)).size).toBe(6);
  });

  it("sets only the swept field and leaves the suite untouched", () => {
    const s = suite({ model: { dModel: 32 }, grid: { "model.nHeads": [2, 8] } });
    const frozen = structuredClone(s);
    const cells = expandGrid(s);
    expect(cells.map((c) => c.config.model)).toEqual([
      { nLayers: 2, dModel: 32, nHeads: 2, mlp: true },
      { nLayers: 2, dModel: 32, nHeads: 8, mlp: true },
    ]);
    expect(s).toEqual(frozen);
  });

  it("hashes the resolved config and ID version into the cell id", () => {
    const [cell] = expandGrid(suite({}));
    expect(cell.cellId).toBe(sha256Hex(canonicalJson({ config: cell.config, schemaVersion: ID_VERSION })).slice(0, 12));
    expect(cell.cellId).toBe(cellIdOf(cell.config, "default"));
    // Pinned: a change here silently orphans every cached result, so it must be deliberate.
    expect(cell.cellId).toBe("66123c2db1b0");
  });

  it("hashes a probe set other than the default into the cell id, keeping default-set ids as they were", () => {
    const [onDefault] = expandGrid(suite({}));
    const [onInduction] = expandGrid(suite({ probes: { set: "induction" } }));
    expect(onDefault.probeSet).toBe("default");
    expect(onInduction.probeSet).toBe("induction");
    expect(onInduction.cellId).toBe(sha256Hex(canonicalJson({ config: onInduction.config, probeSet: "induction", schemaVersion: ID_VERSION })).slice(0, 12));
    expect(onInduction.cellId).not.toBe(onDefault.cellId);
  });

  it("makes one cell per probe set of a probes.set axis, with the label and the set, sharing the runs", () => {
    const s = suite({ seeds: 3, grid: { "probes.set": ["default", "words-5", "words-50"] } });
    const cells = expandGrid(s);
    expect(cells.map((c) => [c.label, c.probeSet])).toEqual([
      [{ "probes.set": "default" }, "default"],
      [{ "probes.set": "words-5" }, "words-5"],
      [{ "probes.set": "words-50" }, "words-50"],
    ]);
    expect(new Set(cells.map((c) => c.cellId)).size).toBe(3);
    // The default set's cell is the cell a suite without the axis has: published results keep their key.
    expect(cells[0].cellId).toBe("66123c2db1b0");
    expect(cells.map((c) => c.config)).toEqual(cells.map(() => cells[0].config));
    const runs = cells.flatMap((c) => runsOf(c, s.seeds));
    expect(runs.map((r) => r.probeSet)).toEqual(["default", "words-5", "words-50"].flatMap((p) => [p, p, p]));
    const ids = (c: number) => runs.filter((r) => r.cellId === cells[c].cellId).map((r) => r.runId);
    expect(ids(1)).toEqual(ids(0));
    expect(ids(2)).toEqual(ids(0));
    expect(ids(0)[0]).toBe("e23bbfd2ca245c31");
    expect(trainingsOf(runs).map((t) => [t.run.runId, t.probeSets])).toEqual(ids(0).map((id) => [id, ["default", "words-5", "words-50"]]));
  });

  it("checks each probes.set value like the suite's own probes.set", () => {
    try {
      expandGrid(suite({ grid: { "probes.set": ["words-5", "Words 10", 3] } }));
      expect.unreachable();
    } catch (err) {
      expect((err as GridError).issues.map((i) => i.path)).toEqual([
        ["grid", "probes.set", 1],
        ["grid", "probes.set", 2],
      ]);
    }
  });

  it("throws a GridError whose issue paths point into the suite", () => {
    const s = suite({ grid: { "model.nHeads": [4, 5] } });
    expect(() => expandGrid(s)).toThrow(GridError);
    try {
      expandGrid(s);
    } catch (err) {
      expect((err as GridError).issues.map((i) => i.path)).toEqual([["grid", "model.nHeads", 1]]);
    }
  });
});

describe("runsOf", () => {
  const [cell] = expandGrid(suite({}));

  it("makes seeds 0..n-1 with distinct run ids", () => {
    const runs = runsOf(cell, 5);
    expect(runs.map((r) => r.seed)).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(runs.map((r) => r.runId)).size).toBe(5);
    expect(runs.every((r) => r.cellId === cell.cellId && r.config === cell.config)).toBe(true);
  });

  it("hashes config, seed, schema version and numerics version into a 16-hex run id", () => {
    const run = runsOf(cell, 3)[2];
    expect(run.runId).toBe(sha256Hex(canonicalJson({ config: cell.config, seed: 2, schemaVersion: ID_VERSION, numerics: NUMERICS_VERSION })).slice(0, 16));
    expect(run.runId).toBe(runIdOf(cell.config, 2));
    expect(run.runId).toMatch(/^[0-9a-f]{16}$/);
    // Pinned like the cell id: a run id keys hours of cached training.
    expect(runIdOf(cell.config, 0)).toBe("e23bbfd2ca245c31");
  });

  it("is stable across calls", () => {
    expect(runsOf(expandGrid(suite({}))[0], 2)).toEqual(runsOf(cell, 2));
  });

  it("keeps a wasm run's id, and gives a blas run one per BLAS library and CPU kernels", () => {
    const blas = (coreType: string) => ({ path: "blas" as const, blas: { library: "OpenBLAS 0.3.21", coreType, threads: 1 } });
    expect(runIdOf(cell.config, 0, { path: "wasm", blas: null })).toBe("e23bbfd2ca245c31");
    expect(runsOnKernels(runsOf(cell, 2), undefined)).toEqual(runsOf(cell, 2));
    const skx = runIdOf(cell.config, 0, blas("SkylakeX"));
    expect(skx).toBe(sha256Hex(canonicalJson({ config: cell.config, seed: 0, schemaVersion: ID_VERSION, numerics: NUMERICS_VERSION, kernels: "blas OpenBLAS 0.3.21 SkylakeX" })).slice(0, 16));
    expect(new Set([skx, runIdOf(cell.config, 0, blas("Haswell")), runIdOf(cell.config, 0)]).size).toBe(3);
    const keyed = runsOnKernels(runsOf(cell, 2), blas("SkylakeX"));
    expect(keyed.map((r) => r.runId)).toEqual([skx, runIdOf(cell.config, 1, blas("SkylakeX"))]);
    expect(keyed.map(({ runId: _, ...r }) => r)).toEqual(runsOf(cell, 2).map(({ runId: _, ...r }) => r));
  });

  it("hashes a GPU adapter's vendor, architecture and device into a webgpu run's id, and nothing else of it", () => {
    const h100 = { vendor: "nvidia", architecture: "hopper", device: "0x2330", description: "NVIDIA H100 80GB HBM3", software: false };
    const runs = runsOf(cell, 2);
    const onGpu = runsOnAdapter(runs, h100);
    const device = { backend: "webgpu", vendor: "nvidia", architecture: "hopper", device: "0x2330" };
    expect(onGpu[1].runId).toBe(sha256Hex(canonicalJson({ config: cell.config, seed: 1, schemaVersion: ID_VERSION, numerics: NUMERICS_VERSION, device })).slice(0, 16));
    expect(onGpu.map((r) => r.runId)).not.toContain(runs[0].runId);
    expect(runsOnAdapter(runs, { ...h100, description: "renamed by a driver update" })).toEqual(onGpu);
    expect(runsOnAdapter(runs, { ...h100, device: "0x2331" })[0].runId).not.toBe(onGpu[0].runId);
    expect(runsOnAdapter(runs, null)).toBe(runs);
  });
});

describe("grid ids across suites", () => {
  it("shares cell and run ids between suites with equal configs", () => {
    const a = parseSuite("name: alpha\nseeds: 3\ngrid:\n  model.nLayers: [2, 4]\n", "a.yaml");
    const b = parseSuite("name: beta\ndescription: other words\nseeds: 5\nmodel:\n  nLayers: 4\n", "b.yaml");
    expect(b.cells[0].cellId).toBe(a.cells[1].cellId);
    expect(b.runs.slice(0, 3).map((r) => r.runId)).toEqual(a.runs.filter((r) => r.cellId === a.cells[1].cellId).map((r) => r.runId));
    expect(a.hash).not.toBe(b.hash);
  });

  it("changes the runs but not the cell ids when seeds are overridden", () => {
    const text = "name: t\ngrid:\n  train.optimizer: [adam, adamw]\n";
    const base = parseSuite(text, "t.yaml");
    const more = parseSuite(text, "t.yaml", { seeds: 6 });
    expect(base.runs).toHaveLength(2 * 4);
    expect(more.runs).toHaveLength(2 * 6);
    expect(more.cells.map((c) => c.cellId)).toEqual(base.cells.map((c) => c.cellId));
    expect(more.runs.filter((r) => r.seed < 4).map((r) => r.runId)).toEqual(base.runs.map((r) => r.runId));
    expect(more.suite.seeds).toBe(6);
    expect(more.hash).not.toBe(base.hash);
  });

  it("refuses probes.set both in probes and as a grid axis", () => {
    expect(() => parseSuite("name: t\nprobes:\n  set: words-5\ngrid:\n  probes.set: [words-5, words-10]\n", "t.yaml")).toThrow(
      /t\.yaml:3:3: probes\.set: also swept by grid key `probes\.set`; set it in one place/,
    );
  });

  it("gives a different cell id for any change to the resolved config", () => {
    const a = parseSuite("name: t\n", "t.yaml").cells[0].cellId;
    const b = parseSuite("name: t\ntrain:\n  lr: 2.0e-3\n", "t.yaml").cells[0].cellId;
    expect(b).not.toBe(a);
  });
});
