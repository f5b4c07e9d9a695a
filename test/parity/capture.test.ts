// `refit capture` against PyTorch, end to end on tiny random families built here (never
// downloaded): TransformerLens state dicts (erf GELU with inverse-layer attention scaling; an
// attention-only one with folded LayerNorms) and Hugging Face pytorch_model.bin seeds (GPT-2's
// vocabulary and BPE, tied head), converted by bin/convert_to_hf.py, captured by the real CLI, and
// compared with the attention patterns PyTorch computes from the same weights on the same tokens:
// through the HF layout (gpt2_torch.py) and, for TransformerLens, in its own per-head form
// (tl_torch.py). Then `refit compare` reads the families as cells.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeCapture, type Capture } from "../../src/pipeline/capture/format.ts";
import { gpt2Tokenizer } from "../../src/pipeline/data/bpe.ts";
import { loadProbeSet, tokenizeProbes } from "../../src/pipeline/data/probes.ts";
import { DEBIAN_PYTHON, missingPythonModules, skipUnless } from "../helpers/requires.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const HERE = import.meta.dirname;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-capture-parity-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const at = (...p: string[]) => path.join(tmp, ...p);

/** Building, converting and capturing three families and PyTorch's references: minutes on a busy machine. */
const SETUP_TIMEOUT = 600_000;

/** Float32 tfjs against float64 PyTorch: patterns agree far below this. */
const TOLERANCE = 1e-5;

function python(script: string, args: string[]): void {
  const r = spawnSync(DEBIAN_PYTHON, [path.join(HERE, script), ...args], { encoding: "utf8", timeout: 180_000 });
  if (r.status !== 0) throw new Error(`${script} ${args[0]} failed:\n${r.stderr}`);
}

const refit = (args: string[]) => spawnSync(process.execPath, [path.join(ROOT, "bin/refit.mjs"), ...args], { cwd: ROOT, encoding: "utf8", timeout: 240_000 });

const TL = { d_vocab: 257, n_ctx: 64 };
const FAMILIES = {
  tl: { seeds: ["seed-1", "seed-2"], spec: { ...TL, n_layers: 2, d_model: 24, n_heads: 3, d_mlp: 40, act_fn: "gelu", scale_attn_by_inverse_layer_idx: true } },
  "attn-only": { seeds: ["seed-1", "seed-2"], spec: { ...TL, n_layers: 2, d_model: 16, n_heads: 4, d_mlp: 0, normalization_type: "LNPre", embed_config: true } },
  crfm: {
    seeds: ["alias-x21", "battlestar-x49"],
    spec: { n_layer: 2, n_embd: 16, n_head: 2, n_inner: 32, vocab_size: 50257, n_positions: 64, tied: true, scale_attn_by_inverse_layer_idx: true, file: "pytorch_model.bin" },
  },
} as const;
type Family = keyof typeof FAMILIES;
const seedsOf = (f: Family): readonly string[] => FAMILIES[f].seeds;

function plan(): unknown[] {
  return (Object.keys(FAMILIES) as Family[]).flatMap((family) =>
    seedsOf(family).map((name, i) =>
      family === "crfm"
        ? { kind: "hf", name: `in/${family}/${name}`, spec: { ...FAMILIES.crfm.spec, seed: 10 + i } }
        : { kind: "transformer-lens", name: `in/${family}/${name}.pth`, spec: { ...FAMILIES[family].spec, seed: 20 + i } },
    ),
  );
}

/** A capture's token ids cut into its probes. */
function promptsOf(c: Capture): number[][] {
  let at = 0;
  return c.meta.probeLengths.map((t) => Array.from(c.tokens.subarray(at, (at += t))));
}

function maxPatternDiff(c: Capture, reference: number[][][]): number {
  let worst = 0;
  c.attn.forEach((layer, l) => {
    const K = layer.length / reference[l].length;
    reference[l].forEach((head, h) => {
      expect(head).toHaveLength(K);
      head.forEach((x, k) => (worst = Math.max(worst, Math.abs(x - layer[h * K + k]))));
    });
  });
  return worst;
}

describe.skipIf(skipUnless(missingPythonModules({ torch: "python3-torch", numpy: "python3-numpy" })))("refit capture vs PyTorch", () => {
  const captures = new Map<string, Capture>();
  const runs: Record<string, { status: number | null; stdout: string; stderr: string }> = {};
  let viaHf: Record<string, { attn: number[][][] }>;
  let viaTl: Record<string, { attn: number[][][] }>;
  let viaHfGpt2: Record<string, { attn: number[][][] }>;

  beforeAll(() => {
    fs.writeFileSync(at("plan.json"), JSON.stringify(plan()));
    python("make_checkpoints.py", [tmp, at("plan.json")]);
    const tlFiles = (f: Family) => seedsOf(f).map((s) => at("in", f, `${s}.pth`));
    fs.writeFileSync(
      at("cases.json"),
      JSON.stringify([
        ["transformer-lens", ...tlFiles("tl"), "--config", at("in/tl/seed-1.config.json"), "--tokenizer", "bytes", "--out", at("hf/tl")],
        ["transformer-lens", ...tlFiles("attn-only"), "--tokenizer", "bytes", "--out", at("hf/attn-only")],
        ["pytorch-bin", ...seedsOf("crfm").map((s) => at("in/crfm", s)), "--out", at("hf/crfm")],
      ]),
    );
    python("run_convert.py", [at("cases.json"), at("converted.json")]);
    for (const o of JSON.parse(fs.readFileSync(at("converted.json"), "utf8"))) if (o.status !== 0) throw new Error(`convert_to_hf.py: ${o.stderr}`);

    for (const family of Object.keys(FAMILIES) as Family[]) {
      const dirs = seedsOf(family).map((s) => at("hf", family, s));
      runs[family] = refit(["capture", ...dirs, "--family", `tiny-${family}`, "--probes", "default", "--out", at("captures"), "--backend", "wasm"]);
      for (const s of seedsOf(family)) {
        const file = at("captures", `tiny-${family}`, `${s}.safetensors`);
        if (fs.existsSync(file)) captures.set(`${family}/${s}`, decodeCapture(fs.readFileSync(file), file));
      }
    }
    const bytesTokens = at("bytes-tokens.json");
    const gpt2Tokens = at("gpt2-tokens.json");
    fs.writeFileSync(bytesTokens, JSON.stringify(promptsOf(captures.get("tl/seed-1")!)));
    fs.writeFileSync(gpt2Tokens, JSON.stringify(promptsOf(captures.get("crfm/alias-x21")!)));
    python("tl_torch.py", ["patterns", bytesTokens, at("tl.json"), ...tlFiles("tl"), ...tlFiles("attn-only")]);
    python("gpt2_torch.py", ["patterns", bytesTokens, at("hf.json"), ...(["tl", "attn-only"] as const).flatMap((f) => seedsOf(f).map((s) => at("hf", f, s)))]);
    python("gpt2_torch.py", ["patterns", gpt2Tokens, at("hf-gpt2.json"), ...seedsOf("crfm").map((s) => at("hf/crfm", s))]);
    viaTl = JSON.parse(fs.readFileSync(at("tl.json"), "utf8"));
    viaHf = JSON.parse(fs.readFileSync(at("hf.json"), "utf8"));
    viaHfGpt2 = JSON.parse(fs.readFileSync(at("hf-gpt2.json"), "utf8"));
  }, SETUP_TIMEOUT);

  it("captures every checkpoint of each family, naming its seed and where it went", () => {
    for (const family of Object.keys(FAMILIES) as Family[]) {
      expect(runs[family].stderr).not.toMatch(/at .*\.ts:\d+/);
      expect(runs[family].status).toBe(0);
      for (const s of seedsOf(family)) expect(captures.has(`${family}/${s}`)).toBe(true);
    }
    expect(runs.crfm.stdout).toMatch(/alias-x21 \(seed 21, gpt2 tokens, ablated\)/);
    expect(runs.crfm.stdout).toMatch(/battlestar-x49 \(seed 49, gpt2 tokens\)/);
  });

  it("equals PyTorch's patterns on the same weights, through HF's layout and in TransformerLens's own form", () => {
    for (const family of ["tl", "attn-only"] as const) {
      for (const s of seedsOf(family)) {
        const c = captures.get(`${family}/${s}`)!;
        const hf = maxPatternDiff(c, viaHf[at("hf", family, s)].attn);
        const tl = maxPatternDiff(c, viaTl[at("in", family, `${s}.pth`)].attn);
        console.log(`${family}/${s}: max |refit capture - PyTorch| = ${hf.toExponential(2)} (HF layout), ${tl.toExponential(2)} (TransformerLens form)`);
        expect(hf).toBeLessThan(TOLERANCE);
        expect(tl).toBeLessThan(TOLERANCE);
      }
    }
    for (const s of seedsOf("crfm")) {
      const diff = maxPatternDiff(captures.get(`crfm/${s}`)!, viaHfGpt2[at("hf/crfm", s)].attn);
      console.log(`crfm/${s}: max |refit capture - PyTorch| = ${diff.toExponential(2)} (GPT-2 BPE tokens, tied head)`);
      expect(diff).toBeLessThan(TOLERANCE);
    }
  });

  it("tokenizes the probe texts with each model's tokenizer and records where the weights came from", () => {
    const probes = loadProbeSet("default");
    const gpt2 = captures.get("crfm/alias-x21")!;
    expect(promptsOf(gpt2)).toEqual(tokenizeProbes(probes.prompts, gpt2Tokenizer).map((t) => Array.from(t)));
    expect(gpt2.meta).toMatchObject({ version: 2, seed: 21, family: "tiny-crfm", tokenizer: "gpt2", config: { model: { nLayers: 2, dModel: 16, nHeads: 2, mlp: true, dMlp: 32 } } });
    expect(gpt2.meta.source).toMatchObject({ kind: "external", model: at("hf/crfm/alias-x21"), revision: null });
    expect(gpt2.meta.config).not.toHaveProperty("train");
    expect(gpt2.ablation).toHaveLength(2 * 2);
    expect(captures.get("crfm/battlestar-x49")!.ablation).toBeUndefined();
    const bytes = captures.get("tl/seed-1")!;
    expect(bytes.meta.tokenizer).toBe("bytes");
    expect(bytes.meta.probeLengths).toEqual(probes.tokens.map((t) => t.length));
    expect(captures.get("attn-only/seed-1")!.meta.config.model).toEqual({ nLayers: 2, dModel: 16, nHeads: 4, mlp: false });
  });

  it("refit compare reads each family as one cell, trained elsewhere", () => {
    const r = refit(["compare", at("captures"), "--resamples", "20", "--json", at("compare.json")]);
    expect(r.status).toBe(0);
    for (const family of Object.keys(FAMILIES)) expect(r.stdout).toMatch(new RegExp(`cell \\d tiny-${family} .*trained elsewhere`));
    const result = JSON.parse(fs.readFileSync(at("compare.json"), "utf8"));
    expect(result.cells.map((c: { cellId: string; seeds: number[] }) => [c.cellId, c.seeds]).sort()).toEqual([
      ["tiny-attn-only", [1, 2]],
      ["tiny-crfm", [21, 49]],
      ["tiny-tl", [1, 2]],
    ]);
  }, 180_000);
});
