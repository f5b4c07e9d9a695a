// Head commonness on the anchor refit (arXiv 2602.16740; DESIGN.md "Metrics"):
// C(l,h) = mean over h' of the same layer, h itself INCLUDED, of cbar(a; l,h; l,h').
// A layer whose heads all attend alike scores 1; distinctness is 1 - C.
import { type PreparedPatterns, cbar } from "./cosine.ts";

/** C(l,h) for every head of the anchor; flat [L * H], i = l * H + h. */
export function headCommonness(anchor: PreparedPatterns): Float64Array {
  const { nLayers, nHeads } = anchor.layout;
  const out = new Float64Array(nLayers * nHeads);
  for (let l = 0; l < nLayers; l++) {
    const first = l * nHeads;
    for (let i = first; i < first + nHeads; i++) {
      let total = 0;
      // cbar is symmetric, but computing each pair twice keeps the sum order per head simple.
      for (let j = first; j < first + nHeads; j++) total += cbar(anchor, i, anchor, j);
      out[i] = total / nHeads;
    }
  }
  return out;
}
