// Null baselines for head stability (docs/metrics.md "Beyond the paper"). Two live here:
// the probe-shuffled comparison (anchor head on probe p against refit heads on a different probe
// p' of the SAME length, which keeps positional structure and breaks content) and the uniform
// causal pattern (row i attends 1/(i+1) to positions 0..i). The third null, untrained refits, is
// the ordinary stability computed on refits captured at initialization (see index.ts).
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

/**
 * The uniform causal pattern (row i attends 1/(i+1) to positions 0..i) of every probe, laid out
 * as one head's row of K values, so the cbar kernel compares every head with it like any refit.
 */
export function uniformPattern(layout: PatternLayout): Float32Array {
  const out = new Float32Array(patternWidth(layout));
  let at = 0;
  for (const t of layout.probeLengths) {
    for (let r = 0; r < t; r++) out.fill(1 / (r + 1), at, (at += r + 1));
  }
  return out;
}
