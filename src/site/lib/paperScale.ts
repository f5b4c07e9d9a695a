// This project's scale against the paper's, for the findings page: what differs in model, data,
// seeds, probes and the weight-decay dose, so a reader weighs a verdict against the regime it was
// measured in. The paper's column is its released configuration (arXiv 2602.16740 and the authors'
// code); Refit's is read from the suites this version publishes where it varies.
import type { SiteVersion } from "./content.ts";

export interface ScaleRow {
  quantity: string;
  refit: string;
  paper: string;
}

const range = (xs: readonly number[], unit = ""): string => {
  const sorted = [...new Set(xs)].sort((a, b) => a - b);
  return sorted.length === 0 ? "–" : sorted.length === 1 ? `${sorted[0]}${unit}` : `${sorted[0]}-${sorted.at(-1)}${unit}`;
};
const millions = (n: number) => `${(n / 2 ** 20).toFixed(n < 2 ** 20 ? 2 : 0)}M`;

/** Every trained cell's config in the version. */
function trainedConfigs(version: SiteVersion) {
  return version.suites.flatMap((s) => s.result.cells.map((c) => c.config)).filter((c) => c.train && c.data);
}

export function scaleRows(version: SiteVersion): ScaleRow[] {
  const configs = trainedConfigs(version);
  const tokens = configs.map((c) => c.train!.tokens);
  // AdamW multiplies the weights by 1 - lr x decay each step: the dose is the exponent of the total shrink.
  const dose = (c: (typeof configs)[number]) => c.train!.lr * c.train!.weightDecay * Math.ceil(c.train!.tokens / (c.train!.batchSize * c.data!.nCtx));
  const doses = configs.filter((c) => c.train!.optimizer === "adamw" && c.train!.weightDecay > 0).map(dose);
  const seeds = version.suites.map((s) => s.result.suite.seeds);
  return [
    { quantity: "d_model", refit: range(configs.map((c) => c.model.dModel)), paper: "512 (768 for the 12-layer model)" },
    { quantity: "layers", refit: range(configs.map((c) => c.model.nLayers)), paper: "2, 4, 8, 12" },
    { quantity: "heads per layer", refit: range(configs.map((c) => c.model.nHeads)), paper: "8 or 16 (12 in the 12-layer model)" },
    { quantity: "context (tokens)", refit: range(configs.map((c) => c.data!.nCtx)), paper: "1,024" },
    { quantity: "vocabulary", refit: "257 (bytes + BOS)", paper: "48,262 (BPE)" },
    { quantity: "training tokens per run", refit: tokens.length ? `${millions(Math.min(...tokens))}-${millions(Math.max(...tokens))}` : "–", paper: "one epoch of a 2B-token C4 subset (9B OpenWebText tokens for 12 layers)" },
    { quantity: "seeds per cell", refit: range(seeds), paper: "50 (5 for the 12-layer model)" },
    { quantity: "probes", refit: "40 held-out Brown sentences (induction and length-stratified sets in their suites)", paper: "100 story-continuation prompts of 21-63 words" },
    { quantity: "weight-decay dose lr x decay x steps", refit: doses.length ? [...new Set(doses.map((d) => d.toFixed(2)))].join(", ") : "–", paper: "about 3.3 (lr 1e-4, decay 0.1)" },
  ];
}
