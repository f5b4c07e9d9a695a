// Induction and previous-token scores per head, read off captured patterns and the probe tokens
// (the induction score of Olsson et al. 2022, "In-context learning and induction heads"). An
// induction head at query position i attends to the position right after the most recent earlier
// occurrence j of token[i]; its score is the mean over every such query of A[i, j + 1]. On the
// synthetic induction probes (a segment of distinct tokens shown twice) that is exactly the usual
// score on the repeated half; on text it averages over every repeated token. The previous-token
// score is the mean over i >= 1 of A[i, i - 1], what the first head of the induction circuit does.
import { type PatternLayout, type RefitPatterns, patternLayer, patternWidth, probeSegments } from "./patterns.ts";

/** A head counts as an induction head when its anchor induction score is at least this. */
export const INDUCTION_THRESHOLD = 0.4;

const errors = {
  tokens: (got: number, want: number) => `induction: the refit has ${got} probe tokens, the layout needs ${want}`,
} as const;

/** Offsets, within one head's row of K values, of the cells each score averages. */
export interface ScoreTargets {
  induction: Int32Array;
  prevToken: Int32Array;
}

/** Where A[i, j + 1] (induction) and A[i, i - 1] (previous token) sit in a head's row, over all probes. */
export function scoreTargets(layout: PatternLayout, tokens: Int32Array): ScoreTargets {
  const total = layout.probeLengths.reduce((a, b) => a + b, 0);
  if (tokens.length !== total) throw new Error(errors.tokens(tokens.length, total));
  const induction: number[] = [];
  const prevToken: number[] = [];
  let start = 0;
  probeSegments(layout).forEach(({ begin }, p) => {
    const lastSeen = new Map<number, number>();
    for (let i = 0; i < layout.probeLengths[p]; i++) {
      const row = begin + (i * (i + 1)) / 2;
      const token = tokens[start + i];
      const j = lastSeen.get(token);
      if (j !== undefined) induction.push(row + j + 1);
      if (i >= 1) prevToken.push(row + i - 1);
      lastSeen.set(token, i);
    }
    start += layout.probeLengths[p];
  });
  return { induction: Int32Array.from(induction), prevToken: Int32Array.from(prevToken) };
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
