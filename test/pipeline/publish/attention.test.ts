import { describe, expect, it } from "vitest";
import { AttentionCellSchema } from "../../../src/pipeline/artifacts/attention-samples.ts";
import type { CaptureMeta } from "../../../src/pipeline/artifacts/capture-meta.ts";
import type { Capture } from "../../../src/pipeline/capture/format.ts";
import { BOS } from "../../../src/pipeline/data/tokenizer.ts";
import { extractAttention, tokenLabel } from "../../../src/pipeline/publish/attention.ts";
import { inductionProbes } from "../../../src/pipeline/data/synthetic.ts";
import { INDUCTION_PROBES } from "../../../src/pipeline/data/make-probes.ts";
import { CellConfigSchema } from "../../../src/pipeline/artifacts/suite.ts";

// Probes of 2 and 3 tokens; per head K = 3 + 6 values. A attends to BOS, B to itself.
const A = [1, 1, 0, 1, 1, 0, 1, 0, 0];
const B = [1, 0, 1, 1, 0, 1, 0, 0, 1];
// cos(A, B): probe 1 = 1 / (sqrt 2 sqrt 2) = 0.5, probe 2 = 1 / (sqrt 3 sqrt 3) = 1/3; cbar = 5/12.
const CBAR_AB = 5 / 12;
const config = CellConfigSchema.parse({ data: {}, train: {}, model: { nLayers: 1, nHeads: 2, dModel: 4 } });

function capture(seed: number, heads: number[][]): Capture {
  const meta: CaptureMeta = {
    format: "refit.capture", version: 2, seed, family: "f", source: { kind: "refit", runId: `run${seed}` }, config, tokenizer: "bytes",
    probeSet: { id: "t", hash: "h" }, probeLengths: [2, 3], backend: "cpu",
  };
  return { meta, attn: [Float32Array.from(heads.flat())], residPre: [], residMid: [], tokens: Int32Array.from([BOS, 72, BOS, 32, 105]), norms: {} };
}

describe("extractAttention", () => {
  const cell = extractAttention({ captures: [capture(2, [A, A]), capture(0, [A, B]), capture(1, [B, A])], probes: [0, 1], maxTokens: 2 });

  it("takes the lowest seed as the anchor and keeps each probe's first rows", () => {
    expect(cell.seeds).toEqual([0, 1, 2]);
    expect(cell.probes).toEqual([{ index: 0, tokens: ["<bos>", "H"] }, { index: 1, tokens: ["<bos>", "␣"] }]);
    expect(cell.patterns[0][0][1]).toEqual([[1, 0, 1], [1, 0, 1]]);
    expect(AttentionCellSchema.safeParse(cell).success).toBe(true);
  });

  it("finds a head that moved to another index in a seed", () => {
    const [toSeed1] = cell.matches[0][0];
    expect(toSeed1).toEqual({ seed: 1, paper: { head: 1, cbar: 1, cos: [1, 1] }, hungarian: { head: 1, cbar: 1, cos: [1, 1] } });
  });

  it("lets the paper's match be many-to-one while Hungarian stays one-to-one", () => {
    const fromB = cell.matches[0][1][1];
    expect(fromB.paper).toEqual({ head: 0, cbar: Math.round(CBAR_AB * 1e4) / 1e4, cos: [0.5, 0.3333] });
    const hungarianHeads = [cell.matches[0][0][1].hungarian.head, fromB.hungarian.head].sort();
    expect(hungarianHeads).toEqual([0, 1]);
  });

  it("refuses captures of different families", () => {
    const other = capture(1, [A, B]);
    other.meta = { ...other.meta, family: "g" };
    expect(() => extractAttention({ captures: [capture(0, [A, B]), other] })).toThrow(/the capture of seed 1 belongs to another family/);
  });
});

describe("tokenLabel", () => {
  it("spells out BOS, spaces and unprintable bytes", () => {
    expect([BOS, 32, 65, 10, 200].map((t) => tokenLabel(t, "bytes"))).toEqual(["<bos>", "␣", "A", "\\x0a", "\\xc8"]);
  });

  it("shows a GPT-2 token's text, and its BOS (id 256 is an ordinary GPT-2 token)", () => {
    expect([50256, 15496, 995, 256].map((t) => tokenLabel(t, "gpt2"))).toEqual(["<bos>", "Hello", "␣world", "␣t"]);
  });
});

describe("extractAttention on a synthetic induction probe", () => {
  // The first probe of the induction set: 48 letters, a filler then a segment shown twice, at the end.
  const [text] = inductionProbes(INDUCTION_PROBES);
  const tokens = [BOS, ...Array.from(text, (ch) => ch.charCodeAt(0))];
  const t = tokens.length;
  const uniform = Array.from({ length: t }, (_, i) => Array.from({ length: i + 1 }, () => 1 / (i + 1))).flat();
  const induction = (seed: number): Capture => ({
    meta: {
      format: "refit.capture", version: 2, seed, family: "f", source: { kind: "refit", runId: `run${seed}` }, config: CellConfigSchema.parse({ data: {}, train: {}, model: { nLayers: 1, nHeads: 1, dModel: 4 } }),
      tokenizer: "bytes", probeSet: { id: "induction", hash: "h" }, probeLengths: [t], backend: "cpu",
    },
    attn: [Float32Array.from(uniform)], residPre: [], residMid: [], tokens: Int32Array.from(tokens), norms: {},
  });
  const segment = (shown: string) => {
    const [lo, hi] = INDUCTION_PROBES.segment;
    for (let n = hi; n >= lo; n--) if (shown.length >= 2 * n && shown.slice(-2 * n, -n) === shown.slice(-n)) return shown.slice(-n);
    return null;
  };

  it("keeps the whole probe, so both copies of the repeated segment are in the sample", () => {
    const cell = extractAttention({ captures: [induction(0), induction(1)], probes: [0] });
    const shown = cell.probes[0].tokens.slice(1).join("");
    expect(shown).toBe(text);
    const seg = segment(shown)!;
    expect(seg.length).toBeGreaterThanOrEqual(INDUCTION_PROBES.segment[0]);
    expect(shown.indexOf(seg)).toBeLessThan(shown.lastIndexOf(seg));
    expect(cell.patterns[0][0][0][0]).toHaveLength((t * (t + 1)) / 2);
  });

  it("would have cut the repeat off at the 24 tokens versions before 2026-12-08 kept", () => {
    const cell = extractAttention({ captures: [induction(0), induction(1)], probes: [0], maxTokens: 24 });
    expect(segment(cell.probes[0].tokens.slice(1).join(""))).toBeNull();
  });
});
