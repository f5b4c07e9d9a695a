// Cross-layer best-match heatmap: for anchor layer l (rows), the share of its heads' best matches
// over all layers of the other seeds that land in layer l' (columns). Mass on the diagonal means
// heads keep their depth across seeds (docs/metrics.md "The paper's metrics").
import * as Plot from "@observablehq/plot";
import type { LayerStats } from "#pipeline/artifacts/cell-stats.ts";
import { labelColourOn, SEQUENTIAL_SCHEME } from "./palette.ts";
import { PHONE_WIDTH } from "./phone.ts";

/** The narrowest column a 12 px "0.83" is written into; narrower, the value is in the cell's tooltip only. */
const LABELLED_COLUMN = 34;

export interface ShareDatum {
  /** Anchor layer, 1-based. */
  from: number;
  /** Layer of the best match, 1-based. */
  to: number;
  share: number;
}

export function crossLayerData(layers: readonly LayerStats[]): ShareDatum[] {
  return layers.flatMap((l) => l.crossLayerShare.map((share, to) => ({ from: l.layer + 1, to: to + 1, share })));
}

/** Drawn at most phone-wide so it never scrolls on a phone; deep models get narrower columns. */
export function crossLayerChart(layers: readonly LayerStats[], { document }: { document: Document }): Element {
  const data = crossLayerData(layers);
  const width = Math.min(PHONE_WIDTH, 130 + 64 * layers.length);
  const labelled = (width - 130) / layers.length >= LABELLED_COLUMN;
  return Plot.plot({
    document,
    width,
    height: 70 + 40 * layers.length,
    marginLeft: 80,
    padding: 0.05,
    x: { label: "layer of best match", axis: "top", tickFormat: "d" },
    y: { label: "anchor layer", tickFormat: "d" },
    color: { type: "quantize", n: 10, scheme: SEQUENTIAL_SCHEME, domain: [0, 1], legend: true, label: "share of best matches" },
    marks: [
      Plot.cell(data, { x: "to", y: "from", fill: "share", title: (d: ShareDatum) => `anchor layer ${d.from} -> layer ${d.to}: ${d.share.toFixed(3)}` }),
      labelled ? Plot.text(data, { x: "to", y: "from", text: (d: ShareDatum) => d.share.toFixed(2), fill: (d: ShareDatum) => labelColourOn(d.share) }) : null,
    ],
  });
}
