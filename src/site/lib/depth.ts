// The paper's depth figure, as data: a suite's cells grouped so that cells within a group differ
// only in depth (model.nLayers), each group one figure with one line per depth. Groups are keyed
// by the suite's other grid values (e.g. optimizer), which title the figure.
import type { PublishedSuite } from "#pipeline/artifacts/published-suite.ts";
import { intervalOf, type Cell } from "./stats.ts";

export const DEPTH_KEY = "model.nLayers";

export interface DepthGroup {
  /** The grid values the group's cells share, e.g. "train.optimizer = adamw"; "" when depth is the only axis. */
  title: string;
  /** Cells with statistics, shallowest first. */
  cells: Cell[];
}

export function depthGroups(result: PublishedSuite): DepthGroup[] {
  const groups = new Map<string, DepthGroup>();
  for (const cell of result.cells) {
    if (!cell.stats) continue;
    const shared = Object.entries(cell.label).filter(([k]) => k !== DEPTH_KEY).sort(([a], [b]) => a.localeCompare(b));
    const title = shared.map(([k, v]) => `${k} = ${v}`).join(", ");
    if (!groups.has(title)) groups.set(title, { title, cells: [] });
    groups.get(title)!.cells.push(cell);
  }
  for (const g of groups.values()) g.cells.sort((a, b) => a.config.model.nLayers - b.config.model.nLayers);
  return [...groups.values()];
}

export interface DepthPoint {
  /** "4 layers": one line per depth. */
  depth: string;
  nLayers: number;
  /** 1-based. */
  layer: number;
  /** l / L with l 1-based, as the paper plots it. */
  relativeDepth: number;
  stability: number;
  low: number | null;
  high: number | null;
}

export function depthPoints(cells: readonly Cell[]): DepthPoint[] {
  return cells.flatMap((cell) => {
    const stats = cell.stats!;
    return stats.layers.map((l) => {
      const iv = intervalOf(stats.estimates?.[l.layer]?.stability);
      return {
        depth: `${stats.nLayers} ${stats.nLayers === 1 ? "layer" : "layers"}`,
        nLayers: stats.nLayers,
        layer: l.layer + 1,
        relativeDepth: (l.layer + 1) / stats.nLayers,
        stability: l.stability,
        low: iv?.[0] ?? null,
        high: iv?.[1] ?? null,
      };
    });
  });
}
