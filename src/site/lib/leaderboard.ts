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
  /** null for a family trained elsewhere: Refit does not know how it was trained. */
  weightDecay: number | null;
  lr: number | null;
  tokens: number | null;
  /** The probe set the cell was captured on. */
  probeSet: string;
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
      return {
        suite: name,
        cellId: cell.cellId,
        family: model.mlp ? "MLP" : "attention-only",
        nLayers: model.nLayers,
        nHeads: model.nHeads,
        dModel: model.dModel,
        optimizer: train?.optimizer ?? TRAINED_ELSEWHERE,
        weightDecay: train?.weightDecay ?? null,
        lr: train?.lr ?? null,
        tokens: train?.tokens ?? null,
        probeSet,
        seeds: result.suite.seeds,
        error: cell.error ?? null,
        search: configTokens({ suite: name, cell: cell.cellId, family: model.mlp ? "MLP" : "attention-only", ...cell.config, probes: { set: probeSet }, ...(cell.family ? { models: cell.family.name } : {}) }),
        ...summary,
        clears: clearsText(summary.clearsNulls),
      };
    }),
  );
}

/** The distinct values of one column, sorted, for the filter controls. */
export function distinctValues<K extends "nLayers" | "optimizer" | "family" | "clears">(rows: readonly LeaderboardRow[], key: K): LeaderboardRow[K][] {
  return [...new Set(rows.map((r) => r[key]))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export interface LeaderboardColumn {
  /** The row field it shows; also its sort key, its permalink value and its definition's anchor. */
  key: keyof LeaderboardRow;
  label: string;
  type: "text" | "number";
  /** Shown under the table and linked from the heading, so touch and keyboard readers see it too. */
  definition: string;
}

export const LEADERBOARD_COLUMNS: readonly LeaderboardColumn[] = [
  { key: "suite", label: "Suite", type: "text", definition: "The suite (a YAML file in suites/) whose grid this cell is a point of, or whose models it lists." },
  { key: "family", label: "Family", type: "text", definition: "MLP: the standard GPT block; attention-only: the same model without MLPs." },
  { key: "nLayers", label: "Layers", type: "number", definition: "Depth L of the model." },
  { key: "nHeads", label: "Heads", type: "number", definition: "Attention heads per layer." },
  { key: "optimizer", label: "Optimizer", type: "text", definition: "adam adds weight decay to the gradient (L2); adamw decouples it. “trained elsewhere”: a family of public models Refit captured but did not train, so its training settings are not Refit's to state (dashes)." },
  { key: "weightDecay", label: "Weight decay", type: "number", definition: "The optimizer's weight decay coefficient." },
  { key: "tokens", label: "Tokens", type: "number", definition: "Training tokens per refit." },
  {
    key: "probeSet",
    label: "Probes",
    type: "text",
    definition: "The probe set the heads' attention was captured and compared on: default (40 held-out Brown sentences), induction (the control's repeated letter segments) or words-N (windows of exactly N held-out Brown words). Cells that differ only in their probe set are the same trained models.",
  },
  { key: "finishedRefits", label: "Seeds", type: "number", definition: "Refits (seeds) that finished, of those the suite planned." },
  {
    key: "stability",
    label: "Head stability",
    type: "number",
    definition: "Mean head stability over all ordered pairs of refits (meanStability.allPairs), with its 95% bootstrap interval over refits: 1 when every head finds an identical counterpart in every other refit. Where a version lacks it, the paper's anchor-based mean, without an interval.",
  },
  {
    key: "clears",
    label: "Clears the nulls",
    type: "text",
    definition: "“yes” when the whole 95% interval of the excess over the nulls lies above 0: the heads repeat across seeds more than position alone explains. “no” marks a cell whose heads are not shown to beat the nulls, whatever its head stability: rank it with care. “untested” where a version has no interval for the excess.",
  },
  {
    key: "excess",
    label: "Excess over nulls",
    type: "number",
    definition: "Per layer, anchor head stability minus the larger of two nulls a trained head can beat: the probe-shuffled null (the same heads compared across different prompts of equal length: positional structure kept, content removed) and the uniform null (a head that spreads attention evenly); mean over layers, with its 95% bootstrap interval where computed.",
  },
  {
    key: "untrainedNull",
    label: "Untrained null",
    type: "number",
    definition: "Head stability of the untrained twins (the same seeds before any training step). Attention at initialisation is near uniform, so untrained twins agree almost perfectly and score near 1: a bar no trained head is expected to clear, shown for reference only.",
  },
  { key: "gap", label: "Gap", type: "number", definition: "max S(l) − min S(l): how far apart the most and least stable layers are." },
  { key: "minRelativeDepth", label: "Least stable layer", type: "number", definition: "The layer l with the lowest S(l), and its relative depth l/L in brackets." },
  { key: "residualCka", label: "Residual CKA", type: "number", definition: "Mean over layers of residual-stream CKA (RBF kernel, after attention) between refits." },
  { key: "perplexity", label: "Perplexity", type: "number", definition: "Mean held-out perplexity over finished refits." },
];

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
    case "clears":
      return plain({ yes: "✓ yes", no: "✗ no", untested: "untested" }[row.clears]);
    case "minRelativeDepth":
      return plain(row.minLayer === null ? fmt(null) : `${row.minLayer} (${fmt(row.minRelativeDepth, 2)})`);
    case "perplexity":
      return plain(fmt(row.perplexity, 2));
    case "suite":
    case "family":
    case "optimizer":
    case "nLayers":
    case "nHeads":
      return plain(String(row[key]));
    case "weightDecay":
      return plain(row.weightDecay === null ? fmt(null) : String(row.weightDecay));
    default: {
      const v = row[key];
      return plain(typeof v === "number" || v === null ? fmt(v) : String(v));
    }
  }
}
