// The float64 Gram kernel (src/pipeline/kernels/gram.wat) against a plain triple loop, on sizes
// that hit the four-row tiles, the leftover rows and an odd feature count.
import { describe, expect, it } from "vitest";
import { gram } from "../../../src/pipeline/kernels/gram.ts";
import { mulberry32 } from "../compare/helpers.ts";

describe("gram kernel", () => {
  for (const [n, d] of [[1, 1], [7, 5], [13, 32], [9, 3]]) {
    it(`equals X Xᵀ to float64 rounding and is exactly symmetric (n = ${n}, d = ${d})`, () => {
      const rng = mulberry32(n * 100 + d);
      const x = Float64Array.from({ length: n * d }, () => rng() - 0.5);
      const g = gram(x, n, d);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let want = 0;
          for (let k = 0; k < d; k++) want += x[i * d + k] * x[j * d + k];
          expect(Math.abs(g[i * n + j] - want)).toBeLessThan(1e-14);
          expect(g[i * n + j]).toBe(g[j * n + i]);
        }
      }
    });
  }
});
