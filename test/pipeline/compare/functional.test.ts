// Functional matching and output agreement, worked by hand: fingerprint similarity, the paper's and
// the one-to-one matches, the random-head null, the area under quality against coverage, the
// Jensen-Shannon divergence in bits; and invariants (permuting a refit's heads changes nothing).
import { describe, expect, it } from "vitest";
import { identityDraw } from "../../../src/pipeline/compare/bootstrap.ts";
import { coverageArea, fingerprintSimilarity, functionalStatistics, functionalTables, rankByCbar } from "../../../src/pipeline/compare/functional.ts";
import { jsBits, meanDivergence, outputStatistics } from "../../../src/pipeline/compare/output.ts";

describe("fingerprint similarity", () => {
  it("is Pearson's r, and 0 for a head whose ablation changes nothing", () => {
    expect(fingerprintSimilarity([1, 2, 3], [2, 4, 6])).toBeCloseTo(1, 14);
    expect(fingerprintSimilarity([1, 2, 3], [3, 2, 1])).toBeCloseTo(-1, 14);
    expect(fingerprintSimilarity([1, 2, 3], [3, 1, 2])).toBeCloseTo(-0.5, 14);
    expect(fingerprintSimilarity([1, 2, 3], [0, 0, 0])).toBe(0);
  });
});

// One layer, two heads, three probes; refit 1 holds the anchor's heads in swapped order.
const anchor = Float32Array.of(1, 2, 3, 3, 1, 2);
const swapped = Float32Array.of(3, 1, 2, 1, 2, 3);
// cbar rows are the anchor's heads: head 0 looks like refit head 1, head 1 like refit head 0.
const cbar = Float64Array.of(0.2, 0.9, 0.8, 0.3);

describe("functional matching", () => {
  const tables = functionalTables({ nLayers: 1, nHeads: 2, fingerprints: [anchor, swapped], anchorCbar: [cbar] });

  it("finds the swapped heads doing the same work, against a random-head null of (1 - 0.5) / 2", () => {
    expect(Array.from(tables.paper[1].similarity)).toEqual([1, 1].map((v) => expect.closeTo(v, 12)));
    expect(Array.from(tables.random[1])).toEqual([0.25, 0.25].map((v) => expect.closeTo(v, 12)));
    const stats = functionalStatistics(tables);
    expect(stats["functional.excess"]!(identityDraw(2))).toBeCloseTo(0.75, 12);
  });

  it("changes nothing when the refit's heads are permuted", () => {
    const back = functionalTables({ nLayers: 1, nHeads: 2, fingerprints: [anchor, anchor], anchorCbar: [Float64Array.of(0.9, 0.2, 0.3, 0.8)] });
    const stats = [functionalStatistics(tables), functionalStatistics(back)].map((s) => s["functional.stability"]!(identityDraw(2)));
    expect(stats[0]).toBeCloseTo(stats[1], 14);
  });

  it("lets the one-to-one match differ from the paper's where two anchor heads want one refit head", () => {
    const greedy = functionalTables({ nLayers: 1, nHeads: 2, fingerprints: [anchor, swapped], anchorCbar: [Float64Array.of(0.2, 0.9, 0.3, 0.8)] });
    // Paper: both anchor heads take refit head 1; Hungarian: head 0 -> 1, head 1 -> 0.
    expect(Array.from(greedy.paper[1].cbar)).toEqual([0.9, 0.8]);
    expect(Array.from(greedy.hungarian[1].cbar)).toEqual([0.9, 0.3]);
    expect(greedy.paper[1].similarity[1]).toBeCloseTo(-0.5, 12);
    expect(greedy.hungarian[1].similarity[1]).toBeCloseTo(1, 12);
  });
});

describe("quality against coverage", () => {
  it("averages the running mean of similarities taken best cbar first", () => {
    const matched = [undefined, { cbar: Float64Array.of(0.9, 0.5, 0.7), similarity: Float64Array.of(1, 0, 0.5) }];
    // Sorted: 1, 0.5, 0 -> q = 1, 0.75, 0.5 -> area 0.75.
    expect(coverageArea(rankByCbar(matched as never), identityDraw(2))).toBeCloseTo(0.75, 14);
    // A refit drawn twice enters each pair twice: 1, 1, 0.5, 0.5, 0, 0.
    const twice = { all: Int32Array.of(0, 1, 1), others: Int32Array.of(1, 1) };
    const q = [1, 1, 2.5 / 3, 3 / 4, 3 / 5, 3 / 6];
    expect(coverageArea(rankByCbar(matched as never), twice)).toBeCloseTo(q.reduce((a, b) => a + b) / 6, 14);
  });
});

describe("output agreement", () => {
  const log = (ps: number[]) => ps.map(Math.log);

  it("gives the Jensen-Shannon divergence in bits, worked by hand", () => {
    expect(jsBits(log([0.3, 0.7]), 0, log([0.3, 0.7]), 0, 2)).toBe(0);
    expect(jsBits(log([1, 0]), 0, log([0, 1]), 0, 2)).toBeCloseTo(1, 14);
    // M = (0.75, 0.25): KL(p||M) = 0.20752, KL(q||M) = 0.41504 bits.
    expect(jsBits(log([0.5, 0.5]), 0, log([1, 0]), 0, 2)).toBeCloseTo(0.311278, 6);
  });

  it("averages over predicting positions only, each probe's last left out", () => {
    // Two probes of lengths 2 and 1: only position 0 predicts.
    const a = Float32Array.from([...log([0.5, 0.5]), ...log([1e-30, 1]), ...log([1e-30, 1])]);
    const b = Float32Array.from([...log([1, 1e-30]), ...log([1, 1e-30]), ...log([1, 1e-30])]);
    expect(meanDivergence([a, b], 1, [2, 1])).toBeCloseTo(0.311278, 5);
  });

  it("correlates each pair's divergence with its head stability over the refits besides the anchor", () => {
    // One probe of two tokens, vocabulary 2: position 0 predicts, position 1 does not.
    const p = (x: number) => Float32Array.from([...log([x, 1 - x]), ...log([0.5, 0.5])]);
    // Divergence from the anchor grows with r while head stability falls: r close to -1.
    const stats = outputStatistics([p(0.5), p(0.6), p(0.8), p(0.95)], [2], (r) => 1 - r / 10);
    expect(stats["output.js"]!(identityDraw(4))).toBeGreaterThan(0);
    expect(stats["output.headAgreement"]!(identityDraw(4))).toBeLessThan(-0.9);
    expect(stats["output.headAgreement"]!({ all: Int32Array.of(0, 1, 2), others: Int32Array.of(1, 2) })).toBeNaN();
  });
});
