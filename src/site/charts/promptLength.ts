// The prompt-length study: against prompt length in words, each layer's head stability over all
// pairs of refits (one line per layer) and, in a second panel, its excess over the informative
// nulls beside a rule at 0 (the nulls). 95% intervals as shaded bands and capped bars; each
// panel's axis scaled to its data. Where the excess bars lie wholly above the rule, that layer's
// heads beat the nulls at that prompt length.
import * as Plot from "@observablehq/plot";
import { fmt, fmtInterval, fmtSigned } from "../lib/format.ts";
import type { PromptLengthPoint } from "../lib/promptLength.ts";
import type { Interval } from "../lib/stats.ts";
import { paddedDomain, tickFormatFor } from "./domain.ts";
import { intervalMarks, type IntervalDatum } from "./intervalMarks.ts";
import { OKABE_ITO } from "./palette.ts";
import { panelTitle } from "./panelTitle.ts";

interface Row {
  series: string;
  words: number;
  x: number;
  value: number;
  interval: Interval | null;
}

export function promptLengthChart(points: readonly PromptLengthPoint[], { document, width = 640 }: { document: Document; width?: number }): Element {
  const series = [...new Set(points.map((p) => p.series))];
  const words = [...new Set(points.map((p) => p.words))].sort((a, b) => a - b);
  const span = Math.max(1, words.at(-1)! - words[0]);
  // Layers are nudged apart along x (a couple of percent of the span) so equal lengths do not hide each other's bars.
  const x = (p: PromptLengthPoint) => p.words + span * 0.02 * (series.indexOf(p.series) - (series.length - 1) / 2);
  const xAxis = { label: "prompt length (words)", domain: [words[0] - span * 0.06, words.at(-1)! + span * 0.06], ticks: words, tickFormat: "d" };
  const color = { domain: series, range: series.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]) };

  const panel = (title: string, rows: Row[], format: (v: number) => string, { zero }: { zero: boolean }) => {
    const bars: IntervalDatum[] = rows.flatMap((r) => (r.interval ? [{ x: r.x, low: r.interval[0], high: r.interval[1], series: r.series, title: `${r.series}, ${r.words} words: 95% interval ${fmtInterval(r.interval)}` }] : []));
    const domain = paddedDomain([...rows.map((r) => r.value), ...bars.flatMap((b) => [b.low, b.high])], zero ? { include: [0], pad: 0.12 } : { within: [0, 1] });
    return Plot.plot({
      document,
      width,
      height: 260,
      marginLeft: 56,
      marginTop: 28,
      x: xAxis,
      y: { label: null, domain, grid: true, tickFormat: tickFormatFor(domain) },
      color: { ...color, legend: !zero },
      marks: [
        panelTitle(title),
        ...(zero
          ? [Plot.ruleY([0], { stroke: "#555", strokeDasharray: "4,3" }), Plot.text([0], { x: xAxis.domain[1], y: 0, text: () => "nulls", textAnchor: "end", dy: -6, fill: "#555" })]
          : []),
        Plot.areaY(bars, { x: "x", y1: "low", y2: "high", z: "series", fill: "series", fillOpacity: 0.15 }),
        ...intervalMarks(bars, { stroke: "series", capWidth: span * 0.008 }),
        Plot.line(rows, { x: "x", y: "value", z: "series", stroke: "series", strokeWidth: 2 }),
        Plot.dot(rows, { x: "x", y: "value", fill: "series", symbol: "series", r: 4, title: (r: Row) => `${r.series}, ${r.words} words: ${format(r.value)}` }),
      ],
      symbol: { domain: series },
    });
  };

  const root = document.createElement("div");
  root.setAttribute("class", "small-multiples");
  const stability: Row[] = points.map((p) => ({ series: p.series, words: p.words, x: x(p), value: p.stability, interval: p.stabilityInterval }));
  const excess: Row[] = points.flatMap((p) => (p.excess === null ? [] : [{ series: p.series, words: p.words, x: x(p), value: p.excess, interval: p.excessInterval }]));
  root.append(panel("head stability S(l), all pairs of refits", stability, fmt, { zero: false }));
  if (excess.length > 0) root.append(panel("excess over the informative nulls", excess, fmtSigned, { zero: true }));
  return root;
}
