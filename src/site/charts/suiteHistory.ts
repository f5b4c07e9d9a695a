// Each suite's headline across published versions (lib/history.ts suiteHistories): phone-width
// panels, one per suite or, where a suite has more grid points than colours, one per value of the
// axes it is split on (lib/history.ts historyPanels); head stability over all pairs of refits per
// grid point, versions in publishing order, 95% intervals as capped bars. Panels wrap, so the figure reflows on a phone; a move
// outside the earlier bars is a change beyond seed noise.
import * as Plot from "@observablehq/plot";
import { fmt, fmtInterval } from "../lib/format.ts";
import { historyPanels, type HistoryPanel, type SuiteHistory, type SuitePoint } from "../lib/history.ts";
import { paddedDomain, tickFormatFor } from "./domain.ts";
import { OKABE_ITO } from "./palette.ts";
import { panelTitle } from "./panelTitle.ts";
import { PHONE_WIDTH as PANEL_WIDTH, tickEvery } from "./phone.ts";


/** Versions of the suite in publishing order, the points' own order (suiteHistories is oldest first). */
function versionsOf(points: readonly SuitePoint[]): string[] {
  return [...new Set(points.map((p) => p.version))];
}

/** One panel: its lines coloured from the suite's shared domain, so a grid point has one colour in every panel of its suite. */
function suitePanel(panel: HistoryPanel, lines: readonly string[], document: Document): Element {
  const versions = versionsOf(panel.points);
  const series = [...new Set(panel.points.map((p) => p.line))];
  const at = new Map(versions.map((v, i) => [v, i]));
  // Lines are nudged apart so equal versions do not hide each other's bars.
  const x = (p: HistoryPanel["points"][number]) => at.get(p.version)! + 0.12 * (series.indexOf(p.line) - (series.length - 1) / 2) / Math.max(1, series.length / 2);
  const rows = panel.points.map((p) => ({ ...p, x: x(p), low: p.interval?.[0] ?? p.value, high: p.interval?.[1] ?? p.value, title: `${p.series}, ${p.version}: ${fmt(p.value)}${p.interval ? `, 95% interval ${fmtInterval(p.interval)}` : ""}` }));
  const domain = paddedDomain(rows.flatMap((r) => [r.value, r.low, r.high]), { within: [0, 1] });
  const every = tickEvery(versions.length);
  const drawn = Plot.plot({
    document,
    width: PANEL_WIDTH,
    height: 220,
    marginLeft: 52,
    marginTop: 28,
    marginRight: 16,
    marginBottom: 40,
    x: { domain: [-0.5, versions.length - 0.5], ticks: versions.map((_, i) => i).filter((i) => (versions.length - 1 - i) % every === 0), tickFormat: (i: number) => versions[i]?.slice(5) ?? "", label: "version", labelAnchor: "center", labelArrow: "none" },
    y: { label: null, domain, grid: true, tickFormat: tickFormatFor(domain), ticks: 5 },
    color: { domain: lines, range: lines.map((_, i) => OKABE_ITO[i]), legend: lines.length > 1 },
    marks: [
      panelTitle(panel.title),
      Plot.ruleX(rows.filter((r) => r.interval), { x: "x", y1: "low", y2: "high", stroke: "line", strokeWidth: 2 }),
      Plot.line(rows, { x: "x", y: "value", z: "line", stroke: "line", strokeWidth: 1.5 }),
      Plot.dot(rows, { x: "x", y: "value", fill: "line", r: 3.5, title: "title" }),
    ],
  });
  // With a legend Plot wraps the panel in a figure as wide as the legend; hold it to the panel's width so panels wrap as panels.
  if (drawn.tagName.toLowerCase() === "figure") drawn.setAttribute("style", `max-width: ${PANEL_WIDTH}px; margin: 0`);
  return drawn;
}

/** Every suite's panels; a suite with more grid points than the palette has colours is split (historyPanels) so no colour repeats in a panel. */
export function suiteHistoryChart(histories: readonly SuiteHistory[], { document }: { document: Document }): Element {
  const root = document.createElement("div");
  root.setAttribute("class", "small-multiples");
  for (const h of histories) {
    const panels = historyPanels(h, OKABE_ITO.length);
    const lines = [...new Set(panels.flatMap((p) => p.points.map((x) => x.line)))];
    for (const panel of panels) if (panel.points.length > 0) root.append(suitePanel(panel, lines, document));
  }
  return root;
}
