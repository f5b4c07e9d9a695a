// A suite's study figure (lib/study.ts): per facet value a row of two panels, each cell's mean head
// stability and its excess over the informative nulls against the figure's x, one line per series
// on one y axis shared by every facet, 95% intervals as bands and capped bars, a rule at 0 (the
// nulls) under the excess. Panels are drawn at phone width and wrap: side by side on a wide
// screen, stacked on a phone, so a chart reflows instead of shrinking or scrolling.
import * as Plot from "@observablehq/plot";
import { fmt, fmtInterval, fmtSigned } from "../lib/format.ts";
import { axisName, axisValueText, type AxisValue, type StudyFigure, type StudyPoint } from "../lib/study.ts";
import type { Interval } from "../lib/stats.ts";
import { paddedDomain, tickFormatFor } from "./domain.ts";
import { intervalMarks, type IntervalDatum } from "./intervalMarks.ts";
import { NULLS_MARGIN, nullsRule } from "./nullsRule.ts";
import { OKABE_ITO } from "./palette.ts";
import { panelTitle } from "./panelTitle.ts";
import { PHONE_WIDTH as PANEL_WIDTH, tickEvery } from "./phone.ts";


interface Row extends IntervalDatum {
  facet: string | null;
  value: number;
  interval: Interval | null;
}

/** Where each x value sits: log10 of a numeric axis spanning a factor of 8 or more, the value of another numeric axis, else its rank. */
function xPositions(xs: readonly AxisValue[]): { at: (v: AxisValue) => number; log: boolean } {
  const numeric = xs.every((v) => typeof v === "number") ? (xs as number[]) : null;
  const log = numeric !== null && numeric[0] > 0 && numeric.at(-1)! / numeric[0] >= 8;
  const rank = new Map(xs.map((v, i) => [JSON.stringify(v), i]));
  const at = (v: AxisValue) => (log ? Math.log10(v as number) : numeric ? (v as number) : rank.get(JSON.stringify(v))!);
  return { at, log };
}

/** One metric's rows: each cell at its x, nudged by series so equal x values do not hide each other's bars. */
function rowsOf(points: readonly StudyPoint[], metric: "stability" | "excess", place: (p: StudyPoint) => number, format: (v: number) => string, xText: (p: StudyPoint) => string): Row[] {
  return points.flatMap((p) => {
    const value = p[metric];
    const interval = metric === "stability" ? p.stabilityInterval : p.excessInterval;
    if (value === null) return [];
    const where = [p.series, p.facet, xText(p)].filter(Boolean).join(", ");
    return [{ x: place(p), facet: p.facet, value, interval, low: interval?.[0] ?? value, high: interval?.[1] ?? value, series: p.series ?? "", title: `${where}: ${metric} ${format(value)}${interval ? `, 95% interval ${fmtInterval(interval)}` : ""}` }];
  });
}

/** The x scale every panel shares: positions from xPositions, ticks at the values measured, thinned to what a panel can label. */
function xAxisOf(figure: StudyFigure, at: (v: AxisValue) => number, log: boolean) {
  const { xs, axes } = figure;
  const positions = xs.map(at);
  const span = Math.max(...positions) - Math.min(...positions) || 1;
  const every = tickEvery(xs.length);
  const tickText = new Map(xs.map((v) => [at(v), axisValueText(v)]));
  return {
    span,
    scale: {
      label: `${axisName(axes.x)}${log ? " (log scale)" : ""}`,
      labelAnchor: "center" as const,
      labelArrow: "none" as const,
      labelOffset: 36,
      domain: [Math.min(...positions) - span * 0.08, Math.max(...positions) + span * 0.08],
      ticks: xs.filter((_, i) => i % every === 0).map(at),
      tickFormat: (t: number) => tickText.get(t) ?? "",
    },
  };
}

type XAxis = ReturnType<typeof xAxisOf>;

/** One phone-width panel: a metric's rows against x, series overlaid, on the domain shared by every facet. */
function panel(document: Document, title: string, rows: Row[], { domain, zero, x, color }: { domain: [number, number]; zero: boolean; x: XAxis; color: Plot.ScaleOptions }): Element {
  return Plot.plot({
    document,
    width: PANEL_WIDTH,
    height: 240,
    marginLeft: 52,
    marginTop: 28,
    // Both panels of a row keep the excess panel's margin, so their frames line up.
    marginRight: NULLS_MARGIN,
    marginBottom: 44,
    x: x.scale,
    y: { label: null, domain, grid: true, tickFormat: tickFormatFor(domain), ticks: 5 },
    color,
    marks: [
      panelTitle(title),
      ...(zero ? nullsRule() : []),
      Plot.areaY(rows, { x: "x", y1: "low", y2: "high", z: "series", fill: "series", fillOpacity: 0.15 }),
      ...intervalMarks(rows.filter((r) => r.interval), { stroke: "series", capWidth: x.span * 0.012 }),
      Plot.line(rows, { x: "x", y: "value", z: "series", stroke: "series", strokeWidth: 2 }),
      Plot.dot(rows, { x: "x", y: "value", fill: "series", r: 4, title: "title" }),
    ],
  });
}

export function studyChart(figure: StudyFigure, { document }: { document: Document }): Element {
  const { xs, points, axes } = figure;
  const { at, log } = xPositions(xs);
  const x = xAxisOf(figure, at, log);
  const series = [...new Set(points.map((p) => p.series ?? ""))];
  const place = (p: StudyPoint) => at(p.x) + x.span * 0.02 * (series.indexOf(p.series ?? "") - (series.length - 1) / 2);
  const xText = (p: StudyPoint) => `${axisName(axes.x)} ${axisValueText(p.x)}`;
  const color = { domain: series, range: series.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]) };
  const stability = rowsOf(points, "stability", place, fmt, xText);
  const excess = rowsOf(points, "excess", place, (v) => fmtSigned(v), xText);
  const spread = (rows: Row[]) => rows.flatMap((r) => [r.value, r.low, r.high]);
  const domains = { stability: paddedDomain(spread(stability), { within: [0, 1] }), excess: paddedDomain(spread(excess), { include: [0], pad: 0.12 }) };

  const root = document.createElement("div");
  root.setAttribute("class", "study");
  // Plot reads `document` from a legend's options as from a plot's, though its types leave it out.
  const legend = { document, color: { ...color, label: axisName(axes.series ?? "") } };
  if (axes.series) root.append(Plot.legend(legend) as Element);
  const facets = [...new Set(points.map((p) => p.facet))].sort((a, b) => String(a).localeCompare(String(b), "en", { numeric: true }));
  for (const facet of facets) {
    const row = document.createElement("div");
    row.setAttribute("class", "small-multiples");
    const inFacet = (rows: Row[]) => rows.filter((r) => r.facet === facet);
    const suffix = facet ? ` (${facet})` : "";
    row.append(panel(document, `head stability${suffix}`, inFacet(stability), { domain: domains.stability, zero: false, x, color }));
    if (excess.length > 0) row.append(panel(document, `excess over the nulls${suffix}`, inFacet(excess), { domain: domains.excess, zero: true, x, color }));
    root.append(row);
  }
  return root;
}
