// Head x layer heatmap of one per-head statistic (head stability by default), each cell labelled
// with its value so the chart reads without colour. Rows are layers from the top, 1-based.
import * as Plot from "@observablehq/plot";
import { labelColourOn, SEQUENTIAL_SCHEME } from "./palette.ts";

export interface HeadDatum {
  layer: number;
  head: number;
  value: number;
}

/** [layer][head] (0-based) to 1-based long rows. */
export function headHeatmapData(values: readonly (readonly number[])[]): HeadDatum[] {
  return values.flatMap((row, l) => row.map((value, h) => ({ layer: l + 1, head: h + 1, value })));
}

export interface HeadHeatmapOptions {
  document: Document;
  label: string;
  /** Colour domain; stability lives in [0, 1]. */
  domain?: [number, number];
}

export function headHeatmapChart(values: readonly (readonly number[])[], { document, label, domain = [0, 1] }: HeadHeatmapOptions): Element {
  const data = headHeatmapData(values);
  const nHeads = Math.max(...values.map((r) => r.length));
  const t = (v: number) => (v - domain[0]) / (domain[1] - domain[0] || 1);
  return Plot.plot({
    document,
    width: Math.min(640, 110 + 64 * nHeads),
    height: 50 + 40 * values.length,
    marginLeft: 60,
    padding: 0.05,
    x: { label: "head", axis: "top", tickFormat: "d" },
    y: { label: "layer", tickFormat: "d" },
    // Quantized (ten steps): a continuous ramp legend needs a canvas, which the build-time DOM lacks.
    color: { type: "quantize", n: 10, scheme: SEQUENTIAL_SCHEME, domain, legend: true, label },
    marks: [
      Plot.cell(data, { x: "head", y: "layer", fill: "value", title: (d: HeadDatum) => `layer ${d.layer}, head ${d.head}: ${d.value.toFixed(3)}` }),
      Plot.text(data, { x: "head", y: "layer", text: (d: HeadDatum) => d.value.toFixed(3), fill: (d: HeadDatum) => labelColourOn(t(d.value)) }),
    ],
  });
}
