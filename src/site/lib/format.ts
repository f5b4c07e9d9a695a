// Number formatting shared by pages, charts and the CSV: a fixed number of decimals, an en dash
// for a metric that is absent, intervals as "[lo, hi]", and signed changes. A value that rounds
// to zero prints as 0.000, never -0.000 or +0.000.
import type { Estimate } from "#pipeline/artifacts/cell-stats.ts";
import { intervalOf, numberOf, type Interval } from "./stats.ts";

export const MISSING = "–";

/** toFixed without a sign on a value that rounds to zero. */
const fixed = (x: number, digits: number) => {
  const s = x.toFixed(digits);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
};

export function fmt(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? MISSING : fixed(x, digits);
}

/** A change: "+0.012", "−0.012" (a true minus sign), or "0.000" when it rounds to zero. */
export function fmtSigned(x: number, digits = 3): string {
  const s = fixed(Math.abs(x), digits);
  return Number(s) === 0 ? s : `${x > 0 ? "+" : "−"}${s}`;
}

export function fmtInterval(iv: Interval | null, digits = 3): string {
  return iv ? `[${fixed(iv[0], digits)}, ${fixed(iv[1], digits)}]` : "";
}

/** An estimate as "0.123 [0.100, 0.150]", the value alone without an interval, "–" without a value. */
export function fmtEstimate(e: Estimate | null | undefined): string {
  const value = numberOf(e?.value);
  if (value === null) return MISSING;
  const interval = intervalOf(e);
  return interval ? `${fmt(value)} ${fmtInterval(interval)}` : fmt(value);
}

/** Token counts as 33k / 1.2M, for table cells. */
export function fmtCount(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}
