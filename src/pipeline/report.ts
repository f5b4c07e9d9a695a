// Plain-text report of a suite result for the terminal: per cell, the per-layer table
// (stability with its std band over heads, commonness, cross-layer stability and where the
// best matches land) and the layer extremes. Layers are 1-based here, as everywhere shown to people.
import type { SuiteResult } from "./artifacts/schemas.ts";

const f3 = (x: number) => x.toFixed(3);

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const fmt = (r: string[]) => r.map((c, i) => c.padStart(widths[i])).join("  ");
  return [fmt(header), ...rows.map(fmt)].join("\n");
}

function describeCell(cell: SuiteResult["cells"][number]): string {
  const m = cell.config.model;
  const t = cell.config.train;
  const arch = `${m.nLayers}L d${m.dModel} ${m.nHeads}H ${m.mlp ? "MLP" : "attn-only"}`;
  const opt = `${t.optimizer} lr ${t.lr} wd ${t.weightDecay}`;
  const swept = Object.entries(cell.label).map(([k, v]) => `${k}=${v}`).join(" ");
  return `${swept ? `${swept}  ` : ""}(${arch}, ${opt}, ${t.tokens} tokens)`;
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
    const s = cell.stats;
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
  });
  return out.join("\n");
}
