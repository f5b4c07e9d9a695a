// Cross-check of the compare stage against an independent numpy/scipy implementation
// (test/reference/compare_reference.py; scipy's linear_sum_assignment for Hungarian) on random
// fixtures: every value must agree within 1e-6. Skips without python3-numpy / python3-scipy.
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { quantile } from "../../../src/pipeline/compare/bootstrap.ts";
import { KERNELS, cka } from "../../../src/pipeline/compare/cka.ts";
import { kendallTau, pearson } from "../../../src/pipeline/compare/correlation.ts";
import { maxAssignment } from "../../../src/pipeline/compare/hungarian.ts";
import { compareCell } from "../../../src/pipeline/compare/index.ts";
import type { PatternLayout } from "../../../src/pipeline/compare/patterns.ts";
import { DEBIAN_PYTHON, missingPythonModules, skipUnless } from "../../helpers/requires.ts";
import { mulberry32, randomPatterns } from "./helpers.ts";

const SCRIPT = new URL("../../reference/compare_reference.py", import.meta.url).pathname;
const TOLERANCE = 1e-6;

const rng = mulberry32(2602);
const matrix = (n: number, d: number, f = rng) => Array.from({ length: n }, () => Array.from({ length: d }, () => f() * 2 - 1));
// Residual-like: a few duplicated rows (as BOS rows are across probes), so distances of 0 occur off the diagonal.
const withDuplicates = (rows: number[][]) => rows.map((r, i) => (i % 7 === 3 ? rows[0] : r));
const ckaFixtures = [
  { x: matrix(30, 5), y: matrix(30, 9) },
  { x: withDuplicates(matrix(40, 8)), y: withDuplicates(matrix(40, 8)) },
  { x: matrix(25, 3), y: matrix(25, 3).map((r) => r.map((v) => v * 10)) },
];
const hungarianFixtures = [3, 5, 8].map((n) => matrix(n, n));
const correlationFixtures = [8, 12].map((n) => ({
  x: Array.from({ length: n }, () => Math.round(rng() * 5)), // ties on purpose
  y: Array.from({ length: n }, () => rng()),
}));
const percentileFixtures = [Array.from({ length: 1000 }, () => rng()), Array.from({ length: 37 }, () => rng() ** 2)];
const layout: PatternLayout = { nLayers: 2, nHeads: 3, probeLengths: [3, 4, 3, 5, 4, 3] };
const refits = Array.from({ length: 4 }, () => randomPatterns(layout, rng));

const act = (rows: number[][]) => ({ data: rows.flat(), n: rows.length, d: rows[0].length });

describe.skipIf(skipUnless(missingPythonModules({ numpy: "python3-numpy", scipy: "python3-scipy" })))("compare stage vs numpy/scipy", () => {
  const fixture = {
    cka: ckaFixtures,
    hungarian: hungarianFixtures,
    correlation: correlationFixtures,
    percentile: percentileFixtures,
    stability: { ...layout, refits: refits.map((r) => r.attn.map((a) => Array.from(a))) },
  };
  const proc = spawnSync(DEBIAN_PYTHON, [SCRIPT], { input: JSON.stringify(fixture), encoding: "utf8", maxBuffer: 1 << 26 });
  const ref = proc.status === 0 ? JSON.parse(proc.stdout) : null;
  const diffs: Record<string, number> = {};
  const check = (name: string, got: number, want: number) => {
    diffs[name] = Math.max(diffs[name] ?? 0, Math.abs(got - want));
    expect(Math.abs(got - want), `${name}: ${got} vs ${want}`).toBeLessThan(TOLERANCE);
  };

  it("runs the reference script", () => {
    expect(proc.stderr).toBe("");
    expect(ref).not.toBeNull();
  });

  it("agrees on RBF, linear and debiased CKA", () => {
    ckaFixtures.forEach(({ x, y }, i) => {
      for (const kernel of KERNELS) check(`cka.${kernel}`, cka(act(x), act(y), kernel), ref.cka[i][kernel]);
    });
  });

  it("agrees with scipy's linear_sum_assignment on the best total", () => {
    hungarianFixtures.forEach((m, i) => {
      const a = maxAssignment(m.flat(), m.length);
      check("hungarian", m.reduce((s, row, r) => s + row[a[r]], 0), ref.hungarian[i]);
    });
  });

  it("agrees with scipy's pearsonr and kendalltau (tau-b, ties included)", () => {
    correlationFixtures.forEach(({ x, y }, i) => {
      check("pearson", pearson(x, y), ref.correlation[i].pearson);
      check("kendall", kendallTau(x, y), ref.correlation[i].kendall);
    });
  });

  it("agrees with numpy.percentile (linear interpolation)", () => {
    percentileFixtures.forEach((values, i) => {
      check("percentile", quantile(values, 0.025), ref.percentile[i][0]);
      check("percentile", quantile(values, 0.975), ref.percentile[i][1]);
    });
  });

  it("agrees on anchor, all-pairs and one-to-one stability, commonness and the nulls", () => {
    const { stats } = compareCell({ layout, refits: refits.map((patterns, seed) => ({ seed, patterns })), resamples: 20 });
    const pairs = [
      ["stability", "anchor"],
      ["stability.allPairs", "allPairs"],
      ["stability.hungarian", "hungarian"],
      ["stability.hungarianAllPairs", "hungarianAllPairs"],
      ["null.probeShuffled", "shuffled"],
      ["null.uniform", "uniform"],
      ["commonness", "commonness"],
    ] as const;
    stats.estimates!.forEach((e, l) => {
      for (const [id, key] of pairs) check(id, e[id].value!, ref.stability[key][l]);
    });
    console.log(`numpy/scipy cross-check, max abs differences: ${JSON.stringify(diffs)}`);
  });
});
