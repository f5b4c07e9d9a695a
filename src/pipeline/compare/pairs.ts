// Head similarity for EVERY ordered pair of a cell's refits (DESIGN.md "Metrics": all-pairs
// stability, one-to-one matching, nulls): per pair (a, r) and head i of a, the paper's
// same-layer max s, the Hungarian-matched cbar and the probe-shuffled max; per refit, commonness
// and the cbar with the uniform pattern; for the anchor, the full cross-layer cbar matrices.
// Everything later (anchor-based values, all-pairs values, bootstrap replicates) is a mean over
// rows of these tables.
//
// The work is one layer at a time, so memory holds one layer of every refit (plus the anchor's
// layers for cross-layer matches), never whole captures. Per layer the cbar kernel computes:
// the Gram blocks of every unordered pair, self pairs included (cbar is symmetric, so block
// (a, r) read transposed is (r, a)); the anchor's rows against all rows on partner probes (the
// shuffled null); and the anchor's heads of every layer against all rows.
import { CbarArena, SEGMENT_INTS, type SumArgs } from "../kernels/cbar.ts";
import { layerCommonness } from "./commonness.ts";
import { matchedValues } from "./hungarian.ts";
import { probePartners, uniformPattern } from "./nulls.ts";
import { type PatternLayout, type RefitPatterns, patternLayer, patternWidth, probeSegments, validateLayout } from "./patterns.ts";
import { bestMatches, type BestMatches } from "./stability.ts";

export interface PairTables {
  nRefits: number;
  /** Heads per refit, L * H. */
  nHeadsTotal: number;
  /** max[(a * R + r) * n + i]: same-layer many-to-one max for anchor a, refit r (a != r; a == r left 0). */
  max: Float64Array;
  /** As max, with the one-to-one Hungarian matching. */
  matched: Float64Array;
  /**
   * As max, on probe-shuffled pairs, for the anchor's rows only (a = 0: the null is anchor-based, and
   * all pairs would cost as much as the rest of the cell); null when no probe has a same-length partner.
   */
  shuffled: Float64Array | null;
  /** Probes that entered the shuffled comparison, of all probes. */
  shuffledProbes: number;
  /** commonness[a * n + i]: C(l,h) within refit a. */
  commonness: Float64Array;
  /** uniform[a * n + i]: cbar of head i of refit a with the uniform causal pattern. */
  uniform: Float64Array;
  /** The paper's best matches from refit 0 (the anchor) to each refit r >= 1, cross-layer included. */
  anchorMatches: BestMatches[];
}

const errors = {
  tooFew: "pairTables: needs at least two refits",
} as const;

/** Refits per Gram job: enough A rows that each job's pass over its B rows (from memory) pays. */
const GRAM_BLOCK = 8;

/** The kernel's segment table: probe p of A against probe partner[p] of B (p itself when no partner is given). */
function segmentTable(layout: PatternLayout, partner?: Int32Array): Int32Array {
  const segments = probeSegments(layout);
  const rows: number[] = [];
  segments.forEach(({ begin, end }, p) => {
    const q = partner ? partner[p] : p;
    if (q >= 0) rows.push(begin, segments[q].begin, end - begin, p, q);
  });
  return Int32Array.from(rows);
}

/**
 * Builds every table for one cell's refits, all in `layout` (index 0 is the anchor). With
 * `anchorOnly`, max, matched and commonness are filled for the anchor's pairs only (a = 0), which
 * is all the untrained null reads, at 1/R of the cost.
 */
export function pairTables(layout: PatternLayout, refits: readonly RefitPatterns[], label: string, { anchorOnly = false } = {}): PairTables {
  validateLayout(layout);
  const R = refits.length;
  if (R < 2) throw new Error(errors.tooFew);
  const { nLayers: L, nHeads: H, probeLengths } = layout;
  const n = L * H;
  const P = probeLengths.length;
  const K = patternWidth(layout);
  const same = segmentTable(layout);
  const shuffledTable = segmentTable(layout, probePartners(probeLengths));
  const shuffledProbes = shuffledTable.length / SEGMENT_INTS;

  const arena = new CbarArena();
  const region = arena.layout({
    rows: ["f32", R * H * K],
    anchor: ["f32", n * K],
    norms: ["f64", R * H * P],
    anchorNorms: ["f64", n * P],
    uniform: ["f32", K],
    uniformNorms: ["f64", P],
    same: ["i32", same.length],
    shuffled: ["i32", shuffledTable.length],
    // One layer's outputs: the Gram blocks, the shuffled row and the anchor's cross blocks.
    out: ["f64", H * H * R * R + H * R * H + n * R * H + R * H],
  });
  arena.i32(region.same).set(same);
  arena.i32(region.shuffled).set(shuffledTable);
  arena.f32(region.uniform).set(uniformPattern(layout));
  arena.norms(region.uniform, 0, 1, K, region.same, P, region.uniformNorms, 0);
  const rows = arena.f32(region.rows);
  const anchorRows = arena.f32(region.anchor);
  // A NaN or infinity anywhere makes its row's norm non-finite: the kernel's norms stand in for a
  // scan of every value, and only then is the refit scanned again to name the place.
  const read = (r: number, l: number) => patternLayer(layout, refits[r], l, `${label}[${r}]`, { finite: false });
  const checkFinite = (norms: Float64Array, refitOf: (row: number) => number, l: number | null) => {
    const bad = norms.findIndex((v) => !Number.isFinite(v));
    if (bad < 0) return;
    const r = refitOf(Math.floor(bad / P));
    for (const layer of l === null ? [...Array(L).keys()] : [l]) patternLayer(layout, refits[r], layer, `${label}[${r}]`);
  };
  for (let l = 0; l < L; l++) anchorRows.set(read(0, l), l * H * K);
  arena.norms(region.anchor, 0, n, K, region.same, P, region.anchorNorms, 0);
  checkFinite(arena.f64(region.anchorNorms), () => 0, null);

  const max = new Float64Array(R * R * n);
  const matched = new Float64Array(R * R * n);
  const shuffled = shuffledProbes > 0 ? new Float64Array(R * n) : null;
  const commonness = new Float64Array(R * n);
  const uniform = new Float64Array(R * n);
  const anchorFull = Array.from({ length: R - 1 }, () => new Float64Array(n * n));
  const at = (a: number, r: number, l: number) => (a * R + r) * n + l * H;
  const block = new Float64Array(H * H);
  const blockT = new Float64Array(H * H);
  const job = (m: number, aRow: number, bRow: number, width: number, outAt: number, segments = region.same, a = region.rows, normsA = region.norms): SumArgs => ({
    a, aRow, m, b: region.rows, bRow, n: width, ld: K, segments, normsA, normsB: region.norms, nProbes: P, out: region.out, outAt,
  });

  for (let l = 0; l < L; l++) {
    for (let a = 0; a < R; a++) rows.set(read(a, l), a * H * K);
    arena.norms(region.rows, 0, R * H, K, region.same, P, region.norms, 0);
    const norms = arena.f64(region.norms);
    checkFinite(norms, (row) => Math.floor(row / H), l);

    // Every product of the layer as one batch of jobs for the kernel's threads. Each job streams
    // its B rows from memory once for all its A rows, so A takes many rows: Gram blocks of GRAM_BLOCK
    // refits against every refit from the block on (cbar is symmetric), the anchor on partner
    // probes, the anchor's heads of every layer against this layer of every refit (column block l
    // of each anchor pair's full matrix, for the cross-layer best matches) in two halves, and
    // every head against the uniform causal pattern.
    const jobs: SumArgs[] = [];
    let outAt = 0;
    const add = (x: SumArgs) => {
      jobs.push(x);
      outAt += x.m * x.n;
      return jobs.length - 1;
    };
    const blocks = anchorOnly ? [[0, 1]] : Array.from({ length: Math.ceil(R / GRAM_BLOCK) }, (_, b) => [b * GRAM_BLOCK, Math.min(R, (b + 1) * GRAM_BLOCK)]);
    const gram = blocks.map(([first, end]) => add(job((end - first) * H, first * H, first * H, H * (R - first), outAt)));
    const shuffledJob = shuffled ? add(job(H, 0, 0, R * H, outAt, region.shuffled)) : -1;
    const half = Math.ceil(R / 2);
    const cross = [[0, half], [half, R]].filter(([first, end]) => end > first).map(([first, end]) => ({
      first,
      end,
      index: add(job(n, 0, first * H, (end - first) * H, outAt, region.same, region.anchor, region.anchorNorms)),
    }));
    const uniformJob = add({ ...job(R * H, 0, 0, 1, outAt), b: region.uniform, normsB: region.uniformNorms });
    const outs = arena.sumAll(jobs);

    gram.forEach((j, b) => {
      const out = outs[j];
      const [first, end] = blocks[b];
      const width = H * (R - first);
      for (let a = first; a < end; a++) {
        for (let r = a; r < R; r++) {
          for (let h = 0; h < H; h++) {
            for (let g = 0; g < H; g++) {
              const v = out[((a - first) * H + h) * width + (r - first) * H + g] / P;
              block[h * H + g] = v;
              blockT[g * H + h] = v;
            }
          }
          if (r === a) {
            commonness.set(layerCommonness(block, H), a * n + l * H);
            continue;
          }
          max.set(rowMax(block, H), at(a, r, l));
          max.set(rowMax(blockT, H), at(r, a, l));
          matched.set(matchedValues(block, H), at(a, r, l));
          matched.set(matchedValues(blockT, H), at(r, a, l));
        }
      }
    });

    if (shuffled) {
      const out = outs[shuffledJob];
      for (let r = 1; r < R; r++) {
        for (let h = 0; h < H; h++) for (let g = 0; g < H; g++) block[h * H + g] = out[h * R * H + r * H + g] / shuffledProbes;
        shuffled.set(rowMax(block, H), at(0, r, l));
      }
    }

    outs[uniformJob].forEach((v, row) => (uniform[Math.floor(row / H) * n + l * H + (row % H)] = v / P));

    for (const { first, end, index } of cross) {
      const out = outs[index];
      const width = (end - first) * H;
      for (let r = Math.max(first, 1); r < end; r++) {
        for (let i = 0; i < n; i++) for (let g = 0; g < H; g++) anchorFull[r - 1][i * n + l * H + g] = out[i * width + (r - first) * H + g] / P;
      }
    }
  }
  arena.close();
  const anchorMatches = anchorFull.map((full) => bestMatches(full, layout));
  return { nRefits: R, nHeadsTotal: n, max, matched, shuffled, shuffledProbes, commonness, uniform, anchorMatches };
}

/** Per row of an h x h block, its largest entry. */
function rowMax(block: Float64Array, h: number): Float64Array {
  return Float64Array.from({ length: h }, (_, i) => {
    let best = -Infinity;
    for (let j = 0; j < h; j++) best = Math.max(best, block[i * h + j]);
    return best;
  });
}
