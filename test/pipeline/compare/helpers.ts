// Test helpers for the compare stage: a tiny seeded PRNG (mulberry32), builders for
// PatternArrays from hand-written per-probe vectors or random row-stochastic attention,
// and head permutations; used to check the metrics against hand values and invariants.
import type { CellStats } from "../../../src/pipeline/artifacts/cell-stats.ts";
import { compareCell } from "../../../src/pipeline/compare/index.ts";
import type { PatternArrays, PatternLayout } from "../../../src/pipeline/compare/patterns.ts";

/** mulberry32: a 32-bit seeded PRNG returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Builds patterns from heads[l][h][p] = that head's lower triangle on probe p. */
export function patternsFrom(heads: number[][][][]): PatternArrays {
  return { attn: heads.map((layer) => Float32Array.from(layer.flatMap((head) => head.flat()))) };
}

/** Random causal softmax-like patterns: every row non-negative and summing to 1. */
export function randomPatterns(layout: PatternLayout, rng: () => number): PatternArrays {
  const heads = Array.from({ length: layout.nLayers }, () =>
    Array.from({ length: layout.nHeads }, () =>
      layout.probeLengths.map((t) => {
        const tri: number[] = [];
        for (let row = 0; row < t; row++) {
          // Cubing sharpens rows so heads differ clearly, as trained heads do.
          const w = Array.from({ length: row + 1 }, () => rng() ** 3 + 1e-6);
          const sum = w.reduce((a, b) => a + b, 0);
          tri.push(...w.map((x) => x / sum));
        }
        return tri;
      }),
    ),
  );
  return patternsFrom(heads);
}

/** A copy whose layer `layer` has its heads reordered: new head h = old head perm[h]. */
export function permuteHeads(patterns: PatternArrays, layer: number, perm: readonly number[]): PatternArrays {
  return {
    attn: patterns.attn.map((values, l) => {
      if (l !== layer) return values.slice();
      const k = values.length / perm.length;
      const out = new Float32Array(values.length);
      perm.forEach((from, h) => out.set(values.subarray(from * k, (from + 1) * k), h * k));
      return out;
    }),
  };
}

/** Deep copy, to check after a call that inputs were not written. */
export function clonePatterns(patterns: PatternArrays): PatternArrays {
  return { attn: patterns.attn.map((values) => values.slice()) };
}

/** compareCell on bare patterns (refit i gets seed anchorSeed + i), with a small bootstrap to stay fast. */
export function cellStats(o: { layout: PatternLayout; anchor: PatternArrays; others: readonly PatternArrays[]; anchorSeed?: number }): CellStats {
  const refits = [o.anchor, ...o.others].map((patterns, i) => ({ seed: (o.anchorSeed ?? 0) + i, patterns }));
  return compareCell({ layout: o.layout, refits, resamples: 50 }).stats;
}

/** The paper's fields of CellStats (those every result has), for exact comparisons. */
export function paperFields(s: CellStats) {
  const { nLayers, nHeads, nRefits, anchorSeed, layers, headStability, headCommonness, headCrossLayerStability, extremes } = s;
  return { nLayers, nHeads, nRefits, anchorSeed, layers, headStability, headCommonness, headCrossLayerStability, extremes };
}
