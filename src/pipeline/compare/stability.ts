// Head stability across refits (arXiv 2602.16740; docs/metrics.md): s(l,h,r) is the best
// cbar of anchor head (l,h) among refit r's heads, many-to-one; S(l,h) is its mean over r != anchor.
// The same-layer max is the paper's metric; the cross-layer max (over all (l',h')) also records
// which layer won, so we can see where a head's best counterpart lives in another seed.
import type { PatternLayout } from "./patterns.ts";

/** One refit's best matches for every anchor head (flat index i = l * H + h). */
export interface BestMatches {
  /** s(l,h,r): max over h' in the same layer of cbar(l,h,r,l,h'). */
  sameLayer: Float64Array;
  /** max over all (l',h') of cbar(l,h,r,l',h'). */
  crossLayer: Float64Array;
  /** Flat index l' * H + h' of the cross-layer best; the first index wins ties. */
  crossLayerIndex: Int32Array;
}

const errors = {
  matrixSize: (got: number, n: number) => `bestMatches: cbar matrix has ${got} values, expected ${n} x ${n}`,
  noRefits: "stability needs best matches from at least one refit besides the anchor",
} as const;

/** Reads same-layer and cross-layer best matches from one refit pair's cbar matrix. */
export function bestMatches(cbar: Float64Array, layout: PatternLayout): BestMatches {
  const { nLayers, nHeads } = layout;
  const n = nLayers * nHeads;
  if (cbar.length !== n * n) throw new Error(errors.matrixSize(cbar.length, n));
  const sameLayer = new Float64Array(n);
  const crossLayer = new Float64Array(n);
  const crossLayerIndex = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const row = i * n;
    const layerStart = Math.floor(i / nHeads) * nHeads;
    let same = -Infinity;
    for (let j = layerStart; j < layerStart + nHeads; j++) same = Math.max(same, cbar[row + j]);
    let best = 0;
    // Strict ">" keeps the first index on ties, so results do not depend on scan details.
    for (let j = 1; j < n; j++) if (cbar[row + j] > cbar[row + best]) best = j;
    sameLayer[i] = same;
    crossLayer[i] = cbar[row + best];
    crossLayerIndex[i] = best;
  }
  return { sameLayer, crossLayer, crossLayerIndex };
}

function meanOver(matches: readonly BestMatches[], pick: (m: BestMatches) => Float64Array): Float64Array {
  if (matches.length === 0) throw new Error(errors.noRefits);
  const out = new Float64Array(pick(matches[0]).length);
  for (const m of matches) pick(m).forEach((v, i) => (out[i] += v));
  return out.map((v) => v / matches.length);
}

/** S(l,h) = mean over refits r != anchor of s(l,h,r); flat [L * H]. */
export function headStability(matches: readonly BestMatches[]): Float64Array {
  return meanOver(matches, (m) => m.sameLayer);
}

/** As headStability, with the max over all layers' heads; flat [L * H]. */
export function headCrossLayerStability(matches: readonly BestMatches[]): Float64Array {
  return meanOver(matches, (m) => m.crossLayer);
}

/**
 * share[l][l'] = fraction of the (h, r) best cross-layer matches of anchor layer l
 * (all heads h of l, all refits r != anchor) that land in layer l'; each row sums to 1.
 */
export function crossLayerShare(matches: readonly BestMatches[], layout: PatternLayout): number[][] {
  if (matches.length === 0) throw new Error(errors.noRefits);
  const { nLayers, nHeads } = layout;
  const share = Array.from({ length: nLayers }, () => new Array<number>(nLayers).fill(0));
  const weight = 1 / (nHeads * matches.length);
  for (const m of matches) {
    m.crossLayerIndex.forEach((j, i) => {
      share[Math.floor(i / nHeads)][Math.floor(j / nHeads)] += weight;
    });
  }
  return share;
}
