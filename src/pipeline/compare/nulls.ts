// Null baselines for head stability (DESIGN.md "Metrics", beyond the paper). Two live here:
// the probe-shuffled comparison (anchor head on probe p against refit heads on a different probe
// p' of the SAME length, which keeps positional structure and breaks content) and the uniform
// causal pattern (row i attends 1/(i+1) to positions 0..i). The third null, untrained refits, is
// the ordinary stability computed on refits captured at initialization (see index.ts).
import { COS_EPS, type PreparedPatterns } from "./cosine.ts";

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

/** As cbar, but head j of `b` is read on partner[p]; the mean runs over probes with a partner (NaN if none). */
export function shuffledCbar(a: PreparedPatterns, i: number, b: PreparedPatterns, j: number, partner: Int32Array): number {
  const x = a.heads[i];
  const y = b.heads[j];
  const nProbes = a.segments.length;
  let total = 0;
  let used = 0;
  for (let p = 0; p < nProbes; p++) {
    const q = partner[p];
    if (q < 0) continue;
    const { begin, end } = a.segments[p];
    const offset = b.segments[q].begin - begin;
    let dot = 0;
    for (let t = begin; t < end; t++) dot += x[t] * y[t + offset];
    total += dot / Math.max(a.norms[i * nProbes + p] * b.norms[j * nProbes + q], COS_EPS);
    used++;
  }
  return used === 0 ? NaN : total / used;
}

/**
 * Probe-shuffled s(l,h,r): for each head i of `a`, the max over heads of the same layer of `b` of
 * shuffledCbar; flat [L * H].
 */
export function shuffledSameLayerMax(a: PreparedPatterns, b: PreparedPatterns, partner: Int32Array): Float64Array {
  const { nLayers, nHeads } = a.layout;
  const out = new Float64Array(nLayers * nHeads);
  for (let i = 0; i < out.length; i++) {
    const first = Math.floor(i / nHeads) * nHeads;
    let best = -Infinity;
    for (let j = first; j < first + nHeads; j++) best = Math.max(best, shuffledCbar(a, i, b, j, partner));
    out[i] = best;
  }
  return out;
}

/** cbar of every head of `a` with the uniform causal pattern of each probe; flat [L * H]. */
export function uniformCbar(a: PreparedPatterns): Float64Array {
  const nProbes = a.segments.length;
  const lengths = a.layout.probeLengths;
  // Per probe: the uniform triangle's norm, sqrt(sum_i (i+1) / (i+1)^2) = sqrt(H_T) (harmonic number).
  const uniformNorm = lengths.map((t) => {
    let s = 0;
    for (let i = 1; i <= t; i++) s += 1 / i;
    return Math.sqrt(s);
  });
  return Float64Array.from(a.heads, (row, i) => {
    let total = 0;
    for (let p = 0; p < nProbes; p++) {
      let dot = 0;
      let k = a.segments[p].begin;
      for (let r = 0; r < lengths[p]; r++) {
        let rowSum = 0;
        for (let c = 0; c <= r; c++) rowSum += row[k++];
        dot += rowSum / (r + 1);
      }
      total += dot / Math.max(a.norms[i * nProbes + p] * uniformNorm[p], COS_EPS);
    }
    return total / nProbes;
  });
}
