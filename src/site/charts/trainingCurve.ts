// Training curves of a cell's refits: train and held-out loss against tokens seen, one colour per
// seed (Okabe-Ito), held-out dashed. Runs without a published curve are left out.
import * as Plot from "@observablehq/plot";
import type { PublishedSuite } from "#pipeline/artifacts/published-suite.ts";
import { OKABE_ITO } from "./palette.ts";
import { PHONE_WIDTH, TICK_SPACING } from "./phone.ts";

type PublishedRun = PublishedSuite["cells"][number]["runs"][number];

export interface CurveDatum {
  seed: string;
  split: "train" | "held-out";
  tokens: number;
  loss: number;
}

export function trainingCurveData(runs: readonly PublishedRun[]): CurveDatum[] {
  return runs.flatMap((r) =>
    (r.curve ?? []).flatMap((p) => [
      { seed: `seed ${r.seed}`, split: "train" as const, tokens: p.tokens, loss: p.trainLoss },
      { seed: `seed ${r.seed}`, split: "held-out" as const, tokens: p.tokens, loss: p.heldOutLoss },
    ]),
  );
}

export function trainingCurveChart(runs: readonly PublishedRun[], { document, width = PHONE_WIDTH }: { document: Document; width?: number }): Element {
  const data = trainingCurveData(runs);
  const seeds = [...new Set(data.map((d) => d.seed))];
  return Plot.plot({
    document,
    width,
    height: 280,
    marginLeft: 50,
    x: { label: "tokens seen", tickFormat: "s", ticks: Math.floor(PHONE_WIDTH / TICK_SPACING) },
    y: { label: "loss (nats/token)", grid: true },
    color: { domain: seeds, range: seeds.map((_, i) => OKABE_ITO[i % OKABE_ITO.length]), legend: true },
    marks: [
      Plot.line(data.filter((d) => d.split === "train"), { x: "tokens", y: "loss", z: "seed", stroke: "seed" }),
      Plot.line(data.filter((d) => d.split === "held-out"), { x: "tokens", y: "loss", z: "seed", stroke: "seed", strokeDasharray: "5,3" }),
      Plot.dot(data, { x: "tokens", y: "loss", stroke: "seed", r: 2.5, title: (d: CurveDatum) => `${d.seed} ${d.split} loss at ${d.tokens} tokens: ${d.loss.toFixed(3)}` }),
    ],
  });
}
