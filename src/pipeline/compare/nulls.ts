// Null baselines for head stability (DESIGN.md "Metrics", beyond the paper). Two live here:
// the probe-shuffled comparison (anchor head on probe p against refit heads on a different probe
// p' of the SAME length, which keeps positional structure and breaks content) and the uniform
// causal pattern (row i attends 1/(i+1) to positions 0..i). The third null, untrained refits, is
// the ordinary stability computed on refits captured at initialization (see index.ts).
import { COS_EPS } from "./cosine.ts";
import { type PatternLayout, patternWidth } from "./patterns.ts";

/**
 * partner[p] = the probe that probe p is compared against in the shuffled null, or -1 when no other
 * probe has its length (it is then left out). Within each length group, in probe order, each probe
 * is paired with the next one and the last with the first: a fixed derangement, so no RNG is needed.
 */
export function probePartners(probeLengths: readonly number[]): Int32Array {
  const groups = new Map<number, number[]>();
  probeLengths.forEach((t, p) => groups.set(t, [...(groups.get(t) ?? []), p]));
  const partner = new Int32Array(probeLengths.length).fill(-1);
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    members.forEach((p, m) => (partner[p] = members[(m + 1) % members.length]));
  }
  return partner;
}

/** cbar of each head of one layer (rows [H, K], norms [H * P] as the cbar kernel gives them) with the uniform causal pattern of each probe. */
export function uniformCbar(rows: Float32Array, norms: Float64Array, layout: PatternLayout): Float64Array {
  const lengths = layout.probeLengths;
  const nProbes = lengths.length;
  const k = patternWidth(layout);
  // Per probe: the uniform triangle's norm, sqrt(sum_i (i+1) / (i+1)^2) = sqrt(H_T) (harmonic number).
  const uniformNorm = lengths.map((t) => {
    let s = 0;
    for (let i = 1; i <= t; i++) s += 1 / i;
    return Math.sqrt(s);
  });
  return Float64Array.from({ length: layout.nHeads }, (_, h) => {
    let total = 0;
    let at = h * k;
    for (let p = 0; p < nProbes; p++) {
      let dot = 0;
      for (let r = 0; r < lengths[p]; r++) {
        let rowSum = 0;
        for (let c = 0; c <= r; c++) rowSum += rows[at++];
        dot += rowSum / (r + 1);
      }
      total += dot / Math.max(norms[h * nProbes + p] * uniformNorm[p], COS_EPS);
    }
    return total / nProbes;
  });
}
