// The smallest difference a comparison of two cells can see (docs/metrics.md "Past the paper"),
// from a metric's 95% bootstrap interval over R refits: its standard error, the critical difference
// (the change beyond seed noise at the 5% level, two-sided), the minimum detectable difference
// (found with 80% power) and the seeds needed to detect a stated difference. Two cells of one seed
// count carry the same standard error, so their difference carries sqrt(2) times it. No imports:
// the site's diffs run it in the browser.

export type Interval = [number, number];

const Z_975 = 1.959963984540054;
const Z_80 = 0.8416212335729143;

export const standardError = ([lo, hi]: Interval): number => (hi - lo) / (2 * Z_975);

/** |change| beyond which two cells differ at the 5% level. */
export const criticalDifference = (iv: Interval): number => Z_975 * Math.SQRT2 * standardError(iv);

/** The smallest true difference found with 80% power at the interval's seed count. */
export const minimumDetectable = (iv: Interval): number => (Z_975 + Z_80) * Math.SQRT2 * standardError(iv);

/** Seeds per cell at which the minimum detectable difference falls to `difference` (the interval shrinking as 1 / sqrt(R)). */
export const seedsToDetect = (iv: Interval, nRefits: number, difference: number): number => Math.ceil(nRefits * (minimumDetectable(iv) / difference) ** 2);
