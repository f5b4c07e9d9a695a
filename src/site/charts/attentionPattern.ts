// One head's attention pattern on one probe: query rows against key columns, lower triangle only,
// viridis from 0 to 1, token labels on both axes. Used at build time (JSDOM) for the viewer's
// first view and in the browser when the reader picks another head or probe.
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

export function attentionPatternChart(triangle: readonly number[], { document, tokens, title, size = 300 }: PatternChartOptions): Element {
  const positions = tokens.map((_, i) => i);
  const label = (i: number) => tokens[i] ?? "";
  return Plot.plot({
    document,
    title,
    width: size + 60,
    height: size + 60,
    marginLeft: 52,
    marginTop: 52,
    padding: 0,
    x: { domain: positions, label: "key", axis: "top", tickFormat: label, tickRotate: -90, tickSize: 0 },
    y: { domain: positions, label: "query", tickFormat: label, tickSize: 0 },
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
