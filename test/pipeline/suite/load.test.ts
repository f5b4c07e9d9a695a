import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadSuite, parseSuite, SuiteError } from "../../../src/pipeline/suite/load.ts";

const FILE = "suites/t.yaml";

/** The SuiteError lines for `text`; fails the test if it loads. */
function problems(text: string): string[] {
  try {
    parseSuite(text, FILE);
  } catch (err) {
    expect(err).toBeInstanceOf(SuiteError);
    expect((err as SuiteError).name).toBe("SuiteError");
    const lines = (err as SuiteError).message.split("\n");
    expect(lines).toEqual((err as SuiteError).problems);
    return lines;
  }
  throw new Error("expected a SuiteError");
}

describe("parseSuite", () => {
  it("reports malformed YAML at the yaml package's position", () => {
    const lines = problems("name: x\nseeds: [1, 2\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^suites\/t\.yaml:3:1: YAML syntax: .*\]/);
  });

  it("reports duplicate keys as YAML errors", () => {
    expect(problems("name: x\nname: y\n")).toEqual(["suites/t.yaml:2:1: YAML syntax: Map keys must be unique"]);
  });

  it("rejects a top level that is not a mapping", () => {
    expect(problems("- name: x\n")[0]).toMatch(/^suites\/t\.yaml:1:1: \(top level\): expected a mapping of suite keys \(name, .*\), found a list$/);
    expect(problems("# nothing here\n")[0]).toMatch(/^suites\/t\.yaml:1:1: \(top level\): .*found an empty file$/);
  });

  it("points at an unknown key itself and lists the allowed keys", () => {
    const lines = problems("name: x\nmodel:\n  nLayer: 3\n");
    expect(lines).toEqual([
      "suites/t.yaml:3:3: model.nLayer: unknown key `nLayer` (did you mean `nLayers`?); allowed keys: nLayers, dModel, nHeads, mlp, dMlp",
    ]);
  });

  it("reports every problem, sorted by position, not just the first", () => {
    const lines = problems("foo: 1\nname: Bad Name\ntrain:\n  lr: 0\n  optimizer: sgd\n");
    expect(lines.map((l) => l.split(": ")[0])).toEqual(["suites/t.yaml:1:1", "suites/t.yaml:2:7", "suites/t.yaml:4:7", "suites/t.yaml:5:14"]);
    expect(lines[0]).toContain("foo: unknown key `foo`; allowed keys: name, description, seeds, data, train, model, grid, probes, metrics");
    expect(lines[1]).toBe('suites/t.yaml:2:7: name: lowercase letters, digits and dashes (found string "Bad Name")');
    expect(lines[2]).toBe("suites/t.yaml:4:7: train.lr: must be > 0, found integer 0");
    expect(lines[3]).toBe('suites/t.yaml:5:14: train.optimizer: expected one of "adam", "adamw", found string "sgd"');
  });

  it("points at a value of the wrong type and says what was expected and found", () => {
    expect(problems("name: x\nseeds: four\n")).toEqual(['suites/t.yaml:2:8: seeds: expected an integer, found string "four"']);
    expect(problems("name: x\nmodel: {nLayers: 2.5}\n")).toEqual(["suites/t.yaml:2:18: model.nLayers: expected an integer, found number 2.5"]);
    expect(problems("name: x\nmodel:\n  mlp: yes\n")).toEqual(['suites/t.yaml:3:8: model.mlp: expected a boolean (true or false), found string "yes"']);
    expect(problems("name: x\ndata:\n  corpus: browm\n")).toEqual(['suites/t.yaml:3:11: data.corpus: expected "brown" or a mapping, found string "browm"']);
  });

  it("points at the parent mapping for a missing required key", () => {
    expect(problems("seeds: 4\n")).toEqual(["suites/t.yaml:1:1: name: missing required key `name` (expected a string)"]);
    expect(problems("name: x\ndata:\n  corpus: {}\n")).toEqual(['suites/t.yaml:3:11: data.corpus: expected "brown", a mapping with `path` or a mapping with `synthetic`, found a mapping']);
  });

  it("rejects an empty grid", () => {
    expect(problems("name: x\ngrid: {}\n")).toEqual(["suites/t.yaml:2:7: grid: grid has no axes; omit `grid` for a single cell"]);
  });

  it("rejects an empty grid axis at its key", () => {
    expect(problems("name: x\ngrid:\n  model.nLayers: []\n")).toEqual(["suites/t.yaml:3:3: grid.model.nLayers: a grid axis needs at least one value"]);
  });

  it("rejects a grid key outside data/train/model at the key", () => {
    expect(problems("name: x\ngrid:\n  seeds: [2, 3]\n")[0]).toMatch(/^suites\/t\.yaml:3:3: grid\.seeds: invalid key `seeds`: a grid key is `data\.<field>`/);
  });

  it("rejects a grid key that is not a field of the cell config, at the key", () => {
    expect(problems("name: x\ngrid:\n  model.layers: [2, 4]\n")).toEqual([
      "suites/t.yaml:3:3: grid.model.layers: `layers` is not a field of `model` (fields: nLayers, dModel, nHeads, mlp, dMlp)",
    ]);
  });

  it("points at each grid value that is invalid for its field", () => {
    const lines = problems("name: x\ngrid:\n  model.nLayers: [2, 0, 2.5]\n  train.optimizer: [adam, sgd]\n");
    expect(lines).toEqual([
      "suites/t.yaml:3:22: grid.model.nLayers[1]: must be >= 1, found integer 0",
      "suites/t.yaml:3:25: grid.model.nLayers[2]: expected an integer, found number 2.5",
      'suites/t.yaml:4:27: grid.train.optimizer[1]: expected one of "adam", "adamw", found string "sgd"',
    ]);
  });

  it("rejects a repeated grid value, which would repeat a cell", () => {
    expect(problems("name: x\ngrid:\n  model.nLayers: [2, 4, 2]\n")).toEqual([
      "suites/t.yaml:3:25: grid.model.nLayers[2]: duplicate value 2 (same as item 0); it would repeat a cell",
    ]);
  });

  it("blames the grid value of nHeads that does not divide dModel, once per value", () => {
    const lines = problems("name: x\nmodel:\n  dModel: 64\ngrid:\n  model.nHeads: [4, 3]\n  train.lr: [1.0e-3, 1.0e-2]\n");
    expect(lines).toEqual(["suites/t.yaml:5:21: grid.model.nHeads[1]: dModel (64) must be divisible by nHeads (3)"]);
  });

  it("blames the grid value of dModel when dModel is the swept field", () => {
    expect(problems("name: x\ngrid:\n  model.dModel: [64, 66]\n")).toEqual(["suites/t.yaml:3:22: grid.model.dModel[1]: dModel (66) must be divisible by nHeads (4)"]);
  });

  it("blames the model key when no grid axis is involved", () => {
    expect(problems("name: x\nmodel:\n  dModel: 66\n")).toEqual(["suites/t.yaml:3:11: model.dModel: dModel (66) must be divisible by nHeads (4)"]);
  });

  it("rejects a field set both in its section and as a grid axis", () => {
    expect(problems("name: x\nmodel:\n  nLayers: 3\ngrid:\n  model.nLayers: [2, 4]\n")).toEqual([
      "suites/t.yaml:3:3: model.nLayers: also swept by grid key `model.nLayers`; set it in one place",
    ]);
  });

  it("rejects a figure axis that is not a grid axis, or one named twice, at its value", () => {
    const grid = "name: x\ngrid:\n  model.nLayers: [1, 2]\n  train.tokens: [1024, 2048]\n";
    expect(problems(`${grid}figure: { x: model.dModel, series: train.tokens, facet: train.tokens }\n`)).toEqual([
      "suites/t.yaml:5:14: figure.x: `model.dModel` is not a grid axis of this suite (its axes: model.nLayers, train.tokens)",
      "suites/t.yaml:5:57: figure.facet: `train.tokens` is also figure.series; x, series and facet name different axes",
    ]);
    expect(problems("name: x\nfigure:\n  x: model.nLayers\n")).toEqual(["suites/t.yaml:3:6: figure.x: `model.nLayers` cannot be plotted: the suite has no grid"]);
    expect(problems(`${grid}figure: { x: model.nLayers, colour: train.tokens }\n`)[0]).toMatch(/^suites\/t\.yaml:5:\d+: figure\.colour: /);
  });

  it("keeps a suite's hash when it declares a figure, which only says how the site draws it", () => {
    const grid = "name: x\ngrid:\n  model.nLayers: [1, 2]\n";
    const declared = parseSuite(`${grid}figure: { x: model.nLayers }\n`, FILE);
    expect(declared.suite.figure).toEqual({ x: "model.nLayers" });
    expect(declared.hash).toBe(parseSuite(grid, FILE).hash);
  });

  it("rejects an invalid seeds override without a position", () => {
    expect(() => parseSuite("name: x\n", FILE, { seeds: 1 })).toThrow(/^suites\/t\.yaml: seeds: override 1 is invalid/);
  });

  it("resolves defaults and hashes the resolved suite", () => {
    const a = parseSuite("name: x\n", FILE);
    const b = parseSuite("name: x\nseeds: 4\nmodel: {nLayers: 2}\n", FILE);
    expect(a.suite.train.lr).toBe(0.001);
    expect(a.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(b.hash).toBe(a.hash); // stating a default changes nothing
    expect(parseSuite("name: x\n", FILE, { seeds: 5 }).hash).not.toBe(a.hash);
  });
});

describe("loadSuite", () => {
  const dir = mkdtempSync(join(tmpdir(), "refit-suite-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names a file that does not exist", async () => {
    const file = join(dir, "missing.yaml");
    await expect(loadSuite(file)).rejects.toThrow(new SuiteError([`${file}: file not found`]));
  });

  it("reports a path that cannot be read as a SuiteError", async () => {
    const sub = join(dir, "a-directory.yaml");
    mkdirSync(sub);
    await expect(loadSuite(sub)).rejects.toThrow(new SuiteError([`${sub}: is a directory, not a suite file`]));
  });

  it("loads a file, reports its errors with its name, and writes nothing", async () => {
    const good = join(dir, "good.yaml");
    const bad = join(dir, "bad.yaml");
    writeFileSync(good, "name: good\ngrid:\n  model.nLayers: [1, 2]\n");
    writeFileSync(bad, "name: bad\nmodel:\n  nHeads: 0\n");
    const before = readdirSync(dir, { recursive: true }).sort();
    const cwd = process.cwd();
    process.chdir(dir); // anything written relative to the working directory would show up here
    try {
      const loaded = await loadSuite(good);
      expect(loaded.file).toBe(good);
      expect(loaded.cells.map((c) => c.config.model.nLayers)).toEqual([1, 2]);
      await expect(loadSuite(bad)).rejects.toThrow(`${bad}:3:11: model.nHeads: must be >= 1, found integer 0`);
    } finally {
      process.chdir(cwd);
    }
    expect(readdirSync(dir, { recursive: true }).sort()).toEqual(before);
  });
});
