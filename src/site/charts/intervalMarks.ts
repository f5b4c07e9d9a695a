// Error bars for charts with a linear x: a vertical rule from an interval's low to high end with a
// short cap at each end, so a 95% interval stays visible where a shaded band is one pixel high or,
// with a single layer, has no width at all. Returns Plot marks to spread into a chart's marks.
import * as Plot from "@observablehq/plot";

export interface IntervalDatum {
  x: number;
  low: number;
  high: number;
  /** Tooltip for the bar. */
  title: string;
  /** The line the bar belongs to, for charts that colour bars by series. */
  series?: string;
}

/** stroke: a colour, or "series" to colour each bar (and its caps) by its datum's series on the chart's colour scale. */
export function intervalMarks(data: readonly IntervalDatum[], { stroke, capWidth = 0.06 }: { stroke: string; capWidth?: number }): Plot.Markish[] {
  const caps = data.flatMap((d) => [d.low, d.high].map((y) => ({ y, x1: d.x - capWidth, x2: d.x + capWidth, series: d.series })));
  return [
    Plot.ruleX(data, { x: "x", y1: "low", y2: "high", stroke, strokeWidth: 2, title: "title" }),
    Plot.ruleY(caps, { y: "y", x1: "x1", x2: "x2", stroke, strokeWidth: 2 }),
  ];
}
