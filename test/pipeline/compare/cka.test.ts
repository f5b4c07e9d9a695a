// CKA against hand values and a naive trace(K H L H) transcription, plus its invariants:
// identical inputs give 1, orthogonal rotation and isotropic scaling change nothing, and the
// debiased estimator sits near 0 for independent inputs where the biased one does not.
import { describe, expect, it } from "vitest";
import {
  type Activations,
  KERNELS,
  cka,
  linearGram,
  median,
  rbfGramFromLinear,
} from "../../../src/pipeline/compare/cka.ts";
import { mulberry32 } from "./helpers.ts";

const act = (rows: number[][]): Activations => ({ data: rows.flat(), n: rows.length, d: rows[0].length });

function gaussian(rng: () => number, n: number, d: number): number[][] {
  return Array.from({ length: n }, () =>
    Array.from({ length: d }, () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng())),
  );
}

/** Naive biased CKA: trace(K H L H) / sqrt(trace(K H K H) trace(L H L H)), H = I - 11^T / n. */
function naiveCka(k: number[][], l: number[][]): number {
  const n = k.length;
  const h = k.map((_, i) => k.map((_, j) => (i === j ? 1 : 0) - 1 / n));
  const mul = (a: number[][], b: number[][]) => a.map((row) => b[0].map((_, j) => row.reduce((s, v, t) => s + v * b[t][j], 0)));
  const trace = (a: number[][]) => a.reduce((s, row, i) => s + row[i], 0);
  const hsic = (a: number[][], b: number[][]) => trace(mul(mul(mul(a, h), b), h));
  return hsic(k, l) / Math.sqrt(hsic(k, k) * hsic(l, l));
}

const toRows = (m: Float64Array, n: number) => Array.from({ length: n }, (_, i) => Array.from(m.subarray(i * n, (i + 1) * n)));

describe("median", () => {
  it("matches numpy for odd and even counts, without reordering the input", () => {
    const input = Object.freeze([4, 0, 1, 0, 1, 4, 1, 0, 1]);
    expect(median(input)).toBe(1);
    expect(median([5, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(input).toEqual([4, 0, 1, 0, 1, 4, 1, 0, 1]);
  });

  it("equals the sorted middle on large arrays with negatives, ties and both signed zeros", () => {
    const rng = mulberry32(4);
    for (const n of [1000, 1001, 5000]) {
      const values = Float64Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0 : i % 11 === 0 ? -0 : (rng() - 0.3) * 10 ** Math.floor(rng() * 6 - 3)));
      const sorted = Float64Array.from(values).sort();
      const want = n % 2 === 1 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      const before = Float64Array.from(values);
      expect(median(values)).toBe(want);
      expect(values).toEqual(before); // left as it was
    }
  });
});

describe("rbfGramFromLinear", () => {
  it("uses the median of all squared distances, diagonal zeros included", () => {
    // Points 0, 1, 2 on a line: d2 = [[0,1,4],[1,0,1],[4,1,0]], median of the 9 values = 1, so K = exp(-d2 / 2).
    const x = act([[0], [1], [2]]);
    const k = rbfGramFromLinear(linearGram(x), 3);
    const want = [1, Math.exp(-0.5), Math.exp(-2), Math.exp(-0.5), 1, Math.exp(-0.5), Math.exp(-2), Math.exp(-0.5), 1];
    want.forEach((w, i) => expect(k[i]).toBeCloseTo(w, 15));
  });
});

describe("cka", () => {
  it("gives squared Pearson r for linear CKA of 1-d features", () => {
    // x = 1..4, y = x^2: centered dot 25, |xc|^2 = 5, |yc|^2 = 129, so r^2 = 625 / 645.
    expect(cka(act([[1], [2], [3], [4]]), act([[1], [4], [9], [16]]), "linear")).toBeCloseTo(625 / 645, 14);
  });

  it("agrees with a naive trace(KHLH) transcription for the RBF kernel", () => {
    const rng = mulberry32(3);
    const x = act(gaussian(rng, 7, 3));
    const y = act(gaussian(rng, 7, 5));
    const kx = toRows(rbfGramFromLinear(linearGram(x), 7), 7);
    const ky = toRows(rbfGramFromLinear(linearGram(y), 7), 7);
    expect(cka(x, y, "rbf")).toBeCloseTo(naiveCka(kx, ky), 12);
    expect(cka(x, y, "linear")).toBeCloseTo(naiveCka(toRows(linearGram(x), 7), toRows(linearGram(y), 7)), 12);
  });

  it("returns 1 for identical activations, for every kernel", () => {
    const x = act(gaussian(mulberry32(5), 20, 4));
    for (const kernel of KERNELS) expect(cka(x, x, kernel)).toBeCloseTo(1, 12);
  });

  it("is invariant to an orthogonal rotation and an isotropic scaling", () => {
    const rng = mulberry32(9);
    const rows = gaussian(rng, 25, 2);
    const other = act(gaussian(rng, 25, 2).map((r, i) => [r[0] + rows[i][0], r[1]]));
    const [c, s] = [Math.cos(0.7), Math.sin(0.7)];
    const rotated = act(rows.map(([a, b]) => [3.5 * (c * a - s * b), 3.5 * (s * a + c * b)]));
    for (const kernel of KERNELS) expect(cka(rotated, other, kernel)).toBeCloseTo(cka(act(rows), other, kernel), 10);
  });

  it("is near 0 when debiased for independent inputs, while the biased estimate is not", () => {
    const rng = mulberry32(21);
    const x = act(gaussian(rng, 40, 30));
    const y = act(gaussian(rng, 40, 30));
    expect(Math.abs(cka(x, y, "linearDebiased"))).toBeLessThan(0.05);
    expect(cka(x, y, "linear")).toBeGreaterThan(0.3);
  });
});

describe("cka (debiased)", () => {
  it("agrees with the unbiased HSIC of Song et al. (2012) written out over Gram entries", () => {
    // HSIC_u = [tr(K~L~) + (1'K~1)(1'L~1) / ((n-1)(n-2)) - 2/(n-2) 1'K~L~1] / (n(n-3)), K~ = K with a zero diagonal.
    const rng = mulberry32(13);
    const [x, y] = [act(gaussian(rng, 9, 3)), act(gaussian(rng, 9, 4))];
    const n = 9;
    const tilde = (a: Activations) => toRows(linearGram(a), n).map((row, i) => row.map((v, j) => (i === j ? 0 : v)));
    const hsic = (k: number[][], l: number[][]) => {
      const sum = (m: number[][]) => m.flat().reduce((s, v) => s + v, 0);
      const trace = k.reduce((s, row, i) => s + row.reduce((t, v, j) => t + v * l[j][i], 0), 0);
      const k1 = k.map((row) => row.reduce((s, v) => s + v, 0));
      const l1 = l.map((row) => row.reduce((s, v) => s + v, 0));
      const k1l1 = k1.reduce((s, v, i) => s + v * l1[i], 0);
      return (trace + (sum(k) * sum(l)) / ((n - 1) * (n - 2)) - (2 / (n - 2)) * k1l1) / (n * (n - 3));
    };
    const [kx, ky] = [tilde(x), tilde(y)];
    expect(cka(x, y, "linearDebiased")).toBeCloseTo(hsic(kx, ky) / Math.sqrt(hsic(kx, kx) * hsic(ky, ky)), 12);
  });
});
