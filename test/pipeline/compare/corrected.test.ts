// The null-corrected statistics of the findings' headlines (docs/metrics.md "Findings as a skeptic
// reads them"): C(l) = (S - N) / (1 - N) recomputed from the layer estimates it is built from,
// identical refits giving 1, heads permuted within a layer changing nothing, and finding 3's
// per-refit importance trend against a naive transcription (cbar entry by entry, then Pearson and
// the OLS slope written out).
import { describe, expect, it } from "vitest";
import { cbar, preparePatterns } from "../../../src/pipeline/compare/cosine.ts";
import { compareCell, type RefitInput } from "../../../src/pipeline/compare/index.ts";
import type { PatternArrays, PatternLayout } from "../../../src/pipeline/compare/patterns.ts";
import { clonePatterns, mulberry32, permuteHeads, randomPatterns } from "./helpers.ts";

const layout: PatternLayout = { nLayers: 3, nHeads: 3, probeLengths: [4, 4, 5, 5] };
const nHeadsTotal = layout.nLayers * layout.nHeads;

function cell(seed: number, refits = 4) {
  const rng = mulberry32(seed);
  return Array.from({ length: refits }, (_, s): RefitInput => ({ seed: s, patterns: randomPatterns(layout, rng), dppl: Float32Array.from({ length: nHeadsTotal }, () => rng()) }));
}

/** Heads of every layer in reverse order, dPPL with them. */
function reverseHeads(r: RefitInput): RefitInput {
  const H = layout.nHeads;
  const reverse = Array.from({ length: H }, (_, h) => H - 1 - h);
  const patterns = [0, 1, 2].reduce((p, l) => permuteHeads(p, l, reverse), r.patterns as PatternArrays);
  const dppl = Float32Array.from({ length: nHeadsTotal }, (_, i) => r.dppl![i - (i % H) + reverse[i % H]]);
  return { ...r, patterns, dppl };
}

const pearson = (x: number[], y: number[]) => {
  const mx = x.reduce((a, b) => a + b) / x.length;
  const my = y.reduce((a, b) => a + b) / y.length;
  let sxy = 0, sxx = 0, syy = 0;
  x.forEach((_, i) => ((sxy += (x[i] - mx) * (y[i] - my)), (sxx += (x[i] - mx) ** 2), (syy += (y[i] - my) ** 2)));
  return sxy / Math.sqrt(sxx * syy);
};
const olsSlope = (x: number[], y: number[]) => {
  const mx = x.reduce((a, b) => a + b) / x.length;
  const my = y.reduce((a, b) => a + b) / y.length;
  return x.reduce((a, xi, i) => a + (xi - mx) * (y[i] - my), 0) / x.reduce((a, xi) => a + (xi - mx) ** 2, 0);
};

describe("null-corrected stability", () => {
  const refits = cell(5);
  const { stats } = compareCell({ layout, refits, resamples: 50 });

  it("is (S - N) / (1 - N) with N the larger informative null, per layer", () => {
    const layers = stats.estimates!.map((e) => {
      const n = Math.max(e["null.probeShuffled"].value!, e["null.uniform"].value!);
      const c = (e["stability"].value! - n) / (1 - n);
      expect(e["stability.nullCorrected"].value).toBeCloseTo(c, 12);
      return c;
    });
    const c = stats.cellEstimates!;
    expect(c["meanCorrected"].value).toBeCloseTo(layers.reduce((a, b) => a + b) / 3, 12);
    expect(c["gap.corrected"].value).toBeCloseTo(Math.max(...layers) - Math.min(...layers), 12);
    expect(c["midDip.corrected"].value).toBeCloseTo(layers[1] - Math.min(layers[0], layers[2]), 12);
    expect(c["minDepth.corrected"].value).toBeCloseTo((layers.indexOf(Math.min(...layers)) + 1) / 3, 12);
    const s = stats.estimates!.map((e) => e["stability"].value!);
    expect(c["meanStability.anchor"].value).toBeCloseTo(s.reduce((a, b) => a + b) / 3, 12);
  });

  it("is 1 for identical refits, and its intervals hold the value", () => {
    const same = cell(7, 1)[0];
    const copies = [0, 1, 2].map((seed) => ({ ...same, seed, patterns: clonePatterns(same.patterns as PatternArrays) }));
    const e = compareCell({ layout, refits: copies, resamples: 30 }).stats;
    for (const l of e.estimates!) expect(l["stability.nullCorrected"].value).toBeCloseTo(1, 12);
    expect(e.cellEstimates!["gap.corrected"].value).toBeCloseTo(0, 12);
    for (const id of ["meanCorrected", "gap.corrected", "importance.trendAllRefits"]) {
      const { value, lo, hi } = stats.cellEstimates![id];
      if (value === null) continue;
      expect(lo! - 1e-12, id).toBeLessThanOrEqual(hi!);
    }
  });

  it("does not change when every refit's heads are permuted within their layers", () => {
    const permuted = compareCell({ layout, refits: refits.map(reverseHeads), resamples: 50 }).stats;
    for (const id of ["meanCorrected", "gap.corrected", "midDip.corrected", "importance.trendAllRefits", "meanStability.anchor"]) {
      expect(permuted.cellEstimates![id].value, id).toBeCloseTo(stats.cellEstimates![id].value!, 10);
      expect(permuted.cellEstimates![id].lo, id).toBeCloseTo(stats.cellEstimates![id].lo!, 10);
    }
  });
});

describe("importance.trendAllRefits", () => {
  it("averages each refit's trend of its own dPPL against its S(l,h) over every other refit", () => {
    const refits = cell(11);
    const R = refits.length;
    const H = layout.nHeads;
    const prepared = refits.map((r, i) => preparePatterns(layout, r.patterns as PatternArrays, `r${i}`));
    const trends = refits.map((own, a) => {
      const s = (l: number, h: number) => {
        let sum = 0;
        for (let r = 0; r < R; r++) {
          if (r === a) continue;
          let best = -Infinity;
          for (let h2 = 0; h2 < H; h2++) best = Math.max(best, cbar(prepared[a], l * H + h, prepared[r], l * H + h2));
          sum += best;
        }
        return sum / (R - 1);
      };
      const rs = [0, 1, 2].map((l) => pearson([0, 1, 2].map((h) => own.dppl![l * H + h]), [0, 1, 2].map((h) => s(l, h))));
      return olsSlope([1 / 3, 2 / 3, 1], rs);
    });
    const { stats } = compareCell({ layout, refits, resamples: 20 });
    expect(stats.cellEstimates!["importance.trendAllRefits"].value).toBeCloseTo(trends.reduce((x, y) => x + y) / R, 6);
  });

  it("is left out unless every refit was ablated", () => {
    const refits = cell(3).map((r, i) => (i === 2 ? { ...r, dppl: null } : r));
    const { stats } = compareCell({ layout, refits, resamples: 20 });
    expect(stats.cellEstimates!["importance.trendAllRefits"]).toBeUndefined();
    expect(stats.cellEstimates!["importance.trend"]).toBeDefined();
  });
});
