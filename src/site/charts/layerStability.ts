// Head stability per layer against the nulls a trained head can beat (probe-shuffled, uniform),
// on an axis scaled to the data, with the 95% bootstrap interval as a band and as error bars.
// The untrained null (near 1 by construction) is left to the table. Layers 1-based.
import * as Plot from "@observablehq/plot";
import type { LayerPoint } from "../lib/stats.ts";
import { paddedDomain, tickFormatFor } from "./domain.ts";
import { layerAxis } from "./layerAxis.ts";
import { intervalMarks } from "./intervalMarks.ts";
import { OKABE_ITO } from "./palette.ts";
import { PHONE_WIDTH } from "./phone.ts";

const SERIES = [
  { key: "stability", label: "head stability S(l)", colour: OKABE_ITO[0], dash: "none" },
  { key: "nullProbeShuffled", label: "probe-shuffled null", colour: OKABE_ITO[5], dash: "6,3" },
  { key: "nullUniform", label: "uniform null", colour: OKABE_ITO[3], dash: "2,3" },
] as const;

export interface StabilityDatum {
  layer: number;
  series: string;
  value: number;
}

/** Long rows, one per (layer, series present). */
export function layerStabilityData(points: readonly LayerPoint[]): StabilityDatum[] {
  return SERIES.flatMap((s) => points.flatMap((p) => (p[s.key] === null ? [] : [{ layer: p.layer, series: s.label, value: p[s.key] as number }])));
}

export function layerStabilityChart(points: readonly LayerPoint[], { document, width = PHONE_WIDTH }: { document: Document; width?: number }): Element {
  const data = layerStabilityData(points);
  const bands = points.flatMap((p) => (p.interval ? [{ x: p.layer, low: p.interval[0], high: p.interval[1], title: `95% interval of S(l), layer ${p.layer}: [${p.interval[0].toFixed(3)}, ${p.interval[1].toFixed(3)}]` }] : []));
  const present = SERIES.filter((s) => data.some((d) => d.series === s.label));
  const domain = paddedDomain([...data.map((d) => d.value), ...bands.flatMap((b) => [b.low, b.high])], { within: [0, 1] });
  return Plot.plot({
    document,
    width,
    height: 300,
    marginLeft: 56,
    x: layerAxis(points.length),
    y: { label: "similarity", domain, grid: true, tickFormat: tickFormatFor(domain) },
    color: { domain: present.map((s) => s.label), range: present.map((s) => s.colour), legend: true },
    marks: [
      Plot.areaY(bands, { x: "x", y1: "low", y2: "high", fill: OKABE_ITO[0], fillOpacity: 0.18 }),
      ...intervalMarks(bands, { stroke: OKABE_ITO[0] }),
      ...present.map((s) => Plot.lineY(data.filter((d) => d.series === s.label), { x: "layer", y: "value", stroke: s.colour, strokeWidth: 2, strokeDasharray: s.dash })),
      Plot.dot(data, { x: "layer", y: "value", fill: "series", symbol: "series", r: 4, title: (d: StabilityDatum) => `${d.series}, layer ${d.layer}: ${d.value.toFixed(3)}` }),
    ],
  });
}
