// Plain-text report of a suite result for the terminal: per cell, the per-layer table (stability
// with its std band over heads, commonness, cross-layer stability and where the best matches land),
// the layer extremes, then (when the result has them) layer stability with 95% bootstrap intervals
// beside its null baselines and residual CKA, and finally the findings table with verdicts.
// Layers are 1-based here, as everywhere shown to people.
import type { CellStats, Estimate } from "./artifacts/cell-stats.ts";
import type { Finding } from "./artifacts/finding.ts";
import type { SuiteResult } from "./artifacts/suite-result.ts";
import { minimumDetectable, seedsToDetect } from "./publish/detectable.ts";

const f3 = (x: number) => x.toFixed(3);
const num = (x: number | null | undefined) => (x === null || x === undefined ? "-" : f3(x));
/** "0.812 [0.790, 0.830]", or the value alone when there is no interval. */
const withCi = (e: Estimate | null | undefined) =>
  !e ? "-" : e.lo === null || e.hi === null ? num(e.value) : `${num(e.value)} [${num(e.lo)}, ${num(e.hi)}]`;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  // Numbers right-aligned; the last column (often free text) left-aligned.
  const fmt = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padStart(widths[i]))).join("  ");
  return [fmt(header), ...rows.map(fmt)].join("\n");
}

function describeCell(cell: SuiteResult["cells"][number]): string {
  const m = cell.config.model;
  const t = cell.config.train;
  const arch = `${m.nLayers}L d${m.dModel} ${m.nHeads}H ${m.mlp ? "MLP" : "attn-only"}`;
  if (!t) return `family ${cell.family?.name} (${arch}, ${cell.family?.models.length} seeds trained elsewhere, ${cell.family?.tokenizer} tokens)`;
  const opt = `${t.optimizer} lr ${t.lr} wd ${t.weightDecay}`;
  const swept = Object.entries(cell.label).map(([k, v]) => `${k}=${v}`).join(" ");
  return `${swept ? `${swept}  ` : ""}(${arch}, ${opt}, ${t.tokens} tokens)`;
}

/** A cell's statistics: the paper's per-layer table and extremes, then formatScience. */
export function formatCellStats(s: CellStats): string[] {
  const out: string[] = [];
  const rows = s.layers.map((l) => {
    const share = l.crossLayerShare.map((x, j) => `${j + 1}:${Math.round(100 * x)}%`).join(" ");
    return [String(l.layer + 1), `${f3(l.stability)} ± ${f3(l.stabilityStd)}`, f3(l.commonness), f3(1 - l.commonness), `${f3(l.crossLayerStability)} ± ${f3(l.crossLayerStd)}`, share];
  });
  out.push(table(["layer", "stability ± std", "commonness", "distinct", "cross-layer ± std", "best matches in layer"], rows).replace(/^/gm, "  "));
  const e = s.extremes;
  const drop = e.largestDrop === null ? "" : `; largest drop ${f3(e.largestDrop)} into layer ${e.largestDropLayer! + 1}`;
  out.push(
    `  least stable layer ${e.minLayer + 1} (${f3(e.min)}, depth ${e.minRelativeDepth.toFixed(2)}); most stable layer ${e.maxLayer + 1} (${f3(e.max)}); gap ${f3(e.gap)}${drop}`,
  );
  out.push(...formatScience(s));
  return out;
}

/** Stability with intervals beside its nulls, and residual-stream CKA, one row per layer. */
export function formatScience(s: CellStats): string[] {
  if (!s.estimates) return [];
  const out: string[] = [];
  const rows = s.estimates.map((e, l) => [
    String(l + 1),
    withCi(e["stability"]),
    withCi(e["stability.allPairs"]),
    num(e["stability.hungarian"]?.value),
    num(e["null.untrained"]?.value),
    num(e["null.probeShuffled"]?.value),
    num(e["null.uniform"]?.value),
    withCi(e["excess.informativeNull"]),
    num(e["induction.max"]?.value),
  ]);
  out.push("  head stability, 95% bootstrap intervals over refits, and null baselines (excess: over the larger of shuffled and uniform):");
  out.push(
    table(["layer", "S (anchor)", "S (all pairs)", "S 1:1", "null untrained", "null shuffled", "null uniform", "excess over nulls", "max induction"], rows).replace(/^/gm, "    "),
  );
  const residual = s.estimates.map((e, l) => [
    String(l + 1),
    withCi(e["cka.rbf.resid_pre"]),
    withCi(e["cka.rbf.resid_mid"]),
    num(e["cka.rbf.resid_mid.withSelf"]?.value),
    num(e["cka.linear.resid_mid"]?.value),
    num(e["cka.linearDebiased.resid_mid"]?.value),
    num(e["null.untrained.cka.rbf.resid_mid"]?.value),
    withCi(e["importance.pearson"]),
  ]);
  if (s.estimates.some((e) => e["cka.rbf.resid_mid"] || e["importance.pearson"])) {
    out.push("  residual stream (CKA over pairs of refits) and importance:");
    out.push(
      table(["layer", "RBF resid_pre", "RBF resid_mid", "RBF mid +self", "linear mid", "debiased mid", "null untrained mid", "r(dPPL, S)"], residual).replace(/^/gm, "    "),
    );
  }
  const c = s.cellEstimates ?? {};
  const cellLine = Object.entries(c)
    .filter(([, e]) => e.value !== null)
    .map(([id, e]) => `${id} ${withCi(e)}`);
  if (cellLine.length > 0) out.push(`  cell: ${cellLine.join("; ")}`);
  const detectable = detectableLine(c, s.nRefits);
  if (detectable) out.push(detectable);
  if (s.seedsNeeded) {
    const pts = s.seedsNeeded.points.map((p) => `${p.refits}: ±${f3(p.halfWidth)}`).join(", ");
    const need = s.seedsNeeded.forHalfWidth.map((p) => `±${p.halfWidth} needs ~${p.refits}`).join(", ");
    out.push(`  seeds needed (widest layer's all-pairs interval half-width by refits): ${pts}; ${need}`);
  }
  for (const note of s.notes ?? []) out.push(`  note: ${note}`);
  return out;
}

/** The headline metrics whose smallest detectable difference the report prints, and the difference it prices in seeds. */
const DETECTABLE_SHOWN = ["meanCorrected", "meanExcess.informativeNull", "universal.share"] as const;
const STATED_DIFFERENCE = 0.02;

/** The minimum detectable difference between two cells at this seed count (docs/metrics.md "Past the paper"). */
function detectableLine(c: NonNullable<CellStats["cellEstimates"]>, nRefits: number): string | null {
  const parts = DETECTABLE_SHOWN.flatMap((id) => {
    const e = c[id];
    if (!e || e.lo === null || e.hi === null) return [];
    const iv: [number, number] = [e.lo, e.hi];
    return [`${id} ${f3(minimumDetectable(iv))} (${seedsToDetect(iv, nRefits, STATED_DIFFERENCE)} seeds for ${STATED_DIFFERENCE})`];
  });
  return parts.length === 0 ? null : `  smallest difference two cells of ${nRefits} seeds can detect (80% power): ${parts.join("; ")}`;
}

/** Short label of a finding: 1-5 for the paper's, the id for Refit's controls. */
const findingLabel = (f: Finding) => f.id.replace(/^finding/, "");

/**
 * The findings and controls: the (null-corrected) headline with interval, threshold and verdict,
 * the raw statistic's verdict beside it, and the paper's effect read against ours.
 */
export function formatFindings(findings: readonly Finding[]): string {
  const rows = findings.map((f) => [
    findingLabel(f),
    withCi(f.estimate),
    `${f.direction} ${f.threshold}`,
    f.verdict,
    f.raw ? `${withCi(f.raw.estimate)} ${f.raw.verdict}` : "-",
    f.paper ? `${f.paper.range ? f.paper.range.join("-") : f3(f.paper.value)}: ${f.paper.verdict}` : "-",
    String(f.parts.length),
  ]);
  const label = (f: Finding) => `${/^\d/.test(findingLabel(f)) ? "finding " : ""}${findingLabel(f)}`;
  const notes = findings.filter((f) => f.verdict === "untestable").map((f) => `  ${label(f)}: ${f.note}`);
  const leftOut = findings.flatMap((f) => (f.leftOut ?? []).map((o) => `  ${label(f)} leaves out ${o.cells.join(", ")}: ${o.reason}`));
  return [
    "\nfindings (95% bootstrap intervals; a claim is supported when its whole interval lies past the threshold; docs/metrics.md):",
    table(["#", "headline [95% CI]", "claim if", "verdict", "raw [95% CI] verdict", "paper: second test", "parts"], rows).replace(/^/gm, "  "),
    ...findings.map((f) => `  ${label(f)}: ${f.claim}`),
    ...notes,
    ...leftOut,
  ].join("\n");
}

export function formatSuiteResult(result: SuiteResult): string {
  const out: string[] = [`\nsuite ${result.suite.name}: ${result.cells.length} cell(s), ${result.suite.seeds} seeds, backend ${result.provenance.backend}`];
  result.cells.forEach((cell, i) => {
    const finished = cell.runs.filter((r) => r.status === "finished");
    const ppl = finished.map((r) => r.heldOutPerplexity ?? NaN);
    const meanPpl = ppl.reduce((a, b) => a + b, 0) / Math.max(ppl.length, 1);
    out.push(`\ncell ${i + 1} ${cell.cellId}  ${describeCell(cell)}`);
    out.push(`  refits finished ${finished.length}/${cell.runs.length}, mean held-out perplexity ${meanPpl.toFixed(2)}`);
    for (const r of cell.runs.filter((r) => r.status === "failed")) out.push(`  seed ${r.seed} FAILED: ${r.error}`);
    if (!cell.stats) {
      out.push(`  no statistics: ${cell.error}`);
      return;
    }
    out.push(...formatCellStats(cell.stats));
  });
  if (result.findings) out.push(formatFindings(result.findings));
  return out.join("\n");
}
