// Induction and previous-token scores per head, read off captured patterns and the probe tokens
// (the induction score of Olsson et al. 2022, "In-context learning and induction heads"). An
// induction head at query position i attends to the position right after the most recent earlier
// occurrence j of token[i]; its score is the mean over every such query of A[i, j + 1]. On the
// synthetic induction probes (a segment of distinct tokens shown twice) that is exactly the usual
// score on the repeated half; on text it averages over every repeated token. The previous-token
// score is the mean over i >= 1 of A[i, i - 1], what the first head of the induction circuit does.
import { COS_EPS } from "./cosine.ts";
import { probePartners, uniformPattern } from "./nulls.ts";
import { type PatternLayout, type ProbeSegment, type RefitPatterns, patternLayer, patternWidth, probeSegments } from "./patterns.ts";

/** A head counts as an induction head when its anchor induction score is at least this. */
export const INDUCTION_THRESHOLD = 0.4;

/** Flat indices l * H + h of the induction heads among one refit's scores. */
export const inductionHeads = (scores: HeadScores): number[] => [...scores.induction.keys()].filter((i) => scores.induction[i] >= INDUCTION_THRESHOLD);

const errors = {
  tokens: (got: number, want: number) => `induction: the refit has ${got} probe tokens, the layout needs ${want}`,
} as const;

/** Offsets, within one head's row of K values, of the cells each score averages. */
export interface ScoreTargets {
  induction: Int32Array;
  prevToken: Int32Array;
  /** Per probe, the query positions i whose token occurred earlier in it: where an induction head's job is defined. */
  repeatRows: Int32Array[];
}

/** Where A[i, j + 1] (induction) and A[i, i - 1] (previous token) sit in a head's row, over all probes. */
export function scoreTargets(layout: PatternLayout, tokens: Int32Array): ScoreTargets {
  const total = layout.probeLengths.reduce((a, b) => a + b, 0);
  if (tokens.length !== total) throw new Error(errors.tokens(tokens.length, total));
  const induction: number[] = [];
  const prevToken: number[] = [];
  const repeatRows: Int32Array[] = [];
  let start = 0;
  probeSegments(layout).forEach(({ begin }, p) => {
    const lastSeen = new Map<number, number>();
    const rows: number[] = [];
    for (let i = 0; i < layout.probeLengths[p]; i++) {
      const row = begin + (i * (i + 1)) / 2;
      const token = tokens[start + i];
      const j = lastSeen.get(token);
      if (j !== undefined) {
        induction.push(row + j + 1);
        rows.push(i);
      }
      if (i >= 1) prevToken.push(row + i - 1);
      lastSeen.set(token, i);
    }
    repeatRows.push(Int32Array.from(rows));
    start += layout.probeLengths[p];
  });
  return { induction: Int32Array.from(induction), prevToken: Int32Array.from(prevToken), repeatRows };
}

/** Per head of one layer ([H, K] values): the mean of its row at `offsets`; NaN when there are none. */
function meanAt(values: Float32Array, nHeads: number, k: number, offsets: Int32Array): Float64Array {
  const out = new Float64Array(nHeads);
  for (let h = 0; h < nHeads; h++) {
    let s = 0;
    for (const o of offsets) s += values[h * k + o];
    out[h] = offsets.length > 0 ? s / offsets.length : NaN;
  }
  return out;
}

export interface HeadScores {
  /** Flat [L * H]. */
  induction: Float64Array;
  prevToken: Float64Array;
}

/** Both scores for every head of one refit, reading its patterns a layer at a time. */
export function headScores(layout: PatternLayout, patterns: RefitPatterns, targets: ScoreTargets, label: string): HeadScores {
  const { nLayers: L, nHeads: H } = layout;
  const k = patternWidth(layout);
  const out = { induction: new Float64Array(L * H), prevToken: new Float64Array(L * H) };
  for (let l = 0; l < L; l++) {
    const values = patternLayer(layout, patterns, l, label);
    out.induction.set(meanAt(values, H, k, targets.induction), l * H);
    out.prevToken.set(meanAt(values, H, k, targets.prevToken), l * H);
  }
  return out;
}

/**
 * Head similarity restricted to the repeat rows, for a few anchor heads: per refit r and chosen head
 * k, `max` is the largest, over the heads of the same layer in refit r, of the mean over probes of
 * the cosine between the two heads' patterns on that probe's repeat rows only; `shuffled` the same
 * against refit r's patterns on the probe's same-length partner (nulls.ts), read at the same rows;
 * `uniform` the anchor head's restricted cosine with the uniform causal pattern. Outside the repeat
 * rows an induction head has no defined job, so seeds may legitimately differ there: these tables
 * test the known answer where it is known. Row r = 0 (the anchor against itself) is left 0.
 */
export interface RepeatRowTables {
  /** Flat head indices l * H + h of the anchor heads compared. */
  heads: readonly number[];
  /** [r * heads.length + k]. */
  max: Float64Array;
  /** [r * heads.length + k]; null when no probe with repeat rows has a same-length partner. */
  shuffled: Float64Array | null;
  /** [k]. */
  uniform: Float64Array;
}

/** Sum of x * y over the cells of `rows` of two probes' lower triangles, starting at xBegin in x and yBegin in y. */
function rowsDot(x: Float32Array, xBegin: number, y: Float32Array, yBegin: number, rows: Int32Array): number {
  let s = 0;
  for (const i of rows) {
    const off = (i * (i + 1)) / 2;
    for (let j = 0; j <= i; j++) s += x[xBegin + off + j] * y[yBegin + off + j];
  }
  return s;
}

/**
 * Mean over probes p with repeat rows of the cosine between x on p and y on partner[p] (p itself
 * when partner is null), both read at p's repeat rows; probes without a partner are left out.
 */
function rowsCbar(x: Float32Array, y: Float32Array, segments: readonly ProbeSegment[], rows: readonly Int32Array[], partner: Int32Array | null): number {
  let total = 0;
  let used = 0;
  segments.forEach(({ begin }, p) => {
    const q = partner ? partner[p] : p;
    if (rows[p].length === 0 || q < 0) return;
    const yBegin = segments[q].begin;
    const norms = Math.sqrt(rowsDot(x, begin, x, begin, rows[p])) * Math.sqrt(rowsDot(y, yBegin, y, yBegin, rows[p]));
    total += rowsDot(x, begin, y, yBegin, rows[p]) / Math.max(norms, COS_EPS);
    used++;
  });
  return used > 0 ? total / used : NaN;
}

/** The tables above for anchor heads `heads` (flat l * H + h) of a cell's refits (index 0 the anchor). */
export function repeatRowTables(layout: PatternLayout, refits: readonly RefitPatterns[], heads: readonly number[], rows: readonly Int32Array[]): RepeatRowTables {
  const H = layout.nHeads;
  const k = patternWidth(layout);
  const segments = probeSegments(layout);
  const partner = probePartners(layout.probeLengths);
  const R = refits.length;
  const m = heads.length;
  const anyPartner = segments.some((_, p) => rows[p].length > 0 && partner[p] >= 0);
  const out: RepeatRowTables = { heads, max: new Float64Array(R * m), shuffled: anyPartner ? new Float64Array(R * m) : null, uniform: new Float64Array(m) };
  const uniform = uniformPattern(layout);
  const head = (values: Float32Array, h: number) => values.subarray(h * k, (h + 1) * k);
  for (const l of new Set(heads.map((i) => Math.floor(i / H)))) {
    const anchor = patternLayer(layout, refits[0], l, "anchor");
    const mine = heads.flatMap((i, at) => (Math.floor(i / H) === l ? [at] : []));
    for (const at of mine) out.uniform[at] = rowsCbar(head(anchor, heads[at] % H), uniform, segments, rows, null);
    for (let r = 1; r < R; r++) {
      const values = patternLayer(layout, refits[r], l, `refits[${r}]`);
      for (const at of mine) {
        const x = head(anchor, heads[at] % H);
        let best = -Infinity;
        let bestShuffled = -Infinity;
        for (let h = 0; h < H; h++) {
          best = Math.max(best, rowsCbar(x, head(values, h), segments, rows, null));
          if (out.shuffled) bestShuffled = Math.max(bestShuffled, rowsCbar(x, head(values, h), segments, rows, partner));
        }
        out.max[r * m + at] = best;
        if (out.shuffled) out.shuffled[r * m + at] = bestShuffled;
      }
    }
  }
  return out;
}
