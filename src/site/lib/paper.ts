// What the paper Refit follows reports, restated beside Refit's own measurements on the findings
// page, and how to cite it. Source: K. Bali, J. Stanley, P. Suresh, D. Bzdok, "Quantifying LLM
// Attention-Head Stability: Implications for Circuit Universality", arXiv 2602.16740 (2026); the
// numbers are its layer head stability for an 8-layer, 8-head model trained with Adam and AdamW.
// They are reported values, never computed here.

export const PAPER = {
  authors: ["Karan Bali", "Jack Stanley", "Praneet Suresh", "Danilo Bzdok"],
  title: "Quantifying LLM Attention-Head Stability: Implications for Circuit Universality",
  arxiv: "2602.16740",
  year: 2026,
  primaryClass: "cs.LG",
} as const;

/** The model the reported numbers are for. */
export const PAPER_MODEL = { nLayers: 8, nHeads: 8 } as const;

/** Reported layer head stability S(l), layers 1-based, of the 8-layer, 8-head model. */
export const PAPER_LAYER_STABILITY = {
  adam: { layer1: 0.97, layer5: 0.643 },
  adamw: { layer5: 0.871 },
} as const;
