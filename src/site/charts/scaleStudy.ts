// The scale study: each cell's mean excess of head stability over the nulls a trained head can
// beat, against training tokens (log scale), one line per model shape (layers, d_model), 95%
// intervals as error bars, a rule at 0. Where a line's bars rise clear of the rule, heads have
// become content-dependent; the published suites are sized from where that happens.
import * as Plot from "@observablehq/plot";
import { fmtCount } from "../lib/format.ts";
import type { ScalePoint } from "../lib/scale.ts";
import { paddedDomain, tickFormatFor } from "./domain.ts";
import { OKABE_ITO } from "./palette.ts";

const signed = (x: number) => `${x > 0 ? "+" : ""}${x.toFixed(3)}`;

export function scaleStudyChart(points: readonly ScalePoint[], { document, width = 640 }: { document: Document; width?: number }): Element {
  const series = [...new Set(points.map((p) => p.series))];
  // Lines are nudged apart along x (a few percent, multiplicatively) so equal token counts do not hide each other's bars.
  const nudge = (p: ScalePoint) => p.tokens * 1.06 ** (series.indexOf(p.series) - (series.length - 1) / 2);
  const data = points.map((p) => ({ ...p, x: nudge(p) }));
  const bars = data.filter((p) => p.low !== null && p.high !== null);
  const domain = paddedDomain([...data.map((p) => p.excess), ...bars.flatMap((p) => [p.low!, p.high!])], { include: [0], pad: 0.12 });
  const tokens = [...new Set(points.map((p) => p.tokens))].sort((a, b) => a - b);
  return Plot.plot({
    document,
    width,
    height: 340,
    marginLeft: 56,
    // Ticks at the token counts trained; room beyond them for the nudged lines' outermost marks.
    x: { type: "log", label: "training tokens per refit", domain: [tokens[0] / 1.35, tokens.at(-1)! * 1.35], ticks: tokens, tickFormat: fmtCount },
    y: { label: "excess over the nulls", domain, grid: true, tickFormat: tickFormatFor(domain) },
    color: { domain: series, range: series.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]), legend: true },
    symbol: { domain: series },
    marks: [
      Plot.ruleY([0], { stroke: "#555", strokeDasharray: "4,3" }),
      Plot.ruleX(bars, { x: "x", y1: "low", y2: "high", stroke: "series", strokeWidth: 2, title: (p: (typeof data)[number]) => `${p.series}, ${p.tokens} tokens: 95% interval [${signed(p.low!)}, ${signed(p.high!)}]` }),
      Plot.line(data, { x: "x", y: "excess", z: "series", stroke: "series", strokeWidth: 1.5 }),
      Plot.dot(data, { x: "x", y: "excess", fill: "series", symbol: "series", r: 4.5, title: (p: (typeof data)[number]) => `${p.series}, ${p.tokens} tokens: excess ${signed(p.excess)}` }),
    ],
  });
}
