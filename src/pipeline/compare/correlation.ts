// Correlation and trend statistics used by importance and weight-norm analyses (docs/metrics.md):
// Pearson r, Kendall tau-b (ties handled as scipy.stats.kendalltau's default does),
// and the ordinary least-squares slope. All return NaN where the statistic is undefined
// (fewer than 2 points, or a constant input), never a made-up 0.

const errors = {
  length: (a: number, b: number) => `correlation: inputs differ in length (${a} vs ${b})`,
} as const;

function checkLengths(x: ArrayLike<number>, y: ArrayLike<number>): void {
  if (x.length !== y.length) throw new Error(errors.length(x.length, y.length));
}

/** Pearson product-moment correlation, float64. */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkLengths(x, y);
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
    syy += (y[i] - my) ** 2;
  }
  return sxx === 0 || syy === 0 ? NaN : sxy / Math.sqrt(sxx * syy);
}

/** Kendall tau-b: (concordant - discordant) / sqrt((n0 - ties_x) (n0 - ties_y)), O(n^2). */
export function kendallTau(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkLengths(x, y);
  const n = x.length;
  let concordant = 0;
  let discordant = 0;
  let tiesX = 0;
  let tiesY = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = Math.sign(x[i] - x[j]);
      const dy = Math.sign(y[i] - y[j]);
      if (dx === 0) tiesX++;
      if (dy === 0) tiesY++;
      if (dx * dy > 0) concordant++;
      else if (dx * dy < 0) discordant++;
    }
  }
  const pairs = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiesX) * (pairs - tiesY));
  return denominator === 0 ? NaN : (concordant - discordant) / denominator;
}

/** OLS slope of y on x over the points where both are finite; NaN with fewer than 2 distinct x. */
export function slope(x: ArrayLike<number>, y: ArrayLike<number>): number {
  checkLengths(x, y);
  const keep = Array.from({ length: x.length }, (_, i) => i).filter((i) => Number.isFinite(x[i]) && Number.isFinite(y[i]));
  if (keep.length < 2) return NaN;
  const mx = keep.reduce((s, i) => s + x[i], 0) / keep.length;
  const my = keep.reduce((s, i) => s + y[i], 0) / keep.length;
  let sxy = 0;
  let sxx = 0;
  for (const i of keep) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  return sxx === 0 ? NaN : sxy / sxx;
}
