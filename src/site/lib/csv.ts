// The leaderboard as CSV (RFC 4180 quoting), for the downloads page. Text cells that a spreadsheet
// would run as a formula (=, +, -, @ first) are prefixed with an apostrophe.
import type { LeaderboardRow } from "./leaderboard.ts";

export const CSV_COLUMNS = [
  "suite", "cellId", "family", "nLayers", "nHeads", "dModel", "optimizer", "weightDecay", "lr", "tokens", "probeSet", "seeds", "finishedRefits",
  "stability", "stabilityLow", "stabilityHigh", "excess", "excessLow", "excessHigh", "clears", "untrainedNull", "gap", "minLayer", "minRelativeDepth", "residualCka", "perplexity",
] as const;

export function csvField(value: string | number | null): string {
  if (value === null) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  const safe = /^[=+\-@]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function leaderboardCsv(rows: readonly LeaderboardRow[]): string {
  const lines = rows.map((r) => {
    const record: Record<(typeof CSV_COLUMNS)[number], string | number | null> = {
      ...r,
      stabilityLow: r.interval?.[0] ?? null,
      stabilityHigh: r.interval?.[1] ?? null,
      excessLow: r.excessInterval?.[0] ?? null,
      excessHigh: r.excessInterval?.[1] ?? null,
    };
    return CSV_COLUMNS.map((c) => csvField(record[c])).join(",");
  });
  return `${[CSV_COLUMNS.join(","), ...lines].join("\r\n")}\r\n`;
}
