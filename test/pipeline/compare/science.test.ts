// compareCell's metrics beyond the paper: all-pairs and one-to-one stability by hand, identical
// refits giving 1 everywhere (CKA included), excess = stability - null, and every estimate keyed
// by an ID that definitions.ts defines.
import { describe, expect, it } from "vitest";
import { CELL_METRICS, DEFINITIONS, LAYER_METRICS, type Site } from "../../../src/pipeline/compare/definitions.ts";
import { compareCell, type RefitInput } from "../../../src/pipeline/compare/index.ts";
import type { PatternLayout } from "../../../src/pipeline/compare/patterns.ts";
import { A, B, C, D, HALF_SQRT3, layout1x2 } from "./fixtures.ts";
import { clonePatterns, mulberry32, patternsFrom, randomPatterns } from "./helpers.ts";

describe("compareCell estimates", () => {
  it("computes all-pairs and one-to-one stability by hand", () => {
    // Refit 0 = [A, C], refit 1 = [B, D]. cbar(A,B) = cbar(A,D) = 0.75, cbar(C,B) = cbar(C,D) = sqrt(3)/2.
    // 0 -> 1: maxes 0.75 and sqrt(3)/2. 1 -> 0: B and D both best match C, sqrt(3)/2 each.
    // One-to-one: every assignment sums to 0.75 + sqrt(3)/2 in both directions.
    const { stats } = compareCell({
      layout: layout1x2,
      refits: [patternsFrom([[A, C]]), patternsFrom([[B, D]])].map((patterns, seed) => ({ seed, patterns })),
      resamples: 10,
    });
    const e = stats.estimates![0];
    const forward = (0.75 + HALF_SQRT3) / 2;
    expect(e["stability"].value).toBeCloseTo(forward, 14);
    expect(e["stability.allPairs"].value).toBeCloseTo((forward + HALF_SQRT3) / 2, 14);
    expect(e["stability.hungarian"].value).toBeCloseTo(forward, 14);
    expect(e["stability.hungarianAllPairs"].value).toBeCloseTo(forward, 14);
    expect(stats.headHungarianStability![0][0] + stats.headHungarianStability![0][1]).toBeCloseTo(0.75 + HALF_SQRT3, 14);
    // Two refits: no interval.
    expect(e["stability"].lo).toBeNull();
    expect(stats.notes).toContain("no intervals: the bootstrap needs at least 3 refits");
  });

  it("gives 1 for identical refits: stability, one-to-one, CKA of every kernel", () => {
    const layout: PatternLayout = { nLayers: 2, nHeads: 3, probeLengths: [3, 4, 3] };
    const rng = mulberry32(31);
    const patterns = randomPatterns(layout, rng);
    const N = 10;
    const layers = { resid_pre: [0, 1].map(() => Float32Array.from({ length: N * 4 }, () => rng())), resid_mid: [0, 1].map(() => Float32Array.from({ length: N * 4 }, () => rng())) };
    const resid = { dModel: 4, read: (site: Site, l: number) => layers[site][l] };
    const refit = (seed: number): RefitInput => ({ seed, patterns: clonePatterns(patterns), resid });
    const { stats } = compareCell({ layout, refits: [0, 1, 2].map(refit), untrained: [0, 1, 2].map(refit), resamples: 20 });
    stats.estimates!.forEach((e) => {
      for (const id of ["stability", "stability.allPairs", "stability.hungarian", "stability.hungarianAllPairs", "cka.rbf.resid_pre", "cka.linear.resid_mid", "cka.linearDebiased.resid_mid", "cka.rbf.resid_mid.withSelf"]) {
        expect(Math.abs(e[id].value! - 1), id).toBeLessThan(1e-12);
        expect(Math.abs(e[id].lo! - 1), id).toBeLessThan(1e-12);
      }
      // The untrained twins are the same patterns here, so every excess over them is 0.
      expect(Math.abs(e["excess.untrained"].value!)).toBeLessThan(1e-12);
      expect(e["excess.uniform"].value).toBeCloseTo(e["stability"].value! - e["null.uniform"].value!, 14);
      expect(e["excess.maxNull"].value).toBeLessThanOrEqual(e["excess.uniform"].value! + 1e-15);
      // The headline excess leaves the untrained twin out: here it is the excess over the uniform null.
      expect(e["excess.informativeNull"].value).toBeCloseTo(e["stability"].value! - Math.max(e["null.uniform"].value!, e["null.probeShuffled"].value!), 14);
    });
    expect(stats.notes).toEqual([
      "probe-shuffled null uses 2 of 3 probes; the rest have no same-length partner",
      "importance left out: the anchor capture has no ablation.dppl",
      "functional matching left out: a capture has no ablation fingerprints (ablation.nll)",
      "output agreement left out: a capture has no next-token log-probabilities (output.logprobs)",
      "induction scores left out: a capture has no probe tokens, or no probe repeats a token",
    ]);
  });

  it("keys every estimate by a defined metric ID", () => {
    const layout: PatternLayout = { nLayers: 3, nHeads: 3, probeLengths: [3, 3] };
    const rng = mulberry32(8);
    const refits = [0, 1, 2].map((seed) => ({
      seed,
      patterns: randomPatterns(layout, rng),
      dppl: Float32Array.from({ length: 9 }, () => rng()),
      norms: { W_Q: [1, 2, 3] },
    }));
    const { stats, replicates } = compareCell({ layout, refits, resamples: 20 });
    const known = new Set<string>([...LAYER_METRICS, ...CELL_METRICS]);
    stats.estimates!.forEach((e) => Object.keys(e).forEach((id) => expect(known.has(id), id).toBe(true)));
    Object.keys(stats.cellEstimates!).forEach((id) => expect(known.has(id), id).toBe(true));
    expect(Object.keys(stats.cellEstimates!).sort()).toEqual([
      "gap.allPairs",
      "gap.corrected",
      "importance.trend",
      "importance.trendAllRefits",
      "meanCorrected",
      "meanExcess.informativeNull",
      "meanStability.allPairs",
      "meanStability.anchor",
      "midDip",
      "midDip.corrected",
      "minDepth",
      "minDepth.corrected",
      "universal.share",
      "weightNorm.W_Q",
    ]);
    expect(replicates.midDip).toHaveLength(20);
    for (const id of known) expect(DEFINITIONS[id as keyof typeof DEFINITIONS].length, id).toBeGreaterThan(40);
  });
});
