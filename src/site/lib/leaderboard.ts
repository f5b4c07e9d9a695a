// The leaderboard's rows: one per cell of every suite in a version, with the cell's configuration
// (the grid's axes, the probe set among them) and its headline statistics (stats.ts), its columns
// with their definitions, and the tokens free-text search matches. Pure data; the page and the CSV
// read these rows.
import type { PublishedSuite } from "#pipeline/artifacts/published-suite.ts";
import type { SiteVersion } from "./content.ts";
import { fmt, fmtCount, fmtInterval } from "./format.ts";
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
  /** The optimizer, or TRAINED_ELSEWHERE for a family of models Refit did not train. */
  optimizer: string;
  /** The optimizer as the suites name it (optimizerName): what the table shows and filters on. */
  optimizerName: string;
  /** null for a family trained elsewhere: Refit does not know how it was trained. */
  weightDecay: number | null;
  lr: number | null;
  tokens: number | null;
  /** The probe set the cell was captured on. */
  probeSet: string;
  /** What the seed sets (train.seedVaries): "init + data" as in every suite but seed-sources, "init" or "data". */
  seedVaries: string;
  /** Refits planned per cell (the suite's seeds). */
  seeds: number;
  /** Why a cell has no statistics, when it has none. */
  error: string | null;
  /** What search matches: `key=value` for the suite, cell, family and every config value, lower-cased. */
  search: string[];
  /** clearsNulls as the table shows, sorts and filters it. */
  clears: Clears;
}

/** Whether a cell's heads clear the nulls: the whole excess interval above 0, not, or no interval to tell. */
export const CLEARS = ["yes", "no", "untested"] as const;
export type Clears = (typeof CLEARS)[number];
const clearsText = (x: boolean | null): Clears => (x === null ? "untested" : x ? "yes" : "no");

/** The optimizer column of a family of models trained elsewhere (a suite's `models`). */
export const TRAINED_ELSEWHERE = "trained elsewhere";

/**
 * The optimizer as the suites' descriptions name it. At weight decay 0, Refit's adam and adamw take
 * the same steps, so both are plain Adam; with decay, adamw decouples it and adam adds it to the
 * gradient (L2). Without this a cell the suite calls "Adam" reads "adamw, 0".
 */
export function optimizerName(optimizer: string, weightDecay: number | null): string {
  if (weightDecay === null) return optimizer;
  if (weightDecay === 0) return "adam";
  return optimizer === "adam" ? "adam + L2" : optimizer;
}

/** `key=value` tokens of a nested config, keys dotted ("train.optimizer=adamw"), lower-cased. */
export function configTokens(value: unknown, prefix = ""): string[] {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return Object.entries(value).flatMap(([k, v]) => configTokens(v, prefix ? `${prefix}.${k}` : k));
  }
  return [`${prefix}=${Array.isArray(value) ? value.join(",") : String(value)}`.toLowerCase()];
}

/** A cell's probe set: its own where the suite's grid varies it, else the suite's. */
export const probeSetOf = (result: PublishedSuite, cell: PublishedSuite["cells"][number]): string => cell.probeSet?.id ?? result.probeSet.id;

export function leaderboardRows(version: SiteVersion): LeaderboardRow[] {
  return version.suites.flatMap(({ name, result }) =>
    result.cells.map((cell) => {
      const { model, train } = cell.config;
      const summary = summarizeCell(cell);
      const probeSet = probeSetOf(result, cell);
      const optimizer = train?.optimizer ?? TRAINED_ELSEWHERE;
      const weightDecay = train?.weightDecay ?? null;
      const named = optimizerName(optimizer, weightDecay);
      return {
        suite: name,
        cellId: cell.cellId,
        family: model.mlp ? "MLP" : "attention-only",
        nLayers: model.nLayers,
        nHeads: model.nHeads,
        dModel: model.dModel,
        optimizer,
        optimizerName: named,
        weightDecay,
        lr: train?.lr ?? null,
        tokens: train?.tokens ?? null,
        probeSet,
        seedVaries: train ? (train.seedVaries ?? "init + data") : TRAINED_ELSEWHERE,
        seeds: result.suite.seeds,
        error: cell.error ?? null,
        search: configTokens({ suite: name, cell: cell.cellId, family: model.mlp ? "MLP" : "attention-only", ...cell.config, optimizer: named, probes: { set: probeSet }, ...(cell.family ? { models: cell.family.name } : {}) }),
        ...summary,
        clears: clearsText(summary.clearsNulls),
      };
    }),
  );
}

/** The distinct values of one column, sorted, for the filter controls. */
export function distinctValues<K extends "nLayers" | "optimizerName" | "family" | "clears">(rows: readonly LeaderboardRow[], key: K): LeaderboardRow[K][] {
  return [...new Set(rows.map((r) => r[key]))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface LeaderboardColumn {
  /** The row field it shows; also its sort key, its permalink value and its definition's anchor. */
  key: keyof LeaderboardRow;
  label: string;
  type: "text" | "number";
  /** A setting of the cell (not a measurement): shown only where it differs between the rows. */
  setting?: true;
  /** A measurement with a 95% interval, drawn as an inline bar. */
  interval?: "interval" | "excessInterval" | "universalInterval";
  /** Shown under the table and linked from the heading, so touch and keyboard readers see it too. */
  definition: string;
}

export const LEADERBOARD_COLUMNS: readonly LeaderboardColumn[] = [
  { key: "suite", label: "Suite", type: "text", setting: true, definition: "The suite (a YAML file in suites/) whose grid this cell is a point of, or whose models it lists." },
  { key: "family", label: "Family", type: "text", setting: true, definition: "MLP: the standard GPT block; attention-only: the same model without MLPs." },
  { key: "dModel", label: "d_model", type: "number", setting: true, definition: "Width of the residual stream (d_model)." },
  { key: "nLayers", label: "Layers", type: "number", setting: true, definition: "Depth L of the model." },
  { key: "nHeads", label: "Heads", type: "number", setting: true, definition: "Attention heads per layer." },
  {
    key: "optimizerName",
    label: "Optimizer",
    type: "text",
    setting: true,
    definition: "As the suites name it: adam at weight decay 0 (Refit's adam and adamw take identical steps there); adamw with decoupled weight decay; adam + L2 where the decay is added to the gradient. “trained elsewhere”: a family of public models Refit captured but did not train, so its training settings are not Refit's to state (dashes).",
  },
  { key: "weightDecay", label: "Weight decay", type: "number", setting: true, definition: "The optimizer's weight decay coefficient." },
  { key: "tokens", label: "Tokens", type: "number", setting: true, definition: "Training tokens per refit." },
  {
    key: "probeSet",
    label: "Probes",
    type: "text",
    setting: true,
    definition: "The probe set the heads' attention was captured and compared on: default (40 held-out Brown sentences), induction (the control's repeated letter segments) or words-N (windows of exactly N held-out Brown words). Cells that differ only in their probe set are the same trained models.",
  },
  {
    key: "seedVaries",
    label: "Seed varies",
    type: "text",
    setting: true,
    definition: "What the run's seed sets: the initialization and the data order together (every suite but seed-sources), or one of them with the other fixed to seed 0's (train.seedVaries).",
  },
  { key: "finishedRefits", label: "Seeds", type: "number", setting: true, definition: "Refits (seeds) that finished, of those the suite planned." },
  {
    key: "excess",
    label: "Excess over nulls (all heads)",
    type: "number",
    interval: "excessInterval",
    definition: "Over all heads: per layer, anchor head stability minus the larger of two nulls a trained head can beat: the probe-shuffled null (the same heads compared across different prompts of equal length: positional structure kept, content removed) and the uniform null (a head that spreads attention evenly); mean over layers, with its 95% bootstrap interval (the bar; its ends on hover or focus) where computed. The table's default order. The findings page's induction controls score only the induction heads, so their excess is larger than this all-heads mean.",
  },
  {
    key: "clears",
    label: "Clears the nulls",
    type: "text",
    definition: "“yes” when the whole 95% interval of the excess over the nulls lies above 0: the heads repeat across seeds more than position alone explains. “no” marks a cell whose heads are not shown to beat the nulls, whatever its head stability: rank it with care. “untested” where a version has no interval for the excess.",
  },
  {
    key: "stability",
    label: "Head stability",
    type: "number",
    interval: "interval",
    definition: "Mean head stability over all heads and all ordered pairs of refits (meanStability.allPairs), with its 95% bootstrap interval over refits (the bar): 1 when every head finds an identical counterpart in every other refit. Untrained twins score near 1 too (the untrained null, on each cell's page), so a high stability alone is not evidence of learned structure: read it with the excess. Where a version lacks it, the paper's anchor-based mean, without an interval.",
  },
  {
    key: "universal",
    label: "Universal heads",
    type: "number",
    interval: "universalInterval",
    definition: "Share of the anchor's heads whose stability clears their own informative nulls across the other refits with 95% confidence (Student's t per head; universal.share), with its 95% bootstrap interval over refits. The number to hold against the ~30% of SAE features shared across seeds or the 1-5% of GPT-2 neurons found universal (other units, other scales). Absent before version 2026-12-07.2.",
  },
  { key: "gap", label: "Gap", type: "number", definition: "max S(l) − min S(l): how far apart the most and least stable layers are." },
  { key: "minRelativeDepth", label: "Least stable layer", type: "number", definition: "Which layer has the lowest S(l), as “l of L” (sorted by its relative depth l/L). It names a position, not a stability: the gap says how much less stable it is." },
  { key: "residualCka", label: "Residual CKA", type: "number", definition: "Mean over layers of residual-stream CKA (RBF kernel, after attention) between refits." },
  { key: "perplexity", label: "Perplexity", type: "number", definition: "Mean held-out perplexity over finished refits." },
];

/** The columns a table of these rows shows: every measurement, and the settings that differ between rows. */
export function shownColumns(rows: readonly LeaderboardRow[]): LeaderboardColumn[] {
  return LEADERBOARD_COLUMNS.filter((c) => !c.setting || new Set(rows.map((r) => columnText(r, c.key).text)).size > 1);
}

/** The settings every row shares ("d_model 64"), said once above the table instead of as a constant column. */
export function sharedSettings(rows: readonly LeaderboardRow[]): string[] {
  if (rows.length === 0) return [];
  return LEADERBOARD_COLUMNS.filter((c) => c.setting && !shownColumns(rows).includes(c)).map((c) => `${c.label} ${columnText(rows[0], c.key).text}`);
}

/** What tells a row apart from the others (the settings that vary among `rows`, suite aside), e.g. "Weight decay 0.1". */
export function distinguishingSettings(rows: readonly LeaderboardRow[], row: LeaderboardRow): string {
  return shownColumns(rows)
    .filter((c) => c.setting && c.key !== "suite")
    .map((c) => `${c.label} ${columnText(row, c.key).text}`)
    .join(", ");
}

/** The ordering the table opens in: most excess over the informative nulls first, cells without one last. */
export function byExcess(a: LeaderboardRow, b: LeaderboardRow): number {
  if (a.excess === null || b.excess === null) return a.excess === b.excess ? 0 : a.excess === null ? 1 : -1;
  return b.excess - a.excess;
}

/** One line that says what the table holds and how many of its cells mean anything. */
export function leaderboardSummary(rows: readonly LeaderboardRow[]): string {
  const suites = new Set(rows.map((r) => r.suite)).size;
  const count = (c: Clears) => rows.filter((r) => r.clears === c).length;
  const parts = [`${count("yes")} clear the informative nulls`, `${count("no")} do not`, ...(count("untested") ? [`${count("untested")} untested`] : [])];
  const shared = sharedSettings(rows);
  return `${rows.length} ${rows.length === 1 ? "cell" : "cells"} from ${suites} ${suites === 1 ? "suite" : "suites"}: ${parts.join(", ")}; ordered by excess over the nulls.${shared.length ? ` Every cell: ${shared.join(", ")}.` : ""}`;
}

/** The shared scale of a column's interval bars: every row's interval and value, and 0 for an excess. */
export function barDomain(rows: readonly LeaderboardRow[], column: LeaderboardColumn): [number, number] | null {
  const ends = rows.flatMap((r) => [...(column.interval ? (r[column.interval] ?? []) : []), ...(typeof r[column.key] === "number" ? [r[column.key] as number] : [])]);
  if (column.key === "excess") ends.push(0);
  if (ends.length === 0) return null;
  const [lo, hi] = [Math.min(...ends), Math.max(...ends)];
  return lo === hi ? [lo - 0.5, hi + 0.5] : [lo, hi];
}

/** A table cell's text, and the muted detail after it (an interval, a reason). */
export function columnText(row: LeaderboardRow, key: LeaderboardColumn["key"]): { text: string; detail: string } {
  const plain = (text: string, detail = "") => ({ text, detail });
  switch (key) {
    case "tokens":
      return plain(row.tokens === null ? fmt(null) : fmtCount(row.tokens));
    case "finishedRefits":
      return plain(`${row.finishedRefits} / ${row.seeds}`);
    case "stability":
      return plain(fmt(row.stability), [fmtInterval(row.interval), row.error ? `(${row.error})` : ""].filter(Boolean).join(" "));
    case "excess":
      return plain(fmt(row.excess), fmtInterval(row.excessInterval));
    case "universal":
      return plain(fmt(row.universal), fmtInterval(row.universalInterval));
    case "clears":
      return plain({ yes: "✓ yes", no: "✗ no", untested: "untested" }[row.clears]);
    case "minRelativeDepth":
      return plain(row.minLayer === null ? fmt(null) : `${row.minLayer} of ${row.nLayers}`);
    case "perplexity":
      return plain(fmt(row.perplexity, 2));
    case "suite":
    case "family":
    case "optimizerName":
    case "nLayers":
    case "nHeads":
    case "dModel":
      return plain(String(row[key]));
    case "weightDecay":
      return plain(row.weightDecay === null ? fmt(null) : String(row.weightDecay));
    default: {
      const v = row[key];
      return plain(typeof v === "number" || v === null ? fmt(v) : String(v));
    }
  }
}
