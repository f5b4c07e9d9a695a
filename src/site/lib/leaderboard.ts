// The leaderboard's rows: one per cell of every suite in a version, with the cell's configuration
// (the grid's axes) and its headline statistics (stats.ts). Pure data; the page, the CSV and the
// version diff all read these rows.
import type { SiteVersion } from "./content.ts";
import { summarizeCell, type CellSummary } from "./stats.ts";

export const FAMILIES = ["MLP", "attention-only"] as const;
export type Family = (typeof FAMILIES)[number];

export interface LeaderboardRow extends CellSummary {
  suite: string;
  cellId: string;
  family: Family;
  nLayers: number;
  nHeads: number;
  dModel: number;
  optimizer: string;
  weightDecay: number;
  lr: number;
  tokens: number;
  /** Refits planned per cell (the suite's seeds). */
  seeds: number;
  /** Why a cell has no statistics, when it has none. */
  error: string | null;
}

export function leaderboardRows(version: SiteVersion): LeaderboardRow[] {
  return version.suites.flatMap(({ name, result }) =>
    result.cells.map((cell) => {
      const { model, train } = cell.config;
      return {
        suite: name,
        cellId: cell.cellId,
        family: model.mlp ? "MLP" : "attention-only",
        nLayers: model.nLayers,
        nHeads: model.nHeads,
        dModel: model.dModel,
        optimizer: train.optimizer,
        weightDecay: train.weightDecay,
        lr: train.lr,
        tokens: train.tokens,
        seeds: result.suite.seeds,
        error: cell.error ?? null,
        ...summarizeCell(cell),
      };
    }),
  );
}

/** The distinct values of one column, sorted, for the filter controls. */
export function distinctValues<K extends "nLayers" | "optimizer" | "family">(rows: readonly LeaderboardRow[], key: K): LeaderboardRow[K][] {
  return [...new Set(rows.map((r) => r[key]))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
