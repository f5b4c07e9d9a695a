// Centered kernel alignment between two refits' residual streams (Kornblith et al. 2019, as the
// paper's code uses it; docs/metrics.md): RBF Gram matrices over the same N tokens in float64,
// bandwidth from the median heuristic (all N^2 squared distances, diagonal zeros included), biased
// (HKH) centering, CKA = <Kc, Lc>_F / (|Kc|_F |Lc|_F); a refit's centered Gram is scaled to unit
// norm once, so each pair costs one dot product. Linear and debiased (unbiased HSIC) CKA work on
// the linear Gram of the centered activations, also one N^2 dot product per pair;
// test/reference checks both against Gram-based numpy.

import { gram } from "../kernels/gram.ts";

/** Row-major [n, d] activations (one row per token). */
export interface Activations {
  data: ArrayLike<number>;
  n: number;
  d: number;
}

export const KERNELS = ["rbf", "linear", "linearDebiased"] as const;
export type Kernel = (typeof KERNELS)[number];

/** The paper's RBF threshold: sigma^2 = threshold^2 * median squared distance. */
export const RBF_THRESHOLD = 1;

const errors = {
  shape: (n: number, d: number, got: number) => `cka: activations say [${n}, ${d}] but hold ${got} values`,
  tooFew: (n: number) => `cka: debiased centering needs at least 4 rows, got ${n}`,
  size: (a: number, b: number) => `cka: Gram matrices differ in size (${a} vs ${b} values)`,
} as const;

/** G = X X^T in float64, [n, n]; exactly symmetric (each entry computed once, mirrored), on a SIMD kernel (kernels/gram.wat). */
export function linearGram({ data, n, d }: Activations): Float64Array {
  if (data.length !== n * d) throw new Error(errors.shape(n, d, data.length));
  return gram(data, n, d);
}

/**
 * RBF Gram from a linear Gram, OVERWRITING it: d2_ij = (-2 G_ij + G_ii) + G_jj (the order the
 * paper's numpy code adds them, so the diagonal is exactly 0), K = exp(-d2 / (2 threshold^2
 * median(d2))), symmetrized as (K + K^T) / 2 since float rounding can make d2 asymmetric.
 */
export function rbfGramFromLinear(g: Float64Array, n: number, threshold = RBF_THRESHOLD): Float64Array {
  const diag = Float64Array.from({ length: n }, (_, i) => g[i * n + i]);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) g[i * n + j] = -2 * g[i * n + j] + diag[i] + diag[j];
  }
  const scale = 2 * threshold * threshold * median(g);
  // Row i writes (i, j) and (j, i) for j <= i; the (j, i) it reads for j < i is not written earlier.
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      const [a, b] = [g[i * n + j], g[j * n + i]];
      // (e + e) / 2 is e exactly, so one exp serves the (usual) exactly symmetric pair.
      const v = a === b ? Math.exp(-a / scale) : (Math.exp(-a / scale) + Math.exp(-b / scale)) / 2;
      g[i * n + j] = v;
      g[j * n + i] = v;
    }
  }
  return g;
}

/**
 * Median as numpy computes it (mean of the two middle values for an even count); leaves `values`
 * as it was. N^2 squared distances make a full quickselect slow, so a first pass counts values by
 * the top 16 bits of their (order-preserving) bit pattern, and quickselect then runs only on the
 * one or two buckets that hold the middle ranks: the same value, a fraction of the work.
 */
export function median(values: ArrayLike<number>): number {
  const a = values instanceof Float64Array ? values : Float64Array.from(values);
  const n = a.length;
  if (n === 0) return NaN;
  const highWords = new Uint32Array(a.buffer, a.byteOffset, 2 * n); // little-endian: word 2i + 1 is the high half
  const count = new Uint32Array(65536);
  for (let i = 0; i < n; i++) count[bucketOf(highWords[2 * i + 1])]++;
  const hi = Math.floor(n / 2);
  const lo = n % 2 === 1 ? hi : hi - 1;
  let first = -1;
  let last = -1;
  let below = 0;
  for (let b = 0, seen = 0; last < 0; seen += count[b], b++) {
    if (first < 0 && seen + count[b] > lo) [first, below] = [b, seen];
    if (seen + count[b] > hi) last = b;
  }
  let size = 0;
  for (let b = first; b <= last; b++) size += count[b];
  const middle = new Float64Array(size);
  for (let i = 0, m = 0; i < n; i++) {
    const b = bucketOf(highWords[2 * i + 1]);
    if (b >= first && b <= last) middle[m++] = a[i];
  }
  const k = hi - below;
  const upper = select(middle, k);
  if (n % 2 === 1) return upper;
  // After select, middle[0..k) holds the k smallest values there: the lower middle is their max.
  let lower = -Infinity;
  for (let i = 0; i < k; i++) lower = Math.max(lower, middle[i]);
  return (lower + upper) / 2;
}

/** A double's top 16 bits, mapped so that unsigned order follows numeric order (negatives flipped). */
function bucketOf(highWord: number): number {
  return (highWord & 0x80000000 ? ~highWord : highWord | 0x80000000) >>> 16;
}

/** Hoare quickselect: the k-th smallest of a (0-based), leaving a partitioned around it. */
function select(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k];
  }
  return a[k];
}

/** Biased centering H K H, OVERWRITING the Gram (column means, then row means, as Kornblith's center_gram). */
export function centerBiased(gram: Float64Array, n: number): Float64Array {
  const means = columnSums(gram, n).map((s) => s / n);
  let total = 0;
  for (const m of means) total += m;
  const shift = total / n / 2;
  for (let i = 0; i < n; i++) means[i] -= shift;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) gram[i * n + j] -= means[i] + means[j];
  }
  return gram;
}

function columnSums(gram: Float64Array, n: number): Float64Array {
  const sums = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) sums[j] += gram[i * n + j];
  return sums;
}

/**
 * A refit's RBF factor: its Gram matrix, biased-centered and scaled to unit Frobenius norm, all in
 * one N^2 buffer (plus median's scratch copy), so RBF CKA of two refits is their dot product.
 */
export function rbfFactor(x: Activations, threshold = RBF_THRESHOLD): Float64Array {
  const m = centerBiased(rbfGramFromLinear(linearGram(x), x.n, threshold), x.n);
  let sq = 0;
  for (let i = 0; i < m.length; i++) sq += m[i] * m[i];
  const norm = Math.sqrt(sq);
  if (norm > 0) for (let i = 0; i < m.length; i++) m[i] /= norm;
  return m;
}

/**
 * What linear CKA needs of one refit: the linear Gram of its column-centered activations,
 * K = Xc Xc^T (already centered, so HKH = K), and the self terms. Then <HKH, HLH> = <K, L>_F, one
 * N^2 dot product per pair, where the feature-space form |Xc^T Yc|_F^2 costs D^2 N (for GPT-2
 * small's D 768 and N 466 a pair cost 275M multiply-adds in plain JS; the Gram costs N^2 D once
 * per refit, on the SIMD kernel). The unbiased HSIC (Song et al. 2012) expands into sums over rows.
 */
export interface LinearFactor {
  /** Xc Xc^T, [n, n]. */
  k: Float64Array;
  n: number;
  /** |xc_i|^2: the diagonal of K. */
  rowSq: Float64Array;
  /** |Xc^T Xc|_F = |K|_F: the biased self-HSIC, square-rooted. */
  selfBiased: number;
  /** Unbiased self-HSIC. */
  selfUnbiased: number;
}

export function linearFactor({ data, n, d }: Activations): LinearFactor {
  if (data.length !== n * d) throw new Error(errors.shape(n, d, data.length));
  if (n < 4) throw new Error(errors.tooFew(n));
  const xc = Float64Array.from(data);
  for (let k = 0; k < d; k++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += xc[i * d + k];
    mean /= n;
    for (let i = 0; i < n; i++) xc[i * d + k] -= mean;
  }
  const k = gram(xc, n, d);
  const rowSq = Float64Array.from({ length: n }, (_, i) => k[i * n + i]);
  const f = { k, n, rowSq, selfBiased: 0, selfUnbiased: 0 };
  const cross = crossProduct(f, f);
  f.selfBiased = Math.sqrt(cross);
  f.selfUnbiased = unbiasedHsic(f, f, cross);
  return f;
}

/** <Kc, Lc>_F = |Xc^T Yc|_F^2 for linear kernels. */
function crossProduct(a: LinearFactor, b: LinearFactor): number {
  let total = 0;
  for (let i = 0; i < a.k.length; i++) total += a.k[i] * b.k[i];
  return total;
}

/**
 * Unbiased HSIC (times n(n-3), the scale of Kornblith's unbiased centering) of two linear kernels
 * with zeroed diagonals K~, L~: tr(K~L~) + (1'K~1)(1'L~1)/((n-1)(n-2)) - 2/(n-2) 1'K~L~1.
 * Xc is centered, so K1 = 0 and (K~1)_i = -|xc_i|^2, 1'K~1 = -sum |xc_i|^2.
 */
function unbiasedHsic(a: LinearFactor, b: LinearFactor, cross: number): number {
  const { n } = a;
  let diag = 0;
  let sumA = 0;
  let sumB = 0;
  for (let i = 0; i < n; i++) {
    diag += a.rowSq[i] * b.rowSq[i];
    sumA += a.rowSq[i];
    sumB += b.rowSq[i];
  }
  const trace = cross - diag; // sum over i != j of K_ij L_ij
  return trace + (sumA * sumB) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * diag;
}

/** Linear CKA (biased or debiased) of two refits from their linear factors. */
export function linearCkaOf(a: LinearFactor, b: LinearFactor, debiased: boolean): number {
  if (a.n !== b.n) throw new Error(errors.size(a.n, b.n));
  const cross = crossProduct(a, b);
  if (!debiased) return cross / (a.selfBiased * b.selfBiased);
  return unbiasedHsic(a, b, cross) / Math.sqrt(a.selfUnbiased * b.selfUnbiased);
}

/**
 * CKA for every ordered pair of refits (symmetric [R, R], diagonal = self CKA, 1 unless a Gram is
 * all zero), per kernel. Each kernel holds every refit's N x N factor at once (R N^2 doubles).
 */
export function pairwiseCka(refits: readonly Activations[], kernels: readonly Kernel[]): Partial<Record<Kernel, Float64Array>> {
  const R = refits.length;
  const out: Partial<Record<Kernel, Float64Array>> = {};
  const fill = (pair: (a: number, r: number) => number) => {
    const m = new Float64Array(R * R);
    for (let a = 0; a < R; a++) {
      for (let r = a; r < R; r++) {
        const v = pair(a, r);
        m[a * R + r] = v;
        m[r * R + a] = v;
      }
    }
    return m;
  };
  if (kernels.includes("rbf")) {
    const factors = refits.map((x) => rbfFactor(x));
    out.rbf = fill((a, r) => ckaOfFactors(factors[a], factors[r]));
  }
  if (kernels.includes("linear") || kernels.includes("linearDebiased")) {
    const factors = refits.map(linearFactor);
    if (kernels.includes("linear")) out.linear = fill((a, r) => linearCkaOf(factors[a], factors[r], false));
    if (kernels.includes("linearDebiased")) out.linearDebiased = fill((a, r) => linearCkaOf(factors[a], factors[r], true));
  }
  return out;
}

/** CKA from two rbfFactor results: <A, B>_F (both already centered and unit-norm). */
export function ckaOfFactors(a: Float64Array, b: Float64Array): number {
  if (a.length !== b.length) throw new Error(errors.size(a.length, b.length));
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot;
}

/** CKA of two activation sets over the same tokens. */
export function cka(x: Activations, y: Activations, kernel: Kernel): number {
  return pairwiseCka([x, y], [kernel])[kernel]![1];
}
