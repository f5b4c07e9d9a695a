import { describe, expect, it } from "vitest";
import { rng, xoshiro128ss } from "../../../src/pipeline/data/rng.ts";

describe("xoshiro128ss", () => {
  it("matches the reference outputs for state [1, 2, 3, 4]", () => {
    // Hand-stepped from the reference C: rotl(s1 * 5, 7) * 9 with s1 = 2, 0, 1029, ...
    const g = xoshiro128ss([1, 2, 3, 4]);
    expect([0, 1, 2, 3].map(() => g.next() * 2 ** 32)).toEqual([11520, 0, 5927040, 70819200]);
  });

  it("refuses a state that is not four words", () => {
    expect(() => xoshiro128ss([1, 2, 3])).toThrow(/4 words/);
  });
});

describe("rng", () => {
  it("repeats the same stream for the same seed", () => {
    const a = rng(42);
    const b = rng(42);
    for (let i = 0; i < 100; i++) expect(a.next()).toBe(b.next());
  });

  it("gives different streams for different seeds, seed lists and orders", () => {
    const first = (seed: number | number[]) => rng(seed).next();
    const values = [first(0), first(1), first(2 ** 40), first(-1), first([0, 1]), first([1, 0]), first([0, 1, 0])];
    expect(new Set(values).size).toBe(values.length);
  });

  it("draws next() in [0, 1) with mean near 1/2", () => {
    const g = rng(7);
    let sum = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = g.next();
      expect(x >= 0 && x < 1).toBe(true);
      sum += x;
    }
    expect(Math.abs(sum / 100_000 - 0.5)).toBeLessThan(0.005); // sd of the mean is 0.0009
  });

  it("draws int(n) uniformly over 0..n-1", () => {
    const g = rng(3);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60_000; i++) counts[g.int(6)]++;
    const chi2 = counts.reduce((s, c) => s + (c - 10_000) ** 2 / 10_000, 0);
    expect(chi2).toBeLessThan(20.5); // chi-square, 5 degrees of freedom, p = 0.001
    expect(rng(9).int(1)).toBe(0);
  });

  it("rejects seeds and bounds that are not safe integers", () => {
    expect(() => rng(1.5)).toThrow(/not a safe integer/);
    expect(() => rng(0).int(0)).toThrow(RangeError);
    expect(() => rng(0).int(2.5)).toThrow(RangeError);
  });
});
