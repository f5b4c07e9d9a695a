// The rest of a cell's layer profile as small multiples, one panel per measure, each on an axis
// scaled to its own data so a difference of a few thousandths shows: commonness C(l) (how alike
// a layer's heads are; distinctness = 1 - C), cross-layer stability, and residual-stream CKA.
// Measures missing from the result are left out and named by the page. Layers 1-based.
import * as Plot from "@observablehq/plot";
import type { LayerPoint } from "../lib/stats.ts";
import { paddedDomain, tickFormatFor } from "./domain.ts";
import { layerAxis } from "./layerAxis.ts";
import { OKABE_ITO } from "./palette.ts";
import { panelTitle } from "./panelTitle.ts";

export const PROFILE_SERIES = ["commonness", "crossLayerStability", "residualCka"] as const;
export type ProfileSeries = (typeof PROFILE_SERIES)[number];

export const SERIES_LABEL: Record<ProfileSeries, string> = {
  commonness: "commonness C(l)",
  crossLayerStability: "cross-layer stability",
  residualCka: "residual CKA",
};

export interface ProfileDatum {
  layer: number;
  series: string;
  value: number;
}

/** Long-format rows, one per (layer, present series); absent values are skipped. */
export function layerProfileData(points: readonly LayerPoint[]): ProfileDatum[] {
  return PROFILE_SERIES.flatMap((s) => points.flatMap((p) => (p[s] === null ? [] : [{ layer: p.layer, series: SERIES_LABEL[s], value: p[s] as number }])));
}

export function layerProfileChart(points: readonly LayerPoint[], { document, panelWidth = 300 }: { document: Document; panelWidth?: number }): Element {
  const data = layerProfileData(points);
  const root = document.createElement("div");
  root.setAttribute("class", "small-multiples");
  PROFILE_SERIES.forEach((s, i) => {
    const rows = data.filter((d) => d.series === SERIES_LABEL[s]);
    if (rows.length === 0) return;
    const domain = paddedDomain(rows.map((d) => d.value), { within: [0, 1] });
    root.append(
      Plot.plot({
        document,
        width: panelWidth,
        height: 200,
        marginLeft: 56,
        marginTop: 28,
        x: layerAxis(points.length),
        y: { label: null, domain, grid: true, tickFormat: tickFormatFor(domain) },
        marks: [
          panelTitle(SERIES_LABEL[s]),
          Plot.lineY(rows, { x: "layer", y: "value", stroke: OKABE_ITO[i + 1], strokeWidth: 2 }),
          Plot.dot(rows, { x: "layer", y: "value", fill: OKABE_ITO[i + 1], r: 4, title: (d: ProfileDatum) => `${d.series}, layer ${d.layer}: ${d.value.toFixed(3)}` }),
        ],
      }),
    );
  });
  return root;
}
