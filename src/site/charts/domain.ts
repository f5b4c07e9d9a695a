// Axis domains scaled to the data, so differences of a few thousandths are visible, with a floor
// on the span so near-constant data (every head at 0.9999999) reads as a flat line on sensible
// ticks rather than a magnified rounding error, and an optional bound a metric cannot cross
// (similarities stay <= 1). Pure; every chart that scales to its data uses it.

export interface DomainOptions {
  /** The smallest span shown; narrower data is centred in it. */
  minSpan?: number;
  /** Share of the span added beyond the data on each side, so marks are not clipped at the frame. */
  pad?: number;
  /** Values the domain must include besides the data (e.g. 0 for an excess). */
  include?: readonly number[];
  /** Bounds the domain may not cross; the domain is shifted back inside, keeping its span. */
  within?: readonly [number, number];
}

export function paddedDomain(values: readonly number[], { minSpan = 0.01, pad = 0.08, include = [], within }: DomainOptions = {}): [number, number] {
  const xs = [...values, ...include].filter(Number.isFinite);
  if (xs.length === 0) return within ? [within[0], within[1]] : [0, 1];
  let lo = Math.min(...xs);
  let hi = Math.max(...xs);
  if (hi - lo < minSpan) {
    const mid = (lo + hi) / 2;
    [lo, hi] = [mid - minSpan / 2, mid + minSpan / 2];
  }
  const margin = (hi - lo) * pad;
  [lo, hi] = [lo - margin, hi + margin];
  if (within) {
    if (hi > within[1]) [lo, hi] = [lo - (hi - within[1]), within[1]];
    if (lo < within[0]) [lo, hi] = [within[0], Math.min(within[1], hi + (within[0] - lo))];
  }
  return [lo, hi];
}

/** A d3 format for ticks on a domain: enough decimals to tell ticks about a tenth of the span apart. */
export function tickFormatFor([lo, hi]: readonly [number, number]): string {
  const digits = Math.max(0, Math.min(6, Math.ceil(-Math.log10((hi - lo) / 10) - 1e-9)));
  return `.${digits}f`;
}
