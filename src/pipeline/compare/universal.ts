// The share of universal heads (docs/metrics.md "Past the paper"): an anchor head is universal when
// its excess over its own informative null, per refit, is above 0 with 95% confidence by Student's t
// over the refits drawn besides the anchor. A t bound rather than an inner bootstrap keeps the rule
// cheap inside every resample and checkable by hand.
import type { Draw, Statistic } from "./bootstrap.ts";
import type { PairTables } from "./pairs.ts";

/** t(0.975, df) for df = 1..30 (two-sided 95%), as printed in every statistics table. */
const T_975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056,
  2.052, 2.048, 2.045, 2.042,
];
const Z_975 = 1.959963984540054;

/** The 0.975 quantile of Student's t with df degrees of freedom: the table to 30, Cornish-Fisher's expansion beyond. */
export function tQuantile975(df: number): number {
  if (df < 1) return NaN;
  if (df <= T_975.length) return T_975[Math.floor(df) - 1];
  const z = Z_975;
  const [z3, z5, z7] = [z ** 3, z ** 5, z ** 7];
  return z + (z3 + z) / (4 * df) + (5 * z5 + 16 * z3 + 3 * z) / (96 * df ** 2) + (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3);
}

/** Whether the values' mean is above 0 with 95% confidence: mean - t * sd / sqrt(k) > 0 (sd with ddof 1). */
export function clearsZero(values: ArrayLike<number>): boolean {
  const k = values.length;
  if (k < 2) return false;
  let mean = 0;
  for (let i = 0; i < k; i++) mean += values[i] / k;
  let ss = 0;
  for (let i = 0; i < k; i++) ss += (values[i] - mean) ** 2;
  return mean - (tQuantile975(k - 1) * Math.sqrt(ss / (k - 1))) / Math.sqrt(k) > 0;
}

/**
 * Per refit r and anchor head i, at [r * n + i]: s(l,h,r) - max(probe-shuffled(l,h,r), uniform(l,h)),
 * the head's excess over its own informative null (the anchor's rows of the tables: a = 0).
 */
export function attentionExcess(T: PairTables): Float64Array {
  const n = T.nHeadsTotal;
  return Float64Array.from({ length: T.nRefits * n }, (_, k) => {
    const [r, i] = [Math.floor(k / n), k % n];
    return T.max[r * n + i] - Math.max(T.shuffled ? T.shuffled[r * n + i] : -Infinity, T.uniform[i]);
  });
}

/**
 * The fraction of the n anchor heads whose excess clears 0 over the draw's other refits in every
 * table given ([r * n + i] each): universal.share with the attention excess alone,
 * universal.shareFunctional with the functional excess too.
 */
export function shareClearing(excess: readonly Float64Array[], n: number): Statistic {
  return (d: Draw) => {
    if (d.others.length < 2) return NaN;
    const values = new Float64Array(d.others.length);
    let universal = 0;
    for (let i = 0; i < n; i++) {
      const clears = excess.every((table) => {
        d.others.forEach((r, j) => (values[j] = table[r * n + i]));
        return clearsZero(values);
      });
      if (clears) universal++;
    }
    return universal / n;
  };
}
