// `refit diff` output: a terminal table of every compared value, or a Markdown summary for a GitHub
// job summary or PR comment (regressions and other moves beyond noise first, everything else folded
// into <details>). Both are plain functions of a VersionDiff (publish/diff.ts).
import type { MetricMove, VersionDiff } from "./diff.ts";

const digits = (m: MetricMove) => (m.family === "perplexity" ? 2 : 3);
const fixed = (x: number, d: number) => x.toFixed(d);
const signed = (x: number, d: number) => `${x >= 0 ? "+" : "-"}${Math.abs(x).toFixed(d)}`;
const interval = (m: MetricMove) => (m.interval ? `[${fixed(m.interval[0], digits(m))}, ${fixed(m.interval[1], digits(m))}]` : "none");

/** regression / beyond noise / within noise / no interval. */
export function verdictOf(m: MetricMove): string {
  if (m.regression) return "REGRESSION";
  if (m.beyondNoise === true) return "beyond noise";
  return m.beyondNoise === false ? "within noise" : "no interval";
}

export const regressions = (d: VersionDiff) => d.moves.filter((m) => m.regression);

function headline(d: VersionDiff): string {
  const beyond = d.moves.filter((m) => m.beyondNoise === true).length;
  const noInterval = d.moves.filter((m) => m.beyondNoise === null).length;
  const n = regressions(d).length;
  const lead = n === 0 ? "no regression beyond seed noise" : `${n} regression(s) beyond seed noise`;
  return `${lead}: ${d.moves.length} values compared, ${beyond} moved beyond seed noise (more than their interval's critical difference), ${noInterval} without an interval`;
}

/** Said before anything else when the pair runs backwards, so no change is read as progress. */
const reversedNote = (d: VersionDiff) => (d.reversed ? ` (reversed: ${d.from} was published after ${d.to}, so each change runs backwards in time)` : "");

function cellChanges(d: VersionDiff): string[] {
  const out: string[] = [];
  if (d.retrained.length > 0) out.push(`retrained cells (same suite and grid point, new cell id): ${d.retrained.map((k) => `${k.suite}/${k.predecessor} -> ${k.suite}/${k.cellId}`).join(", ")}`);
  if (d.added.length > 0) out.push(`new cells: ${d.added.map((k) => `${k.suite}/${k.cellId}`).join(", ")}`);
  if (d.removed.length > 0) out.push(`cells no longer published: ${d.removed.map((k) => `${k.suite}/${k.cellId}`).join(", ")}`);
  return out;
}

/** A move's numbers as every report prints them (perplexity to 2 places, the rest to 3). */
export function moveNumbers(m: MetricMove): { before: string; after: string; change: string; interval: string; detectable: string } {
  const detectable = m.detectable === null ? "none" : fixed(m.detectable, digits(m));
  return { before: fixed(m.before, digits(m)), after: fixed(m.after, digits(m)), change: signed(m.delta, digits(m)), interval: interval(m), detectable };
}

/** A retrained cell's row names both ids, old first. */
const cellText = (m: MetricMove) => (m.predecessor ? `${m.suite}/${m.predecessor} -> ${m.cellId}` : `${m.suite}/${m.cellId}`);

function row(m: MetricMove): string[] {
  const n = moveNumbers(m);
  return [cellText(m), m.metric, n.before, n.after, n.change, n.interval, n.detectable, verdictOf(m)];
}

/** Aligned plain text, every value compared, largest change first. */
export function formatDiffText(d: VersionDiff): string {
  const header = ["cell", "metric", d.from, d.to, "change", "95% interval", "MDD", "verdict"];
  const rows = d.moves.map(row);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [`${d.from} -> ${d.to}${reversedNote(d)}: ${headline(d)}`, ...cellChanges(d), "", line(header), ...rows.map(line)].join("\n");
}

const escapeCell = (s: string) => s.replace(/\|/g, "\\|");

function markdownTable(d: VersionDiff, moves: readonly MetricMove[]): string[] {
  const header = ["Cell", "Metric", d.from, d.to, "Change", "95% interval", "MDD", "Verdict"];
  const body = moves.map((m) => {
    const r = row(m).map(escapeCell);
    r[0] = `\`${r[0]}\``;
    if (m.regression) r[7] = `**${r[7]}**`;
    return r;
  });
  return [`| ${header.map(escapeCell).join(" | ")} |`, "|---|---|---:|---:|---:|---|---:|---|", ...body.map((r) => `| ${r.join(" | ")} |`)];
}

/** A Markdown summary: headline, the flagged moves, and every value in a folded table. */
export function formatDiffMarkdown(d: VersionDiff): string {
  const flagged = d.moves.filter((m) => m.regression || m.beyondNoise === true);
  const out = [`### Refit: ${escapeCell(d.from)} → ${escapeCell(d.to)}${reversedNote(d)}`, "", `${regressions(d).length > 0 ? "⚠️ " : ""}${headline(d)}.`];
  for (const c of cellChanges(d)) out.push("", `- ${c}`);
  if (flagged.length > 0) out.push("", ...markdownTable(d, flagged));
  if (d.moves.length > 0) out.push("", `<details><summary>All ${d.moves.length} values</summary>`, "", ...markdownTable(d, d.moves), "", "</details>");
  return `${out.join("\n")}\n`;
}
