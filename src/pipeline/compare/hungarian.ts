// One-to-one head matching (docs/metrics.md "Beyond the paper"): the Hungarian algorithm
// (Kuhn-Munkres with row/column potentials and shortest augmenting paths, O(n^3)) picks the
// assignment of anchor heads to refit heads that maximizes the summed cbar, where the paper's
// many-to-one max lets several anchor heads claim the same refit head.

const errors = {
  size: (got: number, n: number) => `hungarian: matrix has ${got} values, expected ${n} x ${n}`,
  nonFinite: (i: number) => `hungarian: entry ${i} is not a finite number`,
} as const;

/**
 * The assignment maximizing sum_i score[i * n + assignment[i]] over permutations; score is a
 * row-major [n, n] matrix. Ties are broken deterministically (the scan order below).
 */
export function maxAssignment(score: ArrayLike<number>, n: number): Int32Array {
  if (score.length !== n * n) throw new Error(errors.size(score.length, n));
  for (let i = 0; i < score.length; i++) if (!Number.isFinite(score[i])) throw new Error(errors.nonFinite(i));
  // Minimize cost = -score. Rows and columns are 1-based below; index 0 is the virtual start column.
  const cost = (i: number, j: number) => -score[(i - 1) * n + (j - 1)];
  const u = new Float64Array(n + 1); // row potentials
  const v = new Float64Array(n + 1); // column potentials
  const rowOf = new Int32Array(n + 1); // rowOf[j]: row assigned to column j (0 = none)
  const way = new Int32Array(n + 1); // previous column on the shortest path
  for (let i = 1; i <= n; i++) {
    rowOf[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(Infinity);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = rowOf[j0];
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const reduced = cost(i0, j) - u[i0] - v[j];
        if (reduced < minv[j]) {
          minv[j] = reduced;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[rowOf[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (rowOf[j0] !== 0);
    // Flip the augmenting path back to the start column.
    do {
      const j1 = way[j0];
      rowOf[j0] = rowOf[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Int32Array(n);
  for (let j = 1; j <= n; j++) assignment[rowOf[j] - 1] = j - 1;
  return assignment;
}

/** Per row of an n x n cbar block (one layer, anchor heads by refit heads), its cbar to the head the one-to-one matching gives it. */
export function matchedValues(block: Float64Array, n: number): Float64Array {
  const assignment = maxAssignment(block, n);
  return Float64Array.from({ length: n }, (_, h) => block[h * n + assignment[h]]);
}
