// The cbar kernel (src/pipeline/kernels/cbar.wat) against cosine() in float64: sizes that hit
// every path (2x4 tiles, odd rows, leftover columns, segment tails), partner segments, the zero
// guard.
import { describe, expect, it } from "vitest";
import { cosine } from "../../../src/pipeline/compare/cosine.ts";
import { CbarArena } from "../../../src/pipeline/kernels/cbar.ts";
import { mulberry32 } from "../compare/helpers.ts";

const LD = 40;
const LENGTHS = [1, 3, 6, 10, 13]; // 33 values: every remainder mod 4
const begins = (lengths: number[]) => lengths.map((_, s) => lengths.slice(0, s).reduce((a, b) => a + b, 0));
const BEGINS = begins(LENGTHS);

function setup(m: number, n: number, partner: (s: number) => number, LENGTHS = [1, 3, 6, 10, 13]) {
  const BEGINS = begins(LENGTHS);
  const rng = mulberry32(m * 31 + n);
  const arena = new CbarArena();
  const r = arena.layout({
    a: ["f32", m * LD],
    b: ["f32", n * LD],
    segs: ["i32", 5 * LENGTHS.length],
    bSegs: ["i32", 5 * LENGTHS.length],
    na: ["f64", m * LENGTHS.length],
    nb: ["f64", n * LENGTHS.length],
    out: ["f64", m * n],
    many: ["f64", 6 * 28],
  });
  // Filled in place: the kernel reads the arena's memory.
  const [a, b] = [arena.f32(r.a), arena.f32(r.b)];
  a.forEach((_, i) => (a[i] = rng()));
  b.forEach((_, i) => (b[i] = rng() - 0.2));
  arena.i32(r.segs).set(LENGTHS.flatMap((len, s) => [BEGINS[s], BEGINS[partner(s)], len, s, partner(s)]));
  arena.norms(r.a, 0, m, LD, r.segs, LENGTHS.length, r.na, 0);
  // norms() reads each segment's A side, so B's norms come from the identity table.
  arena.i32(r.bSegs).set(LENGTHS.flatMap((len, s) => [BEGINS[s], BEGINS[s], len, s, s]));
  arena.norms(r.b, 0, n, LD, r.bSegs, LENGTHS.length, r.nb, 0);
  const sum = () => arena.sum({ a: r.a, aRow: 0, m, b: r.b, bRow: 0, n, ld: LD, segments: r.segs, normsA: r.na, normsB: r.nb, nProbes: LENGTHS.length, out: r.out });
  const row = (x: Float32Array, i: number, s: number) => x.subarray(i * LD + BEGINS[s], i * LD + BEGINS[s] + LENGTHS[s]);
  const want = (i: number, j: number) => LENGTHS.reduce((t, _, s) => t + cosine(row(arena.f32(r.a), i, s), row(arena.f32(r.b), j, partner(s))), 0);
  return { arena, r, a, b, sum, want };
}

describe("cbar kernel", () => {
  it("sums per-segment cosines like cosine() in float64, on every tile path", () => {
    for (const [m, n] of [[2, 4], [5, 7], [1, 3], [4, 9]]) {
      const { sum, want } = setup(m, n, (s) => s);
      const out = sum();
      expect(Math.min(...out)).toBeGreaterThan(0.5); // positive-leaning rows: real sums, not zeros
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) expect(Math.abs(out[i * n + j] - want(i, j)), `${m}x${n} [${i},${j}]`).toBeLessThan(1e-6);
    }
  });

  it("reads B on the partner segment when the table says so", () => {
    // Probes 0 and 2, 1 and 3 have equal lengths and swap; probe 4 keeps itself.
    const { sum, want } = setup(3, 5, (s) => [2, 3, 0, 1, 4][s], [3, 6, 3, 6, 5]);
    const out = sum();
    for (let i = 0; i < 3; i++) for (let j = 0; j < 5; j++) expect(Math.abs(out[i * 5 + j] - want(i, j))).toBeLessThan(1e-6);
  });

  it("gives cos(x, x) = 1 to the last bits, since norms use the same lane arithmetic", () => {
    const arena = new CbarArena();
    const rng = mulberry32(5);
    const r = arena.layout({ x: ["f32", 6 * LD], segs: ["i32", 5 * LENGTHS.length], n: ["f64", 6 * LENGTHS.length], out: ["f64", 36] });
    arena.f32(r.x).forEach((_, i, x) => (x[i] = rng()));
    arena.i32(r.segs).set(LENGTHS.flatMap((len, s) => [BEGINS[s], BEGINS[s], len, s, s]));
    arena.norms(r.x, 0, 6, LD, r.segs, LENGTHS.length, r.n, 0);
    const out = arena.sum({ a: r.x, aRow: 0, m: 6, b: r.x, bRow: 0, n: 6, ld: LD, segments: r.segs, normsA: r.n, normsB: r.n, nProbes: LENGTHS.length, out: r.out });
    for (let i = 0; i < 6; i++) expect(Math.abs(out[i * 7] - LENGTHS.length)).toBeLessThan(1e-14);
  });

  it("gives 0 for an all-zero row (the 1e-8 guard), not NaN", () => {
    const { arena, r, sum } = setup(2, 4, (s) => s);
    arena.f32(r.a).fill(0, 0, LD);
    arena.norms(r.a, 0, 2, LD, r.segs, LENGTHS.length, r.na, 0);
    const out = sum();
    [0, 1, 2, 3].forEach((j) => expect(out[j]).toBe(0));
  });

  it("gives the same bits from a batch on worker threads as one thread, and again after close()", () => {
    const { arena, r } = setup(5, 7, (s) => s);
    const base = { a: r.a, aRow: 0, m: 5, b: r.b, bRow: 0, n: 7, ld: LD, segments: r.segs, normsA: r.na, normsB: r.nb, nProbes: LENGTHS.length };
    const jobs = Array.from({ length: 6 }, (_, j) => ({ ...base, aRow: j % 2, m: 4, n: 1 + (j % 7), out: r.many, outAt: j * 28 }));
    const one = arena.sumAll(jobs, 1).map((o) => Float64Array.from(o));
    const two = arena.sumAll(jobs, 2).map((o) => Float64Array.from(o));
    arena.close();
    const again = arena.sumAll(jobs, 2).map((o) => Float64Array.from(o));
    arena.close();
    expect(two).toEqual(one);
    expect(again).toEqual(one);
    expect(one[0]).not.toEqual(one[1]); // different A rows, different sums
  });

  it("refuses rows or norms outside their regions", () => {
    const { arena, r } = setup(2, 4, (s) => s);
    const args = { a: r.a, aRow: 1, m: 2, b: r.b, bRow: 0, n: 4, ld: LD, segments: r.segs, normsA: r.na, normsB: r.nb, nProbes: LENGTHS.length, out: r.out };
    expect(() => arena.sum(args)).toThrow("rows outside");
  });
});
