// The paper's depth figure, as data: a suite's cells grouped so that cells within a group differ
// only in depth (model.nLayers), keyed by the suite's other grid values (e.g. weight decay). A
// suite gets one figure with every group overlaid, one line per depth and group, so groups are
// compared on one axis rather than read off separate panels.
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
  /** "4 layers", or "4 layers, weightDecay 0.1" in a suite with other axes: one line each. */
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

/** "train.weightDecay = 0.1, probes.set = words-5" as a series label: "weightDecay 0.1, set words-5". */
const shortTitle = (title: string) => title.replace(/(?:^|(?<=, ))[a-z]+\.([A-Za-z0-9]+) = /g, "$1 ");

/** Every depth group of a suite on one figure: each line named by its depth and, where the suite has other axes, its group. */
export function suiteDepthPoints(result: PublishedSuite): DepthPoint[] {
  return depthGroups(result).flatMap((g) => depthPoints(g.cells).map((p) => (g.title ? { ...p, depth: `${p.depth}, ${shortTitle(g.title)}` } : p)));
}
