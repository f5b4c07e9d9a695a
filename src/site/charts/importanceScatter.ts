// Stability against importance, one phone-width panel per layer (they wrap): each dot a head, x its stability S(l,h),
// y its zero-ablation dPPL (docs/metrics.md "The paper's metrics"), with a rule at dPPL 0 (no effect). Both
// axes span the data with room at the edges, so no dot sits on the frame, and a floor on the span
// keeps near-identical heads from turning the ticks into rounding noise. Drawn when importance ran.
import * as Plot from "@observablehq/plot";
import { paddedDomain, tickFormatFor } from "./domain.ts";
import { OKABE_ITO } from "./palette.ts";
import { panelTitle } from "./panelTitle.ts";
import { PHONE_WIDTH } from "./phone.ts";

export interface ImportanceDatum {
  layer: number;
  head: number;
  stability: number;
  dppl: number;
}

export function importanceData(stability: readonly (readonly number[])[], dppl: readonly (readonly number[])[]): ImportanceDatum[] {
  return stability.flatMap((row, l) => row.map((s, h) => ({ layer: l + 1, head: h + 1, stability: s, dppl: dppl[l][h] })));
}

/** One phone-width panel per layer, on axes every layer shares, so the panels wrap and stack on a phone instead of one wide facet row scrolling. */
export function importanceChart(stability: readonly (readonly number[])[], dppl: readonly (readonly number[])[], { document }: { document: Document }): Element {
  const data = importanceData(stability, dppl);
  const x = paddedDomain(data.map((d) => d.stability), { pad: 0.15, within: [0, 1] });
  const y = paddedDomain(data.map((d) => d.dppl), { include: [0], minSpan: 0.001, pad: 0.15 });
  const root = document.createElement("div");
  root.setAttribute("class", "small-multiples");
  for (const [l] of stability.entries()) {
    root.append(
      Plot.plot({
        document,
        width: PHONE_WIDTH,
        height: 260,
        marginLeft: 64,
        marginTop: 28,
        marginBottom: 40,
        grid: true,
        x: { label: "head stability S(l,h)", domain: x, ticks: 4, tickFormat: tickFormatFor(x) },
        y: { label: "dPPL when ablated", domain: y, tickFormat: tickFormatFor(y) },
        marks: [
          panelTitle(`layer ${l + 1}`),
          Plot.ruleY([0], { stroke: "#555", strokeDasharray: "4,3" }),
          Plot.dot(data.filter((d) => d.layer === l + 1), { x: "stability", y: "dppl", fill: OKABE_ITO[0], r: 4, title: (d: ImportanceDatum) => `layer ${d.layer}, head ${d.head}: stability ${d.stability.toFixed(3)}, dPPL ${d.dppl.toFixed(4)}` }),
        ],
      }),
    );
  }
  return root;
}
