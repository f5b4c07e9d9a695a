// Head commonness (arXiv 2602.16740; docs/metrics.md):
// C(l,h) = mean over h' of the same layer, h itself INCLUDED, of cbar(a; l,h; l,h').
// A layer whose heads all attend alike scores 1; distinctness is 1 - C.

/** C(l,h) for the heads of one layer, from that layer's self cbar block (H x H, row-major). */
export function layerCommonness(self: Float64Array, nHeads: number): Float64Array {
  return Float64Array.from({ length: nHeads }, (_, h) => {
    let total = 0;
    for (let g = 0; g < nHeads; g++) total += self[h * nHeads + g];
    return total / nHeads;
  });
}
