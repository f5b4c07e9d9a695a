// Pattern similarity as the paper computes it (arXiv 2602.16740; docs/metrics.md):
// cos(x, y) = x.y / max(|x||y|, 1e-8), and cbar = the mean over probes of per-probe cosines,
// taken BEFORE any max over heads. Heads are flattened as i = l * H + h. This is the direct,
// entry-by-entry statement in float64, used where a few entries are needed (the attention viewer);
// pairs.ts computes whole cells with the SIMD kernel of kernels/cbar.wat, which tests check against it.
import {
  type PatternLayout,
  type ProbeSegment,
  type PatternArrays,
  patternWidth,
  probeSegments,
  sameLayout,
  validatePatterns,
} from "./patterns.ts";

/** The paper's guard against zero-norm patterns: an all-zero vector has cos 0 with anything. */
export const COS_EPS = 1e-8;

const errors = {
  lengthMismatch: (a: number, b: number) => `cosine: vectors differ in length (${a} vs ${b})`,
  layoutMismatch: "cbar: the two refits were prepared with different layouts",
} as const;

/** x.y / max(|x||y|, eps), accumulated in float64. */
export function cosine(x: ArrayLike<number>, y: ArrayLike<number>): number {
  if (x.length !== y.length) throw new Error(errors.lengthMismatch(x.length, y.length));
  let dot = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < x.length; i++) {
    dot += x[i] * y[i];
    xx += x[i] * x[i];
    yy += y[i] * y[i];
  }
  return dot / Math.max(Math.sqrt(xx) * Math.sqrt(yy), COS_EPS);
}

/** A refit's patterns, validated, with per-head row views and per-(head, probe) norms. */
export interface PreparedPatterns {
  layout: PatternLayout;
  segments: readonly ProbeSegment[];
  /** heads[l * H + h]: a read-only view (not a copy) of that head's K values. */
  heads: readonly Float32Array[];
  /** norms[(l * H + h) * P + p] = |v(l, h, p)|, float64. */
  norms: Float64Array;
}

/** Validates one refit against the layout and precomputes what every cbar needs. */
export function preparePatterns(layout: PatternLayout, patterns: PatternArrays, label: string): PreparedPatterns {
  validatePatterns(layout, patterns, label);
  const k = patternWidth(layout);
  const segments = probeSegments(layout);
  const heads: Float32Array[] = [];
  for (const values of patterns.attn) {
    for (let h = 0; h < layout.nHeads; h++) heads.push(values.subarray(h * k, (h + 1) * k));
  }
  const nProbes = segments.length;
  const norms = new Float64Array(heads.length * nProbes);
  heads.forEach((row, i) => {
    segments.forEach(({ begin, end }, p) => {
      let sq = 0;
      for (let j = begin; j < end; j++) sq += row[j] * row[j];
      norms[i * nProbes + p] = Math.sqrt(sq);
    });
  });
  return { layout, segments, heads, norms };
}

/** cbar between head i of `a` and head j of `b` (flat indices l * H + h): mean over probes of cos. */
export function cbar(a: PreparedPatterns, i: number, b: PreparedPatterns, j: number): number {
  const x = a.heads[i];
  const y = b.heads[j];
  const nProbes = a.segments.length;
  let total = 0;
  for (let p = 0; p < nProbes; p++) {
    const { begin, end } = a.segments[p];
    // Four accumulators break the add dependency chain (about 2x faster in V8); the order is fixed, so results are deterministic.
    let d0 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    let t = begin;
    for (; t + 3 < end; t += 4) {
      d0 += x[t] * y[t];
      d1 += x[t + 1] * y[t + 1];
      d2 += x[t + 2] * y[t + 2];
      d3 += x[t + 3] * y[t + 3];
    }
    for (; t < end; t++) d0 += x[t] * y[t];
    total += (d0 + d1 + (d2 + d3)) / Math.max(a.norms[i * nProbes + p] * b.norms[j * nProbes + p], COS_EPS);
  }
  return total / nProbes;
}

/** The full cbar matrix from every head of `a` to every head of `b`: entry [i * n + j] = cbar(a head i, b head j), n = L * H. */
export function cbarMatrix(a: PreparedPatterns, b: PreparedPatterns): Float64Array {
  if (!sameLayout(a.layout, b.layout)) throw new Error(errors.layoutMismatch);
  const n = a.heads.length;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * n + j] = cbar(a, i, b, j);
  return out;
}
