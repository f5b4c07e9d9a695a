// Head similarity for EVERY ordered pair of a cell's refits (docs/metrics.md: all-pairs
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
  /** The anchor's full cross-layer cbar matrix [n, n] against each refit r >= 1 (index r - 1), rows the anchor's heads. */
  anchorCbar: Float64Array[];
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
  if (refits.length < 2) throw new Error(errors.tooFew);
  const same = segmentTable(layout);
  const shuffledTable = segmentTable(layout, probePartners(layout.probeLengths));
  const cell: Cell = { layout, refits, label, R: refits.length, n: layout.nLayers * layout.nHeads, P: layout.probeLengths.length, K: patternWidth(layout) };
  const tables = emptyTables(cell, shuffledTable.length / SEGMENT_INTS);
  const arena = new CbarArena();
  try {
    const space = workspace(arena, cell, same, shuffledTable);
    loadAnchor(space, cell);
    for (let l = 0; l < layout.nLayers; l++) {
      loadLayer(space, cell, l);
      const plan = planLayer(space, cell, { anchorOnly, shuffled: tables.shuffled !== null });
      unpackLayer(arena.sumAll(plan.jobs), plan, cell, tables, l);
    }
  } finally {
    arena.close();
  }
  const { anchorFull, ...rest } = tables;
  return { ...rest, nRefits: cell.R, nHeadsTotal: cell.n, anchorMatches: anchorFull.map((full) => bestMatches(full, layout)), anchorCbar: anchorFull };
}

/** One cell's inputs and sizes: R refits, n = L * H heads each, P probes, K pattern values per head. */
interface Cell {
  layout: PatternLayout;
  refits: readonly RefitPatterns[];
  label: string;
  R: number;
  n: number;
  P: number;
  K: number;
}

/** The tables being filled, plus the anchor's full cross-layer cbar matrix against each refit r >= 1. */
type Tables = Omit<PairTables, "nRefits" | "nHeadsTotal" | "anchorMatches" | "anchorCbar"> & { anchorFull: Float64Array[] };

function emptyTables({ R, n }: Cell, shuffledProbes: number): Tables {
  return {
    max: new Float64Array(R * R * n),
    matched: new Float64Array(R * R * n),
    shuffled: shuffledProbes > 0 ? new Float64Array(R * n) : null,
    shuffledProbes,
    commonness: new Float64Array(R * n),
    uniform: new Float64Array(R * n),
    anchorFull: Array.from({ length: R - 1 }, () => new Float64Array(n * n)),
  };
}

/** The arena's regions for one cell: one layer of every refit, the anchor's every layer, their norms, the segment tables, one layer's outputs. */
function workspace(arena: CbarArena, { layout, R, n, P, K }: Cell, same: Int32Array, shuffledTable: Int32Array) {
  const H = layout.nHeads;
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
  return { arena, region, rows: arena.f32(region.rows), anchorRows: arena.f32(region.anchor) };
}
type Workspace = ReturnType<typeof workspace>;

const readLayer = ({ layout, refits, label }: Cell, r: number, l: number) => patternLayer(layout, refits[r], l, `${label}[${r}]`, { finite: false });

/**
 * A NaN or infinity anywhere makes its row's norm non-finite: the kernel's norms stand in for a
 * scan of every value, and only then is the refit scanned again to name the place.
 */
function checkFinite({ layout, refits, label, P }: Cell, norms: Float64Array, refitOf: (row: number) => number, l: number | null): void {
  const bad = norms.findIndex((v) => !Number.isFinite(v));
  if (bad < 0) return;
  const r = refitOf(Math.floor(bad / P));
  for (const layer of l === null ? [...Array(layout.nLayers).keys()] : [l]) patternLayer(layout, refits[r], layer, `${label}[${r}]`);
}

/** Every layer of the anchor, for the cross-layer best matches. */
function loadAnchor({ arena, region, anchorRows }: Workspace, cell: Cell): void {
  const { layout, n, P, K } = cell;
  for (let l = 0; l < layout.nLayers; l++) anchorRows.set(readLayer(cell, 0, l), l * layout.nHeads * K);
  arena.norms(region.anchor, 0, n, K, region.same, P, region.anchorNorms, 0);
  checkFinite(cell, arena.f64(region.anchorNorms), () => 0, null);
}

/** Layer l of every refit. */
function loadLayer({ arena, region, rows }: Workspace, cell: Cell, l: number): void {
  const { R, P, K } = cell;
  const H = cell.layout.nHeads;
  for (let a = 0; a < R; a++) rows.set(readLayer(cell, a, l), a * H * K);
  arena.norms(region.rows, 0, R * H, K, region.same, P, region.norms, 0);
  checkFinite(cell, arena.f64(region.norms), (row) => Math.floor(row / H), l);
}

/** One layer's jobs and where each kind of product sits among them. */
interface LayerPlan {
  jobs: SumArgs[];
  /** Gram jobs: refits [first, end) against every refit from first on. */
  gram: { first: number; end: number; index: number }[];
  shuffled: number;
  /** Anchor cross jobs: the anchor's heads of every layer against refits [first, end). */
  cross: { first: number; end: number; index: number }[];
  uniform: number;
}

/**
 * Every product of the layer as one batch of jobs for the kernel's threads. Each job streams its B
 * rows from memory once for all its A rows, so A takes many rows: Gram blocks of GRAM_BLOCK refits
 * against every refit from the block on (cbar is symmetric), the anchor on partner probes, the
 * anchor's heads of every layer against this layer of every refit (column block l of each anchor
 * pair's full matrix, for the cross-layer best matches) in two halves, and every head against the
 * uniform causal pattern.
 */
function planLayer({ region }: Workspace, { layout, R, n, P, K }: Cell, { anchorOnly, shuffled }: { anchorOnly: boolean; shuffled: boolean }): LayerPlan {
  const H = layout.nHeads;
  const jobs: SumArgs[] = [];
  let outAt = 0;
  const add = (x: SumArgs) => {
    jobs.push(x);
    outAt += x.m * x.n;
    return jobs.length - 1;
  };
  const job = (m: number, aRow: number, bRow: number, width: number, segments = region.same, a = region.rows, normsA = region.norms): SumArgs => ({
    a, aRow, m, b: region.rows, bRow, n: width, ld: K, segments, normsA, normsB: region.norms, nProbes: P, out: region.out, outAt,
  });
  const blocks = anchorOnly ? [[0, 1]] : Array.from({ length: Math.ceil(R / GRAM_BLOCK) }, (_, b) => [b * GRAM_BLOCK, Math.min(R, (b + 1) * GRAM_BLOCK)]);
  const gram = blocks.map(([first, end]) => ({ first, end, index: add(job((end - first) * H, first * H, first * H, H * (R - first))) }));
  const shuffledJob = shuffled ? add(job(H, 0, 0, R * H, region.shuffled)) : -1;
  const half = Math.ceil(R / 2);
  const cross = [[0, half], [half, R]].filter(([first, end]) => end > first).map(([first, end]) => ({
    first,
    end,
    index: add(job(n, 0, first * H, (end - first) * H, region.same, region.anchor, region.anchorNorms)),
  }));
  const uniform = add({ ...job(R * H, 0, 0, 1), b: region.uniform, normsB: region.uniformNorms });
  return { jobs, gram, shuffled: shuffledJob, cross, uniform };
}

/** Turns one layer's sums into the tables' rows for layer l: cbar is a sum over probes, so each is divided by its probe count. */
function unpackLayer(outs: Float64Array[], plan: LayerPlan, { layout, R, n, P }: Cell, t: Tables, l: number): void {
  const H = layout.nHeads;
  const at = (a: number, r: number) => (a * R + r) * n + l * H;
  const block = new Float64Array(H * H);
  const blockT = new Float64Array(H * H);
  for (const { first, end, index } of plan.gram) {
    const out = outs[index];
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
          t.commonness.set(layerCommonness(block, H), a * n + l * H);
          continue;
        }
        t.max.set(rowMax(block, H), at(a, r));
        t.max.set(rowMax(blockT, H), at(r, a));
        t.matched.set(matchedValues(block, H), at(a, r));
        t.matched.set(matchedValues(blockT, H), at(r, a));
      }
    }
  }

  if (t.shuffled) {
    const out = outs[plan.shuffled];
    for (let r = 1; r < R; r++) {
      for (let h = 0; h < H; h++) for (let g = 0; g < H; g++) block[h * H + g] = out[h * R * H + r * H + g] / t.shuffledProbes;
      t.shuffled.set(rowMax(block, H), at(0, r));
    }
  }

  outs[plan.uniform].forEach((v, row) => (t.uniform[Math.floor(row / H) * n + l * H + (row % H)] = v / P));

  for (const { first, end, index } of plan.cross) {
    const out = outs[index];
    const width = (end - first) * H;
    for (let r = Math.max(first, 1); r < end; r++) {
      for (let i = 0; i < n; i++) for (let g = 0; g < H; g++) t.anchorFull[r - 1][i * n + l * H + g] = out[i * width + (r - first) * H + g] / P;
    }
  }
}

/** Per row of an h x h block, its largest entry. */
function rowMax(block: Float64Array, h: number): Float64Array {
  return Float64Array.from({ length: h }, (_, i) => {
    let best = -Infinity;
    for (let j = 0; j < h; j++) best = Math.max(best, block[i * h + j]);
    return best;
  });
}
