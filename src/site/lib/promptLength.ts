// The prompt-length study, as the methodology page charts it: from the newest version that
// publishes a suite named `prompt-length` (the same trained refits captured on probe sets of
// held-out Brown windows of exactly N words, one cell per set: a grid over probes.set), each
// layer's all-pairs head stability and excess over the informative nulls against N, with their
// intervals, and each cell's means over layers for the page's summary.
import { newestSuite, type SiteContent, type SiteVersion } from "./content.ts";
import { fmt, fmtInterval, fmtSigned } from "./format.ts";
import { probeSetOf } from "./leaderboard.ts";
import { layerPoints, summarizeCell, type Interval } from "./stats.ts";

export const PROMPT_LENGTH_SUITE = "prompt-length";

/** N of a `words-N` probe set (src/pipeline/data/make-probes.ts names them so); null for any other set. */
export function promptWords(probeSet: string): number | null {
  const m = /^words-([1-9][0-9]*)$/.exec(probeSet);
  return m ? Number(m[1]) : null;
}

export interface PromptLengthPoint {
  /** "layer 1": one line per layer. */
  series: string;
  /** 1-based. */
  layer: number;
  words: number;
  cellId: string;
  stability: number;
  stabilityInterval: Interval | null;
  excess: number | null;
  excessInterval: Interval | null;
}

export interface PromptLengthCell {
  words: number;
  cellId: string;
  /** Means over layers (meanStability.allPairs, meanExcess.informativeNull) with their intervals. */
  stability: number | null;
  interval: Interval | null;
  excess: number | null;
  excessInterval: Interval | null;
}

export interface PromptLengthStudy {
  version: SiteVersion;
  /** Shortest prompts first, then by layer. */
  points: PromptLengthPoint[];
  /** Shortest prompts first. */
  cells: PromptLengthCell[];
  /** Cells left out: a probe set that is not words-N, or no per-layer all-pairs stability. */
  missing: number;
}

/** The newest version's prompt-length study, or null when no version publishes one. */
export function promptLengthStudy(content: SiteContent): PromptLengthStudy | null {
  const newest = newestSuite(content, PROMPT_LENGTH_SUITE);
  if (!newest) return null;
  const { version, suite } = newest;
  const { result } = suite;
  const measured = result.cells.flatMap((cell) => {
    const words = promptWords(probeSetOf(result, cell));
    const layers = cell.stats ? layerPoints(cell.stats).filter((p) => p.allPairs !== null) : [];
    return words === null || layers.length === 0 ? [] : [{ cell, words, layers }];
  });
  measured.sort((a, b) => a.words - b.words);
  const points = measured.flatMap(({ cell, words, layers }) =>
    layers.map((p): PromptLengthPoint => ({
      series: `layer ${p.layer}`,
      layer: p.layer,
      words,
      cellId: cell.cellId,
      stability: p.allPairs!,
      stabilityInterval: p.allPairsInterval,
      excess: p.excess,
      excessInterval: p.excessInterval,
    })),
  );
  const cells = measured.map(({ cell, words }): PromptLengthCell => {
    const { stability, interval, excess, excessInterval } = summarizeCell(cell);
    return { words, cellId: cell.cellId, stability, interval, excess, excessInterval };
  });
  return { version, points, cells, missing: result.cells.length - measured.length };
}

const overlap = (a: Interval, b: Interval) => a[0] <= b[1] && b[0] <= a[1];

/** "falls from 0.861 [0.849, 0.872] at 5 words to 0.802 [0.782, 0.820] at 50 (the 95% intervals do not overlap)". */
function change(from: number, to: number, fromIv: Interval | null, toIv: Interval | null, format: (x: number) => string, [w0, w1]: [number, number]): string {
  const verb = to < from ? "falls" : to > from ? "rises" : "stays";
  const at = (x: number, iv: Interval | null, w: number) => `${format(x)}${iv ? ` ${fmtInterval(iv)}` : ""} at ${w} words`;
  const intervals = fromIv && toIv ? ` (the 95% intervals ${overlap(fromIv, toIv) ? "overlap" : "do not overlap"})` : "";
  return `${verb} from ${at(from, fromIv, w0)} to ${at(to, toIv, w1)}${intervals}`;
}

/**
 * What the study shows between its shortest and longest prompts, in words written from the
 * cells' means over layers; null with fewer than two prompt lengths measured.
 */
export function promptLengthSummary(study: PromptLengthStudy): string | null {
  const [first, last] = [study.cells[0], study.cells.at(-1)];
  if (!first || !last || first.words === last.words || first.stability === null || last.stability === null) return null;
  const span: [number, number] = [first.words, last.words];
  const stability = `Mean head stability over all pairs of refits ${change(first.stability, last.stability, first.interval, last.interval, fmt, span)}`;
  const excess =
    first.excess !== null && last.excess !== null
      ? `; its excess over the informative nulls ${change(first.excess, last.excess, first.excessInterval, last.excessInterval, (x) => fmtSigned(x), span)}`
      : "";
  return `${stability}${excess}.`;
}
