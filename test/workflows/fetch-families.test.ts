// The nightly's download of public model families (.github/scripts/fetch-families.sh), against a
// local stand-in for the Hub (HF_ENDPOINT=file://...): every Hub model a suite's `models` names is
// fetched at its revision into <hub-dir>/<owner>/<name>, where `refit run --hub-dir` looks; one
// that ships only pytorch_model.bin (as Stanford CRFM's do) is converted to model.safetensors; a
// model missing from the Hub stops the script.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { saveCheckpoint } from "../../src/pipeline/model/checkpoint.ts";
import { GPT2_SETTINGS, paramShapes, type GptConfig, type Weights } from "../../src/pipeline/model/config.ts";
import { DEBIAN_PYTHON, missingPythonModules, skipUnless } from "../helpers/requires.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SCRIPT = path.join(ROOT, ".github/scripts/fetch-families.sh");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-fetch-families-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const CONFIG: GptConfig = { nLayers: 1, dModel: 8, nHeads: 2, dMlp: 16, vocabSize: 257, nCtx: 64, ...GPT2_SETTINGS };
const hub = path.join(tmp, "hub-site");

/** A model on the stand-in Hub at a revision: resolve/<revision>/config.json and model.safetensors. */
function publish(id: string, revision: string): string {
  const dir = path.join(hub, id, "resolve", revision);
  const weights: Weights = new Map([...paramShapes(CONFIG)].map(([n, shape]) => [n, { shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.01) }]));
  saveCheckpoint(dir, weights, { config: CONFIG });
  return dir;
}

function suite(name: string, checkpoints: string): string {
  const file = path.join(tmp, `${name}.yaml`);
  fs.writeFileSync(file, `name: ${name}\nmodels:\n  - family: f\n    checkpoints:\n${checkpoints}`);
  return file;
}

const fetchFamilies = (hubDir: string, ...suites: string[]) =>
  spawnSync("bash", [SCRIPT, hubDir, ...suites], { cwd: ROOT, encoding: "utf8", timeout: 120_000, env: { ...process.env, HF_ENDPOINT: `file://${hub}`, PYTHON: DEBIAN_PYTHON } });

describe("fetch-families.sh", () => {
  it("fetches each Hub model at its revision (main when none is given) into <hub-dir>/<owner>/<name>, and skips local paths", () => {
    const a = publish("org-a/model-x1", "v2");
    const b = publish("org-b/model-x2", "main");
    const file = suite("two", "      - { hub: org-a/model-x1, revision: v2 }\n      - hub: org-b/model-x2\n      - path: local/seed-3\n");
    const out = path.join(tmp, "fetched");
    const r = fetchFamilies(out, file);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim().split("\n")).toEqual([`org-a/model-x1@v2: model.safetensors in ${out}/org-a/model-x1`, `org-b/model-x2@main: model.safetensors in ${out}/org-b/model-x2`]);
    for (const [from, id] of [[a, "org-a/model-x1"], [b, "org-b/model-x2"]]) {
      for (const f of ["config.json", "model.safetensors"]) expect(fs.readFileSync(path.join(out, id, f))).toEqual(fs.readFileSync(path.join(from, f)));
    }
    expect(fs.readdirSync(out).sort()).toEqual(["org-a", "org-b"]);
  });

  it("stops, naming the file, when a model is not on the Hub at that revision", () => {
    publish("org-a/model-x1", "v2");
    const r = fetchFamilies(path.join(tmp, "fetched-missing"), suite("missing", "      - { hub: org-a/model-x1, revision: v3 }\n      - { hub: org-a/model-x1b, revision: v2 }\n"));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/curl: \(37\).*org-a\/model-x1\/resolve\/v3\/config\.json/);
  });

  it("stops before any download when a suite does not load", () => {
    const r = fetchFamilies(path.join(tmp, "fetched-bad"), suite("bad", "      - { hub: not-an-id }\n      - { hub: org-a/model-x1 }\n"));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/bad\.yaml:\d+:\d+: models\[0\]\.checkpoints\[0\]\.hub: /);
    expect(fs.existsSync(path.join(tmp, "fetched-bad"))).toBe(false);
  });

  describe.skipIf(skipUnless(missingPythonModules({ torch: "python3-torch", numpy: "python3-numpy" })))("a model that ships pytorch_model.bin", () => {
    it("is converted to model.safetensors with bin/convert_to_hf.py", () => {
      const plan = [{ kind: "hf", name: "org-c/crfm-x21/resolve/main", spec: { n_layer: 1, n_embd: 8, n_head: 2, n_inner: 16, vocab_size: 50257, n_positions: 64, tied: true, scale_attn_by_inverse_layer_idx: true, file: "pytorch_model.bin", seed: 3 } }];
      fs.writeFileSync(path.join(tmp, "plan.json"), JSON.stringify(plan));
      const made = spawnSync(DEBIAN_PYTHON, [path.join(ROOT, "test/parity/make_checkpoints.py"), hub, path.join(tmp, "plan.json")], { encoding: "utf8" });
      expect(made.status, made.stderr).toBe(0);
      const out = path.join(tmp, "fetched-bin");
      const r = fetchFamilies(out, suite("bin", "      - hub: org-c/crfm-x21\n      - path: other/seed-1\n"));
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`org-c/crfm-x21@main: pytorch_model.bin converted into ${out}/org-c/crfm-x21`);
      expect(fs.readdirSync(path.join(out, "org-c/crfm-x21")).sort()).toEqual(["config.json", "model.safetensors"]);
      const config = JSON.parse(fs.readFileSync(path.join(out, "org-c/crfm-x21/config.json"), "utf8"));
      expect(config.refit_converted_from).toMatchObject({ format: "pytorch-bin" });
    });
  });
});
