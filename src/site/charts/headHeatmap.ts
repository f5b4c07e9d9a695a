// Head x layer heatmap of one per-head statistic (head stability by default), each cell labelled
// with its value so the chart reads without colour. The colour scale spans the data (with a floor
// on its span), so heads that differ by thousandths get different colours. Rows are layers, 1-based.
import * as Plot from "@observablehq/plot";
import { paddedDomain, tickFormatFor } from "./domain.ts";
import { PHONE_WIDTH } from "./phone.ts";
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
  /** Bounds the statistic cannot leave; stability lives in [0, 1]. */
  within?: [number, number];
}

export function headHeatmapChart(values: readonly (readonly number[])[], { document, label, within = [0, 1] }: HeadHeatmapOptions): Element {
  const data = headHeatmapData(values);
  const domain = paddedDomain(data.map((d) => d.value), { pad: 0, within });
  const nHeads = Math.max(...values.map((r) => r.length));
  const t = (v: number) => (v - domain[0]) / (domain[1] - domain[0] || 1);
  // Quantized (eight steps): a continuous ramp legend needs a canvas, which the build-time DOM lacks.
  const color = { type: "quantize", n: 8, scheme: SEQUENTIAL_SCHEME, domain, label, tickFormat: tickFormatFor(domain) } as const;
  const chart = Plot.plot({
    document,
    width: Math.min(640, 110 + 64 * nHeads),
    height: 50 + 40 * values.length,
    marginLeft: 60,
    padding: 0.05,
    x: { label: "head", axis: "top", tickFormat: "d" },
    y: { label: "layer", tickFormat: "d" },
    color,
    marks: [
      Plot.cell(data, { x: "head", y: "layer", fill: "value", title: (d: HeadDatum) => `layer ${d.layer}, head ${d.head}: ${d.value.toFixed(3)}` }),
      Plot.text(data, { x: "head", y: "layer", text: (d: HeadDatum) => d.value.toFixed(3), fill: (d: HeadDatum) => labelColourOn(t(d.value)) }),
    ],
  });
  const root = document.createElement("div");
  // The legend is drawn apart from the plot so it can be wider than a few heads' columns and its labels do not collide.
  root.append(chart.legend("color", { width: PHONE_WIDTH })!, chart);
  return root;
}
