// bin/convert_to_hf.py on tiny random checkpoints built here (never downloaded): TransformerLens
// state dicts and Hugging Face pytorch_model.bin directories become HF GPT-2 safetensors whose
// attention patterns and logits, computed by the independent PyTorch GPT-2 (gpt2_torch.py), equal
// those of the source weights computed in the source's own parameterisation (tl_torch.py's per-head
// einsums, or gpt2_torch.py on the .bin). Bad checkpoints get one line and exit 2.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeSafetensors } from "../../src/pipeline/artifacts/safetensors.ts";
import { DEBIAN_PYTHON, missingPythonModules, skipUnless } from "../helpers/requires.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const CONVERT = path.join(ROOT, "bin/convert_to_hf.py");
const HERE = import.meta.dirname;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "refit-convert-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const at = (...p: string[]) => path.join(tmp, ...p);
const python = (args: string[]) => spawnSync(DEBIAN_PYTHON, args, { encoding: "utf8", timeout: 120_000 });

function helper(script: string, args: string[]): void {
  const r = python([path.join(HERE, script), ...args]);
  if (r.status !== 0) throw new Error(`${script} ${args[0]} failed:\n${r.stderr}`);
}

const convert = (args: string[]) => python([CONVERT, ...args]);

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

/** The converter's main() on each argument list, in one process (run_convert.py): torch loads once. */
function convertEach(cases: string[][]): Outcome[] {
  fs.writeFileSync(at("cases.json"), JSON.stringify(cases));
  helper("run_convert.py", [at("cases.json"), at("outcomes.json")]);
  return JSON.parse(fs.readFileSync(at("outcomes.json"), "utf8"));
}

interface Reference {
  attn: number[][][];
  logits: number[][][];
}

/** Runs a reference script's `patterns+logits` mode on several checkpoints at once. */
function patterns(script: string, prompts: number[][], inputs: string[]): Record<string, Reference> {
  const tokens = at(`tokens-${script}.json`);
  const out = at(`patterns-${script}.json`);
  fs.writeFileSync(tokens, JSON.stringify(prompts));
  helper(script, ["patterns+logits", tokens, out, ...inputs]);
  return JSON.parse(fs.readFileSync(out, "utf8"));
}

function maxAbsDiff(a: unknown, b: unknown): number {
  if (Array.isArray(a) && Array.isArray(b)) {
    expect(a.length).toBe(b.length);
    return a.reduce((m: number, x, i) => Math.max(m, maxAbsDiff(x, b[i])), 0);
  }
  return Math.abs((a as number) - (b as number));
}

/** The spread of attention weights, so a test on near-uniform patterns cannot pass by accident. */
const maxWeight = (attn: number[][][]) => Math.max(...attn.flat(2));

// Every prompt starts with the last id (GPT-2's BOS convention); lengths vary so per-prompt offsets matter.
const PROMPTS = [
  [63, 5, 17, 2, 40, 33, 8, 12],
  [63, 9, 9, 1],
  [63, 50, 3, 22, 7, 61, 19, 30, 44, 2, 11, 6],
];
const TL = { n_ctx: 16, d_vocab: 64 };
const HF = { vocab_size: 64, n_positions: 16, file: "pytorch_model.bin" };
const PLAN = [
  { kind: "transformer-lens", name: "mlp.pth", spec: { ...TL, seed: 1, n_layers: 2, d_model: 24, n_heads: 3, d_mlp: 40, act_fn: "gelu_new" } },
  { kind: "transformer-lens", name: "attn-only.pth", spec: { ...TL, seed: 2, n_layers: 3, d_model: 16, n_heads: 4, d_mlp: 0, normalization_type: "LNPre", embed_config: true } },
  {
    kind: "transformer-lens",
    name: "gelu.pth",
    spec: { ...TL, seed: 3, n_layers: 2, d_model: 24, n_heads: 2, d_mlp: 32, act_fn: "gelu", scale_attn_by_inverse_layer_idx: true, unembed_bias: true, embed_config: true },
  },
  { kind: "hf", name: "bin-untied", spec: { ...HF, seed: 4, n_layer: 2, n_embd: 24, n_head: 3, n_inner: null } },
  {
    kind: "hf",
    name: "bin-tied",
    spec: { ...HF, seed: 5, n_layer: 3, n_embd: 16, n_head: 2, n_inner: 24, tied: true, prefix: false, dtype: "float16", activation: "gelu", scale_attn_by_inverse_layer_idx: true },
  },
  { kind: "broken", name: "no-w-o.pth", from: "mlp.pth", op: "drop", tensor: "blocks.1.attn.W_O" },
  { kind: "broken", name: "nan.pth", from: "mlp.pth", op: "nan", tensor: "embed.W_E" },
  { kind: "broken", name: "bad-shape", from: "bin-untied", op: "transpose", tensor: "transformer.h.0.attn.c_attn.weight" },
  { kind: "broken", name: "lying-tie", from: "bin-tied", op: "perturb", tensor: "lm_head.weight" },
];

const BAD: [string, string[], RegExp][] = [
  ["a missing tensor", ["transformer-lens", "no-w-o.pth", "--config", "mlp.config.json"], /no-w-o\.pth: missing tensor blocks\.1\.attn\.W_O \[3, 8, 24\]$/],
  ["non-finite values", ["transformer-lens", "nan.pth", "--config", "mlp.config.json"], /nan\.pth: tensor embed\.W_E has non-finite values/],
  ["a non-zero unembedding bias", ["transformer-lens", "gelu.pth"], /gelu\.pth: unembed\.b_U is not zero .*--drop-unembed-bias/],
  ["a wrong shape", ["pytorch-bin", "bad-shape"], /bad-shape\/pytorch_model\.bin: tensor h\.0\.attn\.c_attn\.weight has shape \[72, 24\], expected \[24, 72\]$/],
  ["a config that lies about tying", ["pytorch-bin", "lying-tie"], /lying-tie\/pytorch_model\.bin: lm_head\.weight differs from wte\.weight, but .*config\.json ties them/],
];

/** A bad case's arguments with its files under in/, writing (if it wrongly did) to refused/. */
const badArgs = ([format, input, ...rest]: string[]) => [format, at("in", input), ...rest.map((a) => (a.endsWith(".json") ? at("in", a) : a)), "--out", at("refused")];

describe.skipIf(skipUnless(missingPythonModules({ torch: "python3-torch", numpy: "python3-numpy" })))("convert_to_hf.py", () => {
  let tl: Record<string, Reference>;
  let hf: Record<string, Reference>;
  let cli: Outcome;
  let refused: Outcome[];

  beforeAll(() => {
    fs.writeFileSync(at("plan.json"), JSON.stringify(PLAN));
    helper("make_checkpoints.py", [at("in"), at("plan.json")]);
    const r = convert(["transformer-lens", at("in/mlp.pth"), "--config", at("in/mlp.config.json"), "--out", at("hf")]);
    if (r.status !== 0) throw new Error(`convert_to_hf.py failed:\n${r.stderr}`);
    cli = convert(badArgs(BAD[0][1])) as Outcome;
    const [tlMore, bins, ...bad] = convertEach([
      ["transformer-lens", at("in/attn-only.pth"), at("in/gelu.pth"), "--drop-unembed-bias", "--out", at("hf")],
      ["pytorch-bin", at("in/bin-untied"), at("in/bin-tied/pytorch_model.bin"), "--out", at("hf")],
      ...BAD.map(([, args]) => badArgs(args)),
    ]);
    for (const o of [tlMore, bins]) if (o.status !== 0) throw new Error(`convert_to_hf.py failed:\n${o.stderr}`);
    refused = bad;
    tl = patterns("tl_torch.py", PROMPTS, ["mlp", "attn-only", "gelu"].map((n) => at(`in/${n}.pth`)));
    const hfDirs = ["mlp", "attn-only", "gelu", "bin-untied", "bin-tied"].map((n) => at("hf", n));
    hf = patterns("gpt2_torch.py", PROMPTS, [...hfDirs, at("in/bin-untied"), at("in/bin-tied")]);
    // Six Python processes that each import torch: minutes on a busy machine.
  }, 300_000);

  it("converts TransformerLens state dicts: same patterns and logits as the per-head TransformerLens form", () => {
    for (const name of ["mlp", "attn-only", "gelu"]) {
      const source = tl[at(`in/${name}.pth`)];
      const converted = hf[at("hf", name)];
      const diff = maxAbsDiff(converted.attn, source.attn);
      console.log(`transformer-lens ${name}: max |pattern difference| ${diff.toExponential(2)}`);
      expect(maxWeight(source.attn)).toBeGreaterThan(0.6);
      expect(diff).toBeLessThan(1e-9);
      // gelu.pth has a non-zero unembed.b_U, dropped by request: its logits differ by exactly that bias.
      if (name !== "gelu") expect(maxAbsDiff(converted.logits, source.logits)).toBeLessThan(1e-9);
    }
  });

  it("marks an attention-only model so that transformers refuses it instead of inventing an MLP", () => {
    const config = JSON.parse(fs.readFileSync(at("hf/attn-only/config.json"), "utf8"));
    expect(config).toMatchObject({ activation_function: "none_attention_only", refit_attn_only: true, n_layer: 3, n_head: 4, n_embd: 16 });
    const names = [...decodeSafetensors(fs.readFileSync(at("hf/attn-only/model.safetensors"))).tensors.keys()];
    expect(names.filter((n) => /ln_2|mlp/.test(n))).toEqual([]);
  });

  it("converts pytorch_model.bin (prefixed or not, tied or not, float16): the same model, as F32 safetensors", () => {
    for (const name of ["bin-untied", "bin-tied"]) {
      expect(maxAbsDiff(hf[at("hf", name)].attn, hf[at("in", name)].attn)).toBe(0);
      expect(maxAbsDiff(hf[at("hf", name)].logits, hf[at("in", name)].logits)).toBe(0);
    }
    const untied = decodeSafetensors(fs.readFileSync(at("hf/bin-untied/model.safetensors")));
    const tied = decodeSafetensors(fs.readFileSync(at("hf/bin-tied/model.safetensors")));
    expect(untied.metadata).toEqual({ format: "pt" });
    expect(untied.tensors.get("lm_head.weight")?.shape).toEqual([64, 24]);
    const names = [...tied.tensors.keys()];
    expect(names).not.toContain("lm_head.weight");
    expect(names.every((n) => n.startsWith("transformer."))).toBe(true);
    expect(names.filter((n) => /\.attn\.(bias|masked_bias)$/.test(n))).toEqual([]);
    expect(tied.tensors.get("transformer.h.2.mlp.c_fc.weight")).toMatchObject({ dtype: "F32", shape: [16, 24] });
    const config = JSON.parse(fs.readFileSync(at("hf/bin-tied/config.json"), "utf8"));
    expect(config).toMatchObject({ tie_word_embeddings: true, activation_function: "gelu", scale_attn_by_inverse_layer_idx: true });
    expect(config.refit_converted_from.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("exits 2 with one line on stderr and no traceback, as a process", () => {
    expect(cli.status).toBe(2);
    expect(cli.stderr).not.toContain("Traceback");
    expect(cli.stderr.trim()).toMatch(/^convert_to_hf\.py: \S+no-w-o\.pth: missing tensor/);
    expect(cli.stderr.trim().split("\n")).toHaveLength(1);
  });

  BAD.forEach(([what, , message], i) => {
    it(`refuses ${what}: one line naming the file and the problem, exit 2, nothing written`, () => {
      expect(refused[i].status).toBe(2);
      expect(refused[i].stderr.trim().split("\n")).toHaveLength(1);
      expect(refused[i].stderr.trim()).toMatch(message);
      expect(fs.existsSync(at("refused"))).toBe(false);
    });
  });
});
