// Layer profile of one cell: head stability per layer with its 95% interval band (where present),
// commonness, cross-layer stability, the null baseline and residual CKA on the same 0-1 axis
// (docs/design.md "Site"). Series missing from the result are left out and listed by the page.
import * as Plot from "@observablehq/plot";
import type { LayerPoint } from "../lib/stats.ts";
import { OKABE_ITO } from "./palette.ts";

export const PROFILE_SERIES = ["stability", "commonness", "crossLayerStability", "nullStability", "residualCka"] as const;
export type ProfileSeries = (typeof PROFILE_SERIES)[number];

export const SERIES_LABEL: Record<ProfileSeries, string> = {
  stability: "head stability S(l)",
  commonness: "commonness C(l)",
  crossLayerStability: "cross-layer stability",
  nullStability: "null baseline (probe-shuffled)",
  residualCka: "residual CKA",
};

export interface ProfileDatum {
  layer: number;
  series: string;
  value: number;
}

/** Long-format rows, one per (layer, present series); absent values are skipped. */
export function layerProfileData(points: readonly LayerPoint[]): ProfileDatum[] {
  return PROFILE_SERIES.flatMap((s) =>
    points.flatMap((p) => (p[s] === null ? [] : [{ layer: p.layer, series: SERIES_LABEL[s], value: p[s] as number }])),
  );
}

export function layerProfileChart(points: readonly LayerPoint[], { document, width = 640 }: { document: Document; width?: number }): Element {
  const data = layerProfileData(points);
  const bands = points.filter((p) => p.interval !== null).map((p) => ({ layer: p.layer, low: p.interval![0], high: p.interval![1] }));
  const present = PROFILE_SERIES.filter((s) => points.some((p) => p[s] !== null)).map((s) => SERIES_LABEL[s]);
  return Plot.plot({
    document,
    width,
    height: 320,
    marginLeft: 50,
    x: { label: "layer", ticks: points.map((p) => p.layer), tickFormat: "d", domain: [0.8, points.length + 0.2] },
    y: { label: "similarity", domain: [0, 1], grid: true },
    color: { domain: present, range: OKABE_ITO.slice(0, present.length), legend: true },
    marks: [
      Plot.areaY(bands, { x: "layer", y1: "low", y2: "high", fill: OKABE_ITO[0], fillOpacity: 0.2 }),
      Plot.lineY(data, { x: "layer", y: "value", stroke: "series", strokeWidth: 2 }),
      Plot.dot(data, { x: "layer", y: "value", fill: "series", symbol: "series", r: 4, title: (d: ProfileDatum) => `${d.series}, layer ${d.layer}: ${d.value.toFixed(3)}` }),
    ],
  });
}
