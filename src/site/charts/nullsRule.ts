// The dashed rule at 0 under an excess panel (the nulls themselves) and its "nulls" label. The label
// sits in the right margin, beside the rule's end and outside the frame where every point lies, so
// no point can hide it, whatever the data.
import * as Plot from "@observablehq/plot";

/** The right margin a panel with the rule needs: room for the 12 px word "nulls" and a gap. */
export const NULLS_MARGIN = 48;

export const nullsRule = () => [
  Plot.ruleY([0], { stroke: "#555", strokeDasharray: "4,3" }),
  Plot.text([0], { frameAnchor: "right", y: 0, text: () => "nulls", textAnchor: "start", dx: 4, fill: "#555" }),
];
