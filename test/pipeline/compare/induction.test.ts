// Induction and previous-token scores by hand on tiny probes, an ideal induction head scoring 1,
// and the control statistics through compareCell: induction heads that agree across refits while
// their pattern moves with the probe clear the nulls; a purely positional head does not.
import { describe, expect, it } from "vitest";
import { compareCell } from "../../../src/pipeline/compare/index.ts";
import { cosine } from "../../../src/pipeline/compare/cosine.ts";
import { headScores, repeatRowTables, scoreTargets } from "../../../src/pipeline/compare/induction.ts";
import { probePartners } from "../../../src/pipeline/compare/nulls.ts";
import type { PatternArrays, PatternLayout } from "../../../src/pipeline/compare/patterns.ts";
import { mulberry32, patternsFrom, randomPatterns } from "./helpers.ts";

/** Lower triangle (row-major, diagonal included) of a T x T matrix given as rows. */
const tri = (rows: number[][]) => rows.flatMap((row, i) => row.slice(0, i + 1));

/** One-hot causal pattern: row i attends only to target(i). */
const oneHot = (t: number, target: (i: number) => number) => tri(Array.from({ length: t }, (_, i) => Array.from({ length: t }, (_, j) => (j === target(i) ? 1 : 0))));

/** BOS, then `prefix` filler tokens, then a segment of `n` tokens shown twice. */
function repeatedProbe(prefix: number[], segment: number[]): number[] {
  return [256, ...prefix, ...segment, ...segment];
}

/** The ideal induction head of a probe: i attends to the token after the last earlier occurrence of token[i], else to BOS. */
function idealInduction(tokens: number[]): number[] {
  return oneHot(tokens.length, (i) => {
    const j = tokens.lastIndexOf(tokens[i], i - 1);
    return j >= 0 ? j + 1 : 0;
  });
}

describe("scoreTargets", () => {
  it("finds the cell after the last earlier occurrence, and the previous position, in each probe's triangle", () => {
    // Probe 0: tokens [9, 5, 7, 5] (T = 4): token 5 recurs at i = 3 (last seen j = 1), target A[3, 2]
    // at 3*4/2 + 2 = 8. Probe 1 starts at K offset 10: tokens [9, 9] (T = 2), i = 1 repeats j = 0,
    // target A[1, 1] at 10 + 1 + 1 = 12. Previous-token cells: A[1,0]=1, A[2,1]=4, A[3,2]=8, and A[1,0] of probe 1 = 11.
    const layout: PatternLayout = { nLayers: 1, nHeads: 1, probeLengths: [4, 2] };
    const t = scoreTargets(layout, Int32Array.from([9, 5, 7, 5, 9, 9]));
    expect([...t.induction]).toEqual([8, 12]);
    expect([...t.prevToken]).toEqual([1, 4, 8, 11]);
    // The repeat rows: query 3 of probe 0 (token 5 seen at 1) and query 1 of probe 1 (token 9 seen at 0).
    expect(t.repeatRows.map((r) => [...r])).toEqual([[3], [1]]);
  });

  it("refuses tokens that do not match the layout", () => {
    expect(() => scoreTargets({ nLayers: 1, nHeads: 1, probeLengths: [3] }, Int32Array.from([1, 2]))).toThrow(/2 probe tokens, the layout needs 3/);
  });
});

describe("headScores", () => {
  it("gives an ideal induction head 1 and a previous-token head its hand value", () => {
    const tokens = repeatedProbe([40, 41], [1, 2, 3]); // T = 9
    const layout: PatternLayout = { nLayers: 1, nHeads: 2, probeLengths: [tokens.length] };
    const prev = oneHot(tokens.length, (i) => Math.max(i - 1, 0));
    const patterns = patternsFrom([[[idealInduction(tokens)], [prev]]]);
    const s = headScores(layout, patterns, scoreTargets(layout, Int32Array.from(tokens)), "anchor");
    // Tokens [BOS, 40, 41, 1, 2, 3, 1, 2, 3]: queries 6, 7, 8 repeat positions 3, 4, 5, so the induction
    // targets are A[6,4], A[7,5], A[8,6]. The previous-token head looks at 5, 6, 7 instead: 0.
    expect(s.induction[0]).toBe(1);
    expect(s.induction[1]).toBe(0);
    expect(s.prevToken[1]).toBe(1);
    // Of the induction head's 8 previous-token cells A[i, i-1], only A[1,0] is hit (no earlier
    // occurrence of token 40, so it attends to BOS at position 0): 1/8.
    expect(s.prevToken[0]).toBeCloseTo(1 / 8, 15);
  });
});

describe("the induction control through compareCell", () => {
  // Four probes of equal length 13 whose repeated segment starts at different places, so an
  // induction head's pattern moves with the probe while a previous-token head's does not.
  const probes = [
    repeatedProbe([60, 61, 62, 63, 64, 65], [1, 2, 3]),
    repeatedProbe([60, 61, 62, 63], [1, 2, 3, 4]),
    repeatedProbe([60, 61], [1, 2, 3, 4, 5]),
    repeatedProbe([], [1, 2, 3, 4, 5, 6]),
  ];
  const layout: PatternLayout = { nLayers: 1, nHeads: 2, probeLengths: probes.map((p) => p.length) };
  const tokens = Int32Array.from(probes.flat());
  const refit = patternsFrom([[probes.map(idealInduction), probes.map((p) => oneHot(p.length, (i) => Math.max(i - 1, 0)))]]);
  const cell = compareCell({
    layout,
    refits: [0, 1, 2].map((seed) => ({ seed, patterns: refit, tokens })),
    resamples: 50,
  });

  it("reports the anchor's scores per head", () => {
    expect(cell.stats.headInduction![0][0]).toBe(1);
    expect(cell.stats.headInduction![0][1]).toBe(0);
    expect(cell.stats.headPrevToken![0][1]).toBe(1);
  });

  it("finds the identical induction heads stable far beyond their nulls, and the positional head at its shuffled null", () => {
    const excess = cell.stats.headExcess![0];
    // Identical refits: S = 1 for both heads. The previous-token head is the same on every probe of
    // this length, so its probe-shuffled null is 1 too and its excess is 0.
    expect(excess[1]).toBeCloseTo(0, 12);
    expect(excess[0]).toBeGreaterThan(0.3);
    expect(cell.stats.cellEstimates!["induction.excess"]!.value).toBeCloseTo(excess[0], 12);
    expect(cell.stats.cellEstimates!["induction.excessGap"]!.value).toBeCloseTo(excess[0] - excess[1], 12);
    expect(cell.stats.estimates![0]["induction.max"]!.value).toBe(1);
  });

  it("computes induction.repeatExcess from the repeat-row tables of the induction head", () => {
    const ref = referenceRows(layout, [refit, refit, refit], Array.from(tokens), 0);
    const repeat = cell.stats.cellEstimates!["induction.repeatExcess"]!;
    expect(ref.max(1)).toBeCloseTo(1, 6);
    expect(repeat.value).toBeCloseTo(1 - Math.max(ref.shuffled(1), ref.uniform), 6);
    // On the repeat rows an ideal induction head's partner probe holds filler or another part of the
    // segment, so the shuffled null is far lower there than over the whole pattern.
    expect(repeat.value!).toBeGreaterThan(cell.stats.cellEstimates!["induction.excess"]!.value!);
  });

  it("computes the headline excess against the larger of the shuffled and uniform nulls", () => {
    const e = cell.stats.estimates![0];
    const expected = e["stability"]!.value! - Math.max(e["null.probeShuffled"]!.value!, e["null.uniform"]!.value!);
    expect(e["excess.informativeNull"]!.value).toBeCloseTo(expected, 12);
    expect(cell.stats.cellEstimates!["meanExcess.informativeNull"]!.value).toBeCloseTo(expected, 12);
  });

  it("compares only the refits that formed induction heads, and counts them in induction.formed", () => {
    // A fourth refit whose training found no induction head: both heads attend to the previous token.
    const prevOnly = probes.map((p) => oneHot(p.length, (i) => Math.max(i - 1, 0)));
    const unformed = patternsFrom([[prevOnly, prevOnly]]);
    const refits = [refit, refit, unformed, refit].map((patterns, seed) => ({ seed, patterns, tokens }));
    const mixed = compareCell({ layout, refits, resamples: 50 });
    const formedOnly = compareCell({ layout, refits: refits.filter((r) => r.seed !== 2), resamples: 50 });
    const est = (c: typeof cell, id: "induction.formed" | "induction.excess" | "induction.excessGap" | "induction.repeatExcess") => c.stats.cellEstimates![id]!.value!;
    expect(est(mixed, "induction.formed")).toBe(3 / 4);
    expect(est(formedOnly, "induction.formed")).toBe(1);
    for (const id of ["induction.excess", "induction.excessGap", "induction.repeatExcess"] as const) expect(est(mixed, id)).toBeCloseTo(est(formedOnly, id), 12);
    // The plain stability of the induction head still counts the seed without the circuit.
    expect(mixed.stats.estimates![0].stability!.value!).toBeLessThan(formedOnly.stats.estimates![0].stability!.value! - 0.1);
  });

  it("leaves the scores out when the probes repeat no token", () => {
    const plain = [256, 1, 2, 3];
    const l1: PatternLayout = { nLayers: 1, nHeads: 1, probeLengths: [4] };
    const p = patternsFrom([[[oneHot(4, () => 0)]]]);
    const c = compareCell({ layout: l1, refits: [0, 1].map((seed) => ({ seed, patterns: p, tokens: Int32Array.from(plain) })), resamples: 10 });
    expect(c.stats.headInduction).toBeNull();
    expect(c.stats.notes!.some((n) => n.includes("induction scores left out"))).toBe(true);
  });
});

/**
 * Independent statement of the repeat-row tables: cut each probe's triangle into rows, keep the
 * repeat rows, concatenate them into one vector per (head, probe), and take the library cosine.
 */
function referenceRows(layout: PatternLayout, refits: PatternArrays[], tokens: number[], i: number) {
  const H = layout.nHeads;
  const K = layout.probeLengths.reduce((k, t) => k + (t * (t + 1)) / 2, 0);
  const starts = layout.probeLengths.map((_, p) => layout.probeLengths.slice(0, p).reduce((k, t) => k + (t * (t + 1)) / 2, 0));
  const tokenStarts = layout.probeLengths.map((_, p) => layout.probeLengths.slice(0, p).reduce((a, b) => a + b, 0));
  const rowsOf = (p: number) => {
    const toks = tokens.slice(tokenStarts[p], tokenStarts[p] + layout.probeLengths[p]);
    return toks.flatMap((tok, q) => (toks.slice(0, q).includes(tok) ? [q] : []));
  };
  /** Values of head (l, h) of a refit on probe `at`, at the rows of probe p. */
  const cut = (refit: Float32Array[] | readonly Float32Array[], l: number, h: number, at: number, rows: number[]) =>
    rows.flatMap((q) => Array.from(refit[l].subarray(h * K + starts[at] + (q * (q + 1)) / 2, h * K + starts[at] + (q * (q + 1)) / 2 + q + 1)));
  const [l, h] = [Math.floor(i / H), i % H];
  const partner = probePartners(layout.probeLengths);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const probes = layout.probeLengths.map((_, p) => p).filter((p) => rowsOf(p).length > 0);
  const against = (r: number, hr: number, shuffled: boolean) =>
    mean(probes.filter((p) => !shuffled || partner[p] >= 0).map((p) => cosine(cut(refits[0].attn, l, h, p, rowsOf(p)), cut(refits[r].attn, l, hr, shuffled ? partner[p] : p, rowsOf(p)))));
  const uniformRows = (p: number) => rowsOf(p).flatMap((q) => Array.from({ length: q + 1 }, () => 1 / (q + 1)));
  return {
    max: (r: number) => Math.max(...Array.from({ length: H }, (_, hr) => against(r, hr, false))),
    shuffled: (r: number) => Math.max(...Array.from({ length: H }, (_, hr) => against(r, hr, true))),
    uniform: mean(probes.map((p) => cosine(cut(refits[0].attn, l, h, p, rowsOf(p)), uniformRows(p)))),
  };
}

describe("repeatRowTables", () => {
  // Five probes, lengths 6, 6, 9, 9, 5: four have a same-length partner; the repeats sit at different places.
  const probes = [
    [256, 7, 1, 2, 1, 2],
    [256, 1, 2, 8, 1, 2],
    [256, 40, 41, 1, 2, 3, 1, 2, 3],
    [256, 1, 2, 3, 1, 2, 3, 42, 43],
    [256, 1, 1, 1, 1],
  ];
  const tokens = probes.flat();
  const layout: PatternLayout = { nLayers: 2, nHeads: 3, probeLengths: probes.map((p) => p.length) };
  const rng = mulberry32(11);
  const refits = [0, 1, 2].map(() => randomPatterns(layout, rng));
  const rows = scoreTargets(layout, Int32Array.from(tokens)).repeatRows;

  it("equals the restricted cosine computed row by row, for heads in both layers", () => {
    const heads = [1, 3, 5];
    const t = repeatRowTables(layout, refits, heads, rows);
    heads.forEach((i, k) => {
      const ref = referenceRows(layout, refits, tokens, i);
      for (const r of [1, 2]) {
        expect(t.max[r * heads.length + k]).toBeCloseTo(ref.max(r), 6);
        expect(t.shuffled![r * heads.length + k]).toBeCloseTo(ref.shuffled(r), 6);
      }
      expect(t.uniform[k]).toBeCloseTo(ref.uniform, 6);
      expect(t.max[k]).toBe(0); // the anchor's own row is left 0
    });
  });

  it("does not change when a refit's heads are permuted, and gives identical refits 1", () => {
    const permuted: PatternArrays = {
      attn: refits[1].attn.map((layer) => {
        const K = layer.length / 3;
        return Float32Array.from([2, 0, 1].flatMap((h) => Array.from(layer.subarray(h * K, (h + 1) * K))));
      }),
    };
    const a = repeatRowTables(layout, [refits[0], refits[1]], [0, 4], rows);
    const b = repeatRowTables(layout, [refits[0], permuted], [0, 4], rows);
    expect([...b.max]).toEqual([...a.max]);
    expect([...b.shuffled!]).toEqual([...a.shuffled!]);
    const same = repeatRowTables(layout, [refits[0], refits[0]], [0, 4], rows);
    expect(same.max[2]).toBeCloseTo(1, 6);
    expect(same.max[3]).toBeCloseTo(1, 6);
  });

  it("reads only the repeat rows: a refit that differs elsewhere is still a perfect match there", () => {
    const probe = [256, 40, 41, 1, 2, 3, 1, 2, 3];
    const one: PatternLayout = { nLayers: 1, nHeads: 1, probeLengths: [probe.length] };
    const ideal = idealInduction(probe);
    // Rows 0-5 (no earlier occurrence) attend to the previous token instead of BOS; rows 6-8 agree.
    const other = oneHot(probe.length, (i) => (i >= 6 ? probe.lastIndexOf(probe[i], i - 1) + 1 : Math.max(i - 1, 0)));
    const t = repeatRowTables(one, [patternsFrom([[[ideal]]]), patternsFrom([[[other]]])], [0], scoreTargets(one, Int32Array.from(probe)).repeatRows);
    expect(t.max[1]).toBeCloseTo(1, 12);
    expect(cosine(ideal, other)).toBeLessThan(0.5); // the whole pattern disagrees
    expect(t.shuffled).toBeNull(); // one probe: no partner
  });
});
