// Stability minus the nulls, per layer: each layer's excess over the larger of the probe-shuffled
// and uniform nulls, as a dot with its 95% interval as an error bar, beside a rule at 0 (the null
// itself). A layer whose bar lies wholly above the rule has heads that beat the nulls.
import * as Plot from "@observablehq/plot";
import type { LayerPoint } from "../lib/stats.ts";
import { paddedDomain, tickFormatFor } from "./domain.ts";
import { layerAxis } from "./layerAxis.ts";
import { intervalMarks } from "./intervalMarks.ts";
import { NULLS_MARGIN, nullsRule } from "./nullsRule.ts";
import { OKABE_ITO } from "./palette.ts";
import { PHONE_WIDTH } from "./phone.ts";

export interface ExcessDatum {
  layer: number;
  value: number;
  low: number | null;
  high: number | null;
}

export function layerExcessData(points: readonly LayerPoint[]): ExcessDatum[] {
  return points.flatMap((p) => (p.excess === null ? [] : [{ layer: p.layer, value: p.excess, low: p.excessInterval?.[0] ?? null, high: p.excessInterval?.[1] ?? null }]));
}

const signed = (x: number) => `${x > 0 ? "+" : ""}${x.toFixed(3)}`;

export function layerExcessChart(points: readonly LayerPoint[], { document, width = PHONE_WIDTH }: { document: Document; width?: number }): Element {
  const data = layerExcessData(points);
  const bars = data.flatMap((d) => (d.low === null || d.high === null ? [] : [{ x: d.layer, low: d.low, high: d.high, title: `layer ${d.layer}: 95% interval [${signed(d.low)}, ${signed(d.high)}]` }]));
  const domain = paddedDomain([...data.map((d) => d.value), ...bars.flatMap((b) => [b.low, b.high])], { include: [0], minSpan: 0.01, pad: 0.12 });
  return Plot.plot({
    document,
    width,
    height: 240,
    marginLeft: 56,
    marginRight: NULLS_MARGIN,
    x: layerAxis(points.length),
    y: { label: "stability − larger null", domain, grid: true, tickFormat: tickFormatFor(domain) },
    marks: [
      ...nullsRule(),
      ...intervalMarks(bars, { stroke: OKABE_ITO[0] }),
      Plot.dot(data, { x: "layer", y: "value", fill: OKABE_ITO[0], r: 4.5, title: (d: ExcessDatum) => `layer ${d.layer}: excess over the nulls ${signed(d.value)}` }),
    ],
  });
}
