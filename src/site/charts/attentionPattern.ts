// One head's attention pattern on one probe: query rows against key columns, lower triangle only,
// viridis from 0 to 1, token labels on both axes (cut to a few characters; the margins and axis
// titles make room for the longest). Used at build time (JSDOM) for the viewer's first view and
// in the browser when the reader picks another head or probe.
import * as Plot from "@observablehq/plot";
import { SEQUENTIAL_SCHEME } from "./palette.ts";

export interface PatternDatum {
  query: number;
  key: number;
  weight: number;
}

/** Row-major lower triangle (diagonal included) of a T x T pattern to (query, key, weight) rows. */
export function patternData(triangle: readonly number[], nTokens: number): PatternDatum[] {
  const want = (nTokens * (nTokens + 1)) / 2;
  if (triangle.length !== want) throw new Error(`patternData: ${triangle.length} values do not form the lower triangle of ${nTokens} tokens (${want})`);
  const out: PatternDatum[] = [];
  let i = 0;
  for (let q = 0; q < nTokens; q++) for (let k = 0; k <= q; k++) out.push({ query: q, key: k, weight: triangle[i++] });
  return out;
}

export interface PatternChartOptions {
  document: Document;
  tokens: readonly string[];
  title: string;
  size?: number;
}

/** Tick labels longer than this are cut with an ellipsis; the full token is in each cell's tooltip. */
export const MAX_TICK_CHARS = 6;

/** Pixels a 12 px token label needs along the axis. */
const ROW_LABEL_PX = 12;

export const tickLabel = (token: string) => (token.length > MAX_TICK_CHARS ? `${token.slice(0, MAX_TICK_CHARS - 1)}…` : token);

export function attentionPatternChart(triangle: readonly number[], { document, tokens, title, size = 300 }: PatternChartOptions): Element {
  const positions = tokens.map((_, i) => i);
  const label = (i: number) => tokens[i] ?? "";
  // About 6.5 px per character at Plot's 10 px font, plus room for the axis title beyond the ticks.
  const chars = Math.max(1, ...tokens.map((t) => tickLabel(t).length));
  const margin = 24 + Math.ceil(6.5 * chars);
  // A whole probe (up to 64 tokens) leaves under a label's height per row: label every k-th token, so labels never overlap.
  const every = Math.ceil((ROW_LABEL_PX * tokens.length) / size);
  const ticks = positions.filter((i) => i % every === 0);
  return Plot.plot({
    document,
    title,
    width: size + margin + 8,
    height: size + margin + 8,
    marginLeft: margin,
    marginTop: margin,
    padding: 0,
    x: { domain: positions, ticks, label: "key", axis: "top", tickFormat: (i: number) => tickLabel(label(i)), tickRotate: -90, tickSize: 0, labelAnchor: "center", labelOffset: margin - 4 },
    y: { domain: positions, ticks, label: "query", tickFormat: (i: number) => tickLabel(label(i)), tickSize: 0, labelAnchor: "center", labelOffset: margin - 4 },
    color: { scheme: SEQUENTIAL_SCHEME, domain: [0, 1] },
    marks: [
      Plot.cell(patternData(triangle, tokens.length), {
        x: "key",
        y: "query",
        fill: "weight",
        title: (d: PatternDatum) => `query ${d.query} "${label(d.query)}" -> key ${d.key} "${label(d.key)}": ${d.weight.toFixed(3)}`,
      }),
    ],
  });
}

/** The colour legend every pattern panel shares: viridis from 0 to 1, attention weight. */
export function attentionLegend(document: Document): Element {
  // Ten steps of the panels' continuous scale: a continuous ramp legend needs a canvas, which the
  // build-time DOM lacks. Plot.legend draws into options.document like Plot.plot, though its types leave it out.
  const color = { type: "quantize", n: 10, scheme: SEQUENTIAL_SCHEME, domain: [0, 1], label: "attention weight (each query row sums to 1)", tickFormat: ".1f", width: 320, style: { fontSize: "12px" } };
  const options = { document, color };
  return Plot.legend(options as Parameters<typeof Plot.legend>[0]) as Element;
}
