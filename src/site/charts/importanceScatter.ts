// Stability against importance, one panel per layer: each dot a head, x its stability S(l,h),
// y its zero-ablation dPPL (docs/metrics.md "The paper's metrics"). Drawn only when the importance stage ran.
import * as Plot from "@observablehq/plot";
import { OKABE_ITO } from "./palette.ts";

export interface ImportanceDatum {
  layer: number;
  head: number;
  stability: number;
  dppl: number;
}

export function importanceData(stability: readonly (readonly number[])[], dppl: readonly (readonly number[])[]): ImportanceDatum[] {
  return stability.flatMap((row, l) => row.map((s, h) => ({ layer: l + 1, head: h + 1, stability: s, dppl: dppl[l][h] })));
}

export function importanceChart(stability: readonly (readonly number[])[], dppl: readonly (readonly number[])[], { document }: { document: Document }): Element {
  const data = importanceData(stability, dppl);
  return Plot.plot({
    document,
    width: 640,
    height: 240,
    marginLeft: 50,
    grid: true,
    fx: { label: "layer" },
    x: { label: "head stability" },
    y: { label: "dPPL when ablated" },
    marks: [
      Plot.frame(),
      Plot.dot(data, { fx: "layer", x: "stability", y: "dppl", fill: OKABE_ITO[0], r: 4, title: (d: ImportanceDatum) => `layer ${d.layer}, head ${d.head}: stability ${d.stability.toFixed(3)}, dPPL ${d.dppl.toFixed(3)}` }),
    ],
  });
}
