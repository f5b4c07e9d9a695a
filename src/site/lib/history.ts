// One cell's headline numbers across every published version that holds it (same suite and cell
// id, so the same experiment), oldest first: asv's view of a benchmark over time.
import type { SiteContent } from "./content.ts";
import { summarizeCell, type Interval } from "./stats.ts";

export const HISTORY_METRICS = ["stability", "excess", "perplexity"] as const;
export type HistoryMetric = (typeof HISTORY_METRICS)[number];

export const HISTORY_LABEL: Record<HistoryMetric, string> = {
  stability: "head stability (all pairs)",
  excess: "excess over nulls",
  perplexity: "held-out perplexity",
};

export interface HistoryPoint {
  version: string;
  metric: HistoryMetric;
  value: number;
  interval: Interval | null;
}

export function cellHistory(content: SiteContent, suite: string, cellId: string): HistoryPoint[] {
  return content.versions.flatMap((v) => {
    const cell = v.suites.find((s) => s.name === suite)?.result.cells.find((c) => c.cellId === cellId);
    if (!cell) return [];
    const s = summarizeCell(cell);
    const points: [HistoryMetric, number | null, Interval | null][] = [
      ["stability", s.stability, s.interval],
      ["excess", s.excess, s.excessInterval],
      ["perplexity", s.perplexity, null],
    ];
    return points.flatMap(([metric, value, interval]) => (value === null ? [] : [{ version: v.id, metric, value, interval }]));
  });
}
