// The paper's depth figure: layer head stability S(l) against relative depth l/L, one line per
// model depth, each with its 95% bootstrap interval as a band and error bars, on an axis scaled
// to the data. A mid-depth dip shows as a line that sags between its ends (finding 1); deeper
// models' lines sagging further is finding 2.
import * as Plot from "@observablehq/plot";
import type { DepthPoint } from "../lib/depth.ts";
import { paddedDomain, tickFormatFor } from "./domain.ts";
import { OKABE_ITO } from "./palette.ts";

/** The line labels of `points`, shallowest first (the groups of one depth in their order): the colour domain. */
export const depthLabels = (points: readonly DepthPoint[]) =>
  [...new Map(points.map((p) => [p.depth, p.nLayers])).entries()].sort(([, a], [, b]) => a - b).map(([d]) => d);

export interface RelativeDepthOptions {
  document: Document;
  width?: number;
  /** The lines' labels in colour order; default: this figure's, shallowest first. */
  depths?: readonly string[];
}

export function relativeDepthChart(points: readonly DepthPoint[], { document, width = 350, depths = depthLabels(points) }: RelativeDepthOptions): Element {
  const withInterval = points.filter((p) => p.low !== null && p.high !== null);
  const domain = paddedDomain([...points.map((p) => p.stability), ...withInterval.flatMap((p) => [p.low!, p.high!])], { within: [0, 1] });
  const caps = withInterval.flatMap((p) => [p.low!, p.high!].map((y) => ({ depth: p.depth, y, x1: p.relativeDepth - 0.012, x2: p.relativeDepth + 0.012 })));
  return Plot.plot({
    document,
    width,
    height: 300,
    marginLeft: 56,
    x: { label: "relative depth l/L", domain: [0, 1.04], ticks: [0, 0.25, 0.5, 0.75, 1], tickFormat: ".2~f" },
    y: { label: "layer head stability S(l)", domain, grid: true, tickFormat: tickFormatFor(domain) },
    color: { domain: depths, range: depths.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]), legend: true },
    symbol: { domain: depths, legend: false },
    marks: [
      Plot.areaY(withInterval, { x: "relativeDepth", y1: "low", y2: "high", z: "depth", fill: "depth", fillOpacity: 0.15 }),
      Plot.ruleX(withInterval, { x: "relativeDepth", y1: "low", y2: "high", stroke: "depth", strokeWidth: 1.5, title: (p: DepthPoint) => `${p.depth}, layer ${p.layer}: 95% interval [${p.low!.toFixed(3)}, ${p.high!.toFixed(3)}]` }),
      Plot.ruleY(caps, { y: "y", x1: "x1", x2: "x2", stroke: "depth", strokeWidth: 1.5 }),
      Plot.line(points, { x: "relativeDepth", y: "stability", z: "depth", stroke: "depth", strokeWidth: 2 }),
      Plot.dot(points, { x: "relativeDepth", y: "stability", fill: "depth", symbol: "depth", r: 4.5, title: (p: DepthPoint) => `${p.depth}, layer ${p.layer} (l/L ${p.relativeDepth.toFixed(2)}): S(l) ${p.stability.toFixed(3)}` }),
    ],
  });
}
