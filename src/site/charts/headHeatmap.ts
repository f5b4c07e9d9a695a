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

/** Heads a panel holds at the most: 110 px of axis and margin plus 60 px a head fit PHONE_WIDTH. */
const HEADS_PER_PANEL = Math.floor((PHONE_WIDTH - 110) / 60);

/** Heads 1..n in runs of at most HEADS_PER_PANEL, as even as they go (8 heads: 4 + 4; 6: 3 + 3). */
export function headRuns(nHeads: number): [number, number][] {
  const panels = Math.ceil(nHeads / HEADS_PER_PANEL);
  const size = Math.ceil(nHeads / panels);
  return Array.from({ length: panels }, (_, i): [number, number] => [i * size + 1, Math.min(nHeads, (i + 1) * size)]);
}

/**
 * Many heads are drawn as phone-width panels of a few heads each on one colour scale, which wrap
 * side by side on a wide screen and stack on a phone, instead of one wide chart that scrolls.
 */
export function headHeatmapChart(values: readonly (readonly number[])[], { document, label, within = [0, 1] }: HeadHeatmapOptions): Element {
  const data = headHeatmapData(values);
  const domain = paddedDomain(data.map((d) => d.value), { pad: 0, within });
  const nHeads = Math.max(...values.map((r) => r.length));
  const t = (v: number) => (v - domain[0]) / (domain[1] - domain[0] || 1);
  // Quantized (eight steps): a continuous ramp legend needs a canvas, which the build-time DOM lacks.
  const color = { type: "quantize", n: 8, scheme: SEQUENTIAL_SCHEME, domain, label, tickFormat: tickFormatFor(domain) } as const;
  const panel = ([first, last]: [number, number]) => {
    const shown = data.filter((d) => d.head >= first && d.head <= last);
    return Plot.plot({
      document,
      width: 110 + 60 * (last - first + 1),
      height: 50 + 40 * values.length,
      marginLeft: 60,
      padding: 0.05,
      x: { label: "head", axis: "top", tickFormat: "d", domain: Array.from({ length: last - first + 1 }, (_, i) => first + i) },
      y: { label: "layer", tickFormat: "d" },
      color,
      marks: [
        Plot.cell(shown, { x: "head", y: "layer", fill: "value", title: (d: HeadDatum) => `layer ${d.layer}, head ${d.head}: ${d.value.toFixed(3)}` }),
        Plot.text(shown, { x: "head", y: "layer", text: (d: HeadDatum) => d.value.toFixed(3), fill: (d: HeadDatum) => labelColourOn(t(d.value)) }),
      ],
    });
  };
  const panels = headRuns(nHeads).map(panel);
  const grid = document.createElement("div");
  grid.setAttribute("class", "small-multiples");
  grid.append(...panels);
  const root = document.createElement("div");
  // The legend is drawn apart from the plot so it can be wider than a few heads' columns and its labels do not collide.
  root.append(panels[0].legend("color", { width: PHONE_WIDTH })!, grid);
  return root;
}
