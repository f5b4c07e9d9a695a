// Number formatting shared by pages, charts and the CSV: a fixed number of decimals, an en dash
// for a metric that is absent, and intervals as "[lo, hi]".
import type { Interval } from "./stats.ts";

export const MISSING = "–";

export function fmt(x: number | null | undefined, digits = 3): string {
  return x === null || x === undefined || !Number.isFinite(x) ? MISSING : x.toFixed(digits);
}

export function fmtInterval(iv: Interval | null, digits = 3): string {
  return iv ? `[${iv[0].toFixed(digits)}, ${iv[1].toFixed(digits)}]` : "";
}

/** Token counts as 33k / 1.2M, for table cells. */
export function fmtCount(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(n);
}
