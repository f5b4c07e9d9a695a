// A cell's headline numbers over published versions, one small panel per metric on an axis scaled
// to its data, versions in publishing order, 95% intervals as error bars where a version has them.
// A move outside the earlier bars is a change beyond seed noise.
import * as Plot from "@observablehq/plot";
import { HISTORY_LABEL, HISTORY_METRICS, type HistoryPoint } from "../lib/history.ts";
import { paddedDomain, tickFormatFor } from "./domain.ts";
import { OKABE_ITO } from "./palette.ts";
import { panelTitle } from "./panelTitle.ts";
import { PHONE_WIDTH, tickEvery } from "./phone.ts";

export function cellHistoryChart(points: readonly HistoryPoint[], { document, panelWidth = PHONE_WIDTH }: { document: Document; panelWidth?: number }): Element {
  const versions = [...new Set(points.map((p) => p.version))];
  // A panel keeps its width however many versions there are: version ticks (the year dropped) thin out instead.
  const every = tickEvery(versions.length, panelWidth);
  const ticks = versions.filter((_, i) => (versions.length - 1 - i) % every === 0);
  const root = document.createElement("div");
  root.setAttribute("class", "small-multiples");
  HISTORY_METRICS.forEach((metric, i) => {
    const rows = points.filter((p) => p.metric === metric);
    if (rows.length === 0) return;
    const bars = rows.flatMap((p) => (p.interval ? [{ version: p.version, low: p.interval[0], high: p.interval[1] }] : []));
    const domain = paddedDomain([...rows.map((p) => p.value), ...bars.flatMap((b) => [b.low, b.high])], { minSpan: metric === "perplexity" ? 0.5 : 0.01, include: metric === "excess" ? [0] : [] });
    const digits = metric === "perplexity" ? 2 : 3;
    root.append(
      Plot.plot({
        document,
        width: panelWidth,
        height: 200,
        marginLeft: 56,
        marginTop: 28,
        marginBottom: 40,
        x: { label: "version", domain: versions, type: "point", padding: 0.5, ticks, tickFormat: (v: string) => v.slice(5) },
        y: { label: null, domain, grid: true, tickFormat: tickFormatFor(domain) },
        marks: [
          panelTitle(HISTORY_LABEL[metric]),
          ...(metric === "excess" ? [Plot.ruleY([0], { stroke: "#555", strokeDasharray: "4,3" })] : []),
          Plot.ruleX(bars, { x: "version", y1: "low", y2: "high", stroke: OKABE_ITO[i], strokeWidth: 2, title: (b: (typeof bars)[number]) => `${b.version}: 95% interval [${b.low.toFixed(digits)}, ${b.high.toFixed(digits)}]` }),
          Plot.line(rows, { x: "version", y: "value", stroke: OKABE_ITO[i], strokeWidth: 1.5 }),
          Plot.dot(rows, { x: "version", y: "value", fill: OKABE_ITO[i], r: 4, title: (p: HistoryPoint) => `${HISTORY_LABEL[metric]} in ${p.version}: ${p.value.toFixed(digits)}` }),
        ],
      }),
    );
  });
  return root;
}
