// Head similarity for EVERY ordered pair of a cell's refits (DESIGN.md "Metrics": all-pairs
// stability, one-to-one matching, nulls): per pair (a, r) and anchor head i of a, the paper's
// same-layer max s, the Hungarian-matched cbar and the probe-shuffled max; per refit, commonness
// and the cbar with the uniform pattern. cbar(a,i; r,j) = cbar(r,j; a,i), so one matrix per
// unordered pair serves both directions. Everything later (anchor-based values, all-pairs values,
// bootstrap replicates) is a mean over rows of these tables.
import { cbarMatrix, type PreparedPatterns } from "./cosine.ts";
import { matchedSameLayer } from "./hungarian.ts";
import { probePartners, shuffledSameLayerMax, uniformCbar } from "./nulls.ts";
import { bestMatches, type BestMatches } from "./stability.ts";

export interface PairTables {
  nRefits: number;
  /** Heads per refit, L * H. */
  nHeadsTotal: number;
  /** max[(a * R + r) * n + i]: same-layer many-to-one max for anchor a, refit r (a != r; a == r left 0). */
  max: Float64Array;
  /** As max, with the one-to-one Hungarian matching. */
  matched: Float64Array;
  /** As max, on probe-shuffled pairs; null when no probe has a same-length partner. */
  shuffled: Float64Array | null;
  /** Probes that entered the shuffled comparison, of all probes. */
  shuffledProbes: number;
  /** commonness[a * n + i]: C(l,h) within refit a. */
  commonness: Float64Array;
  /** uniform[a * n + i]: cbar of head i of refit a with the uniform causal pattern. */
  uniform: Float64Array;
  /** The paper's best matches from refit 0 (the anchor) to each refit r >= 1, cross-layer included. */
  anchorMatches: BestMatches[];
}

function transpose(m: Float64Array, n: number): Float64Array {
  const t = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) t[j * n + i] = m[i * n + j];
  return t;
}

/** Same-layer commonness from a refit's self cbar matrix: mean over h' (h included). */
function commonnessFrom(self: Float64Array, n: number, nHeads: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => {
    const first = Math.floor(i / nHeads) * nHeads;
    let total = 0;
    for (let j = first; j < first + nHeads; j++) total += self[i * n + j];
    return total / nHeads;
  });
}

/** Builds every table for refits already prepared with one layout (index 0 is the anchor). */
export function pairTables(refits: readonly PreparedPatterns[]): PairTables {
  const R = refits.length;
  const { nLayers, nHeads, probeLengths } = refits[0].layout;
  const n = nLayers * nHeads;
  const partner = probePartners(probeLengths);
  const shuffledProbes = partner.filter((q) => q >= 0).length;
  const max = new Float64Array(R * R * n);
  const matched = new Float64Array(R * R * n);
  const shuffled = shuffledProbes > 0 ? new Float64Array(R * R * n) : null;
  const commonness = new Float64Array(R * n);
  const uniform = new Float64Array(R * n);
  const anchorMatches: BestMatches[] = [];
  const at = (a: number, r: number) => (a * R + r) * n;

  refits.forEach((p, a) => {
    commonness.set(commonnessFrom(cbarMatrix(p, p, { sameLayerOnly: true }), n, nHeads), a * n);
    uniform.set(uniformCbar(p), a * n);
  });
  for (let a = 0; a < R; a++) {
    for (let r = a + 1; r < R; r++) {
      // Cross-layer values are read only from the anchor's pairs.
      const forward = cbarMatrix(refits[a], refits[r], { sameLayerOnly: a > 0 });
      const backward = transpose(forward, n);
      const ab = bestMatches(forward, refits[a].layout);
      if (a === 0) anchorMatches.push(ab);
      max.set(ab.sameLayer, at(a, r));
      max.set(bestMatches(backward, refits[a].layout).sameLayer, at(r, a));
      matched.set(matchedSameLayer(forward, nLayers, nHeads), at(a, r));
      matched.set(matchedSameLayer(backward, nLayers, nHeads), at(r, a));
      if (shuffled) {
        shuffled.set(shuffledSameLayerMax(refits[a], refits[r], partner), at(a, r));
        shuffled.set(shuffledSameLayerMax(refits[r], refits[a], partner), at(r, a));
      }
    }
  }
  return { nRefits: R, nHeadsTotal: n, max, matched, shuffled, shuffledProbes, commonness, uniform, anchorMatches };
}
