// The findings page's section past the paper (docs/metrics.md "Past the paper"): per distinct cell of
// the version, the share of universal heads (by attention alone and with function), whether matched
// heads do the same work, which matching rule function ranks higher, and whether seeds that differ in
// their heads also differ in what they predict; then the numbers a reader will hold them against.
import type { CellMetric } from "#pipeline/compare/definitions.ts";
import type { SiteVersion } from "./content.ts";
import { fmtEstimate } from "./format.ts";

export interface BeyondRow {
  cellId: string;
  suites: string;
  /** What the cell's suites vary, e.g. "model.nLayers 4, train.seedVaries init". */
  label: string;
  values: Record<BeyondColumn, string>;
}

export const BEYOND_COLUMNS = [
  ["universal.share", "universal heads (attention)"],
  ["universal.shareFunctional", "universal heads (attention and function)"],
  ["functional.stability", "functional match"],
  ["functional.null", "random-head null"],
  ["functional.auc.paper", "area, paper's match"],
  ["functional.auc.hungarian", "area, one-to-one match"],
  ["output.js", "output divergence (bits)"],
  ["output.headAgreement", "r, output vs heads"],
] as const satisfies readonly (readonly [CellMetric, string])[];
export type BeyondColumn = (typeof BEYOND_COLUMNS)[number][0];

/** Every distinct cell of the version that has universal.share (computed since these metrics existed), in suite order. */
export function beyondRows(version: SiteVersion): BeyondRow[] {
  const rows = new Map<string, BeyondRow>();
  for (const { name, result } of version.suites) {
    for (const cell of result.cells) {
      const e = cell.stats?.cellEstimates;
      if (!e?.["universal.share"]) continue;
      const seen = rows.get(cell.cellId);
      if (seen) {
        seen.suites += `, ${name}`;
        continue;
      }
      const values = Object.fromEntries(BEYOND_COLUMNS.map(([id]) => [id, fmtEstimate(e[id])])) as BeyondRow["values"];
      const label = Object.entries(cell.label).map(([k, v]) => `${k} ${v}`).join(", ") || "one cell";
      rows.set(cell.cellId, { cellId: cell.cellId, suites: name, label, values });
    }
  }
  return [...rows.values()];
}

/** Published numbers from neighbouring work, each with its source, for the reader's comparison. */
export const EXTERNAL = [
  {
    what: "Features shared across seeds by sparse autoencoders trained on the same data",
    number: "about 30%",
    unit: "SAE latents (Llama 3 8B, 131k latents)",
    source: "Paulo & Belrose 2025, \u201cSparse Autoencoders Trained on the Same Data Learn Different Features\u201d, arXiv 2501.16615",
  },
  {
    what: "Universal neurons (activations correlated across seeds)",
    number: "1-5%",
    unit: "MLP neurons of GPT-2 small and medium, 5 seeds",
    source: "Gurnee et al. 2024, \u201cUniversal Neurons in GPT2 Language Models\u201d, arXiv 2401.12181",
  },
  {
    what: "Seed sources apart: variants that change only the data order or only the initialization",
    number: "released models, no head table",
    unit: "Pythia-160M variants",
    source: "van der Wal et al. 2025, \u201cPolyPythias\u201d, arXiv 2503.09543",
  },
] as const;
