// Attention samples for the site's viewer (AttentionSamplesSchema): from one cell's capture files,
// a few probes' patterns for every head of every seed, and each anchor head's match in every other
// seed, both the paper's (argmax of cbar, many-to-one) and the one-to-one Hungarian assignment
// (compare/hungarian.ts).
// cbar and cos follow docs/metrics.md via compare/cosine.ts. Pure: captures in, JSON-ready data out.
import type { AttentionCell } from "../artifacts/attention-samples.ts";
import { patternsOf } from "../assemble/captures.ts";
import type { Capture } from "../capture/format.ts";
import { cbarMatrix, cosine, preparePatterns, type PreparedPatterns } from "../compare/cosine.ts";
import { maxAssignment } from "../compare/hungarian.ts";
import { sameLayout } from "../compare/patterns.ts";
import { GPT2_BOS, gpt2Tokenizer } from "../data/bpe.ts";
import { BOS } from "../data/tokenizer.ts";

export interface ExtractAttentionOptions {
  /** Every finished capture of one cell, any order; the lowest seed is the anchor. */
  captures: readonly Capture[];
  /** Probe indices to sample, in the order shown (default: the first three). */
  probes?: readonly number[];
  /** Tokens kept per probe, BOS included: the first rows of a causal pattern do not depend on later tokens. */
  maxTokens?: number;
}

export const DEFAULT_SAMPLE_PROBES = [0, 1, 2] as const;
/**
 * Whole probes of the default set (at most 59 tokens with BOS) and of the induction set (49), so the
 * viewer shows an induction probe's repeat, which sits at its end; a longer probe (words-N) keeps
 * its first 64 tokens. Versions before 2026-12-08 kept 24, which cut every repeat off.
 */
export const DEFAULT_MAX_TOKENS = 64;

const errors = {
  tooFew: (n: number) => `extractAttention: needs the anchor and at least one more capture, got ${n}`,
  otherCell: (seed: number) => `extractAttention: the capture of seed ${seed} belongs to another family or probe layout than the anchor`,
  noProbe: (p: number, n: number) => `extractAttention: probe ${p} is out of range (the probe set has ${n})`,
} as const;

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/** A token as a short readable label: BOS and unprintable bytes spelled out, a GPT-2 token's text with ␣ for spaces. */
export function tokenLabel(id: number, tokenizer: string): string {
  if (tokenizer === "gpt2") return id === GPT2_BOS ? "<bos>" : gpt2Tokenizer.decode([id]).replaceAll(" ", "␣");
  if (tokenizer !== "bytes") return `#${id}`;
  if (id === BOS) return "<bos>";
  if (id === 32) return "␣";
  if (id > 32 && id < 127) return String.fromCharCode(id);
  return `\\x${id.toString(16).padStart(2, "0")}`;
}

/** Cosine of two heads (flat indices) on one probe's full segment. */
function probeCos(a: PreparedPatterns, i: number, b: PreparedPatterns, j: number, probe: number): number {
  const { begin, end } = a.segments[probe];
  return cosine(a.heads[i].subarray(begin, end), b.heads[j].subarray(begin, end));
}

/** Extracts one cell's viewer data; numbers are rounded to 4 decimals to keep the JSON small. */
export function extractAttention(options: ExtractAttentionOptions): AttentionCell {
  const captures = [...options.captures].sort((a, b) => a.meta.seed - b.meta.seed);
  if (captures.length < 2) throw new Error(errors.tooFew(captures.length));
  const maxTokens = options.maxTokens ?? DEFAULT_MAX_TOKENS;
  const views = captures.map(patternsOf);
  const { layout } = views[0];
  const cellId = captures[0].meta.family;
  captures.forEach((c, s) => {
    if (c.meta.family !== cellId || !sameLayout(views[s].layout, layout)) throw new Error(errors.otherCell(c.meta.seed));
  });
  const nProbes = layout.probeLengths.length;
  const probes = (options.probes ?? DEFAULT_SAMPLE_PROBES.filter((p) => p < nProbes)).map((p) => {
    if (!Number.isInteger(p) || p < 0 || p >= nProbes) throw new Error(errors.noProbe(p, nProbes));
    return p;
  });
  const prepared = views.map((v, s) => preparePatterns(layout, v.patterns, `seed ${captures[s].meta.seed}`));
  const { nLayers, nHeads } = layout;
  const { tokenizer } = captures[0].meta;
  const tokenStart = layout.probeLengths.map((_, p) => layout.probeLengths.slice(0, p).reduce((s, t) => s + t, 0));
  const kept = probes.map((p) => Math.min(maxTokens, layout.probeLengths[p]));

  const patterns = prepared.map((prep) =>
    Array.from({ length: nLayers }, (_, l) =>
      Array.from({ length: nHeads }, (_, h) =>
        // The first t rows of a row-major lower triangle are its first t(t+1)/2 values.
        probes.map((p, i) => Array.from(prep.heads[l * nHeads + h].subarray(prep.segments[p].begin, prep.segments[p].begin + (kept[i] * (kept[i] + 1)) / 2), round4)),
      ),
    ),
  );

  const seeds = captures.map((c) => c.meta.seed);
  return {
    cellId,
    nLayers,
    nHeads,
    seeds,
    probes: probes.map((p, i) => ({
      index: p,
      tokens: Array.from(captures[0].tokens.subarray(tokenStart[p], tokenStart[p] + kept[i]), (id) => tokenLabel(id, tokenizer)),
    })),
    patterns,
    matches: matchesOf(prepared, seeds, probes, layout),
  };
}

/** matches[l][h][r]: anchor head (l, h) in seeds[r + 1], by the paper's argmax of cbar and by Hungarian assignment within the layer. */
function matchesOf(prepared: readonly PreparedPatterns[], seeds: readonly number[], probes: readonly number[], shape: { nLayers: number; nHeads: number }): AttentionCell["matches"] {
  const { nLayers, nHeads } = shape;
  const [anchor, ...others] = prepared;
  const n = nLayers * nHeads;
  const matches = Array.from({ length: nLayers }, () => Array.from({ length: nHeads }, () => [] as AttentionCell["matches"][number][number]));
  others.forEach((other, r) => {
    const full = cbarMatrix(anchor, other);
    for (let l = 0; l < nLayers; l++) {
      const block = new Float64Array(nHeads * nHeads);
      for (let h = 0; h < nHeads; h++) for (let g = 0; g < nHeads; g++) block[h * nHeads + g] = full[(l * nHeads + h) * n + l * nHeads + g];
      const oneToOne = maxAssignment(block, nHeads);
      const describe = (h: number, g: number) => ({
        head: g,
        cbar: round4(block[h * nHeads + g]),
        cos: probes.map((p) => round4(probeCos(anchor, l * nHeads + h, other, l * nHeads + g, p))),
      });
      for (let h = 0; h < nHeads; h++) {
        let best = 0;
        for (let g = 1; g < nHeads; g++) if (block[h * nHeads + g] > block[h * nHeads + best]) best = g;
        matches[l][h].push({ seed: seeds[r + 1], paper: describe(h, best), hungarian: describe(h, oneToOne[h]) });
      }
    }
  });
  return matches;
}
