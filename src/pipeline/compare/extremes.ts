// Layer extremes of the stability profile S(l) (arXiv 2602.16740; docs/metrics.md):
// the least and most stable layers, their gap and relative depth l/L (l 1-based), and the
// largest layer-to-layer drop, which is how the paper locates the mid-depth dip.
import type { Extremes } from "../artifacts/cell-stats.ts";

const errors = {
  empty: "layerExtremes: the stability profile has no layers",
  nonFinite: (l: number, v: number) => `layerExtremes: stability[${l}] is ${v}, not a finite number`,
} as const;

/** Extremes of S(l) over 0-based layers; the first layer wins ties. */
export function layerExtremes(stability: readonly number[]): Extremes {
  const n = stability.length;
  if (n === 0) throw new Error(errors.empty);
  stability.forEach((v, l) => {
    if (!Number.isFinite(v)) throw new Error(errors.nonFinite(l, v));
  });
  let minLayer = 0;
  let maxLayer = 0;
  for (let l = 1; l < n; l++) {
    if (stability[l] < stability[minLayer]) minLayer = l;
    if (stability[l] > stability[maxLayer]) maxLayer = l;
  }
  let largestDrop: number | null = null;
  let largestDropLayer: number | null = null;
  for (let l = 1; l < n; l++) {
    const drop = stability[l] - stability[l - 1];
    if (largestDrop === null || drop < largestDrop) {
      largestDrop = drop;
      largestDropLayer = l;
    }
  }
  const min = stability[minLayer];
  const max = stability[maxLayer];
  return {
    minLayer,
    maxLayer,
    min,
    max,
    gap: max - min,
    minRelativeDepth: (minLayer + 1) / n,
    maxRelativeDepth: (maxLayer + 1) / n,
    largestDrop,
    largestDropLayer,
  };
}
