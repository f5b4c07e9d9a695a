// Output agreement (docs/metrics.md "Past the paper"): whether seeds that disagree in their heads
// also disagree in what they predict. The Jensen-Shannon divergence, in bits, between the anchor's
// and each refit's next-token distributions at every predicting probe position.
import { othersMean, type Statistic } from "./bootstrap.ts";
import { pearson } from "./correlation.ts";
import type { CellMetric } from "./definitions.ts";

/** JS divergence in bits between two rows of log-probabilities (natural log), V entries from each offset. */
export function jsBits(a: ArrayLike<number>, offsetA: number, b: ArrayLike<number>, offsetB: number, V: number): number {
  let js = 0;
  for (let k = 0; k < V; k++) {
    const [la, lb] = [a[offsetA + k], b[offsetB + k]];
    const [p, q] = [Math.exp(la), Math.exp(lb)];
    const m = (p + q) / 2;
    if (m === 0) continue;
    const lm = Math.log(m);
    if (p > 0) js += 0.5 * p * (la - lm);
    if (q > 0) js += 0.5 * q * (lb - lm);
  }
  return Math.max(0, js / Math.LN2);
}

/** Mean JS in bits between refit 0 and refit r over the predicting positions (each probe's tokens but its last). */
export function meanDivergence(logprobs: readonly ArrayLike<number>[], r: number, probeLengths: readonly number[]): number {
  const N = probeLengths.reduce((s, t) => s + t, 0);
  const V = logprobs[0].length / N;
  let [sum, count, start] = [0, 0, 0];
  for (const T of probeLengths) {
    for (let t = start; t < start + T - 1; t++) {
      sum += jsBits(logprobs[0], t * V, logprobs[r], t * V, V);
      count++;
    }
    start += T;
  }
  return sum / count;
}

/**
 * output.js and output.headAgreement; `headStability(r)` is the (anchor, r) pair's head stability,
 * the mean over heads of s(l,h,r).
 */
export function outputStatistics(logprobs: readonly ArrayLike<number>[], probeLengths: readonly number[], headStability: (r: number) => number): Partial<Record<CellMetric, Statistic>> {
  const R = logprobs.length;
  const js = Float64Array.from({ length: R }, (_, r) => (r === 0 ? 0 : meanDivergence(logprobs, r, probeLengths)));
  const heads = Float64Array.from({ length: R }, (_, r) => (r === 0 ? 0 : headStability(r)));
  return {
    "output.js": (d) => othersMean((r) => js[r], d),
    "output.headAgreement": (d) => (d.others.length < 3 ? NaN : pearson(Array.from(d.others, (r) => js[r]), Array.from(d.others, (r) => heads[r]))),
  };
}
