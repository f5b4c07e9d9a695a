"""numpy reference of the compare stage's head-similarity work for `npm run bench:compare`.

Reads the synthetic refits bench/compare.ts wrote (raw float32, one file per refit, layers
concatenated, each [H, K]) one layer at a time (memory-mapped), and computes what
compare/pairs.ts computes, with the same definitions (cosine per probe with eps 1e-8, mean over
probes before any max): per layer, cbar between every pair of refits (all-pairs stability), the
anchor's heads of every layer against every refit (the paper's anchor-based stability and its
cross-layer variant), and the anchor against every refit on partner probes of equal length (the
probe-shuffled null). BLAS products over per-probe normalised rows, in float64.

Usage: compare_ref.py <dir> <n_refits> <n_layers> <n_heads> <probe_lengths_csv>
Prints one JSON line: {"seconds", "layerStability", "crossLayerStability", "allPairsStability", "shuffledNull"}.
"""

import json
import sys
import time

import numpy as np

EPS = 1e-8


def partners(lengths):
    """Each probe's partner: the next probe of the same length, cyclically; -1 when it has none."""
    groups = {}
    for p, t in enumerate(lengths):
        groups.setdefault(t, []).append(p)
    out = [-1] * len(lengths)
    for members in groups.values():
        if len(members) > 1:
            for m, p in enumerate(members):
                out[p] = members[(m + 1) % len(members)]
    return out


def main(argv):
    directory, R, L, H = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    lengths = [int(t) for t in argv[5].split(",")]
    bounds = np.cumsum([0] + [t * (t + 1) // 2 for t in lengths])
    K, P = int(bounds[-1]), len(lengths)
    partner = partners(lengths)
    used = [p for p in range(P) if partner[p] >= 0]
    t0 = time.perf_counter()
    files = [np.memmap(f"{directory}/refit-{r}.f32", dtype=np.float32, mode="r", shape=(L, H, K)) for r in range(R)]

    def unit(rows):
        # Rows scaled to unit norm per probe: x·y / max(|x||y|, eps) equals the dot of unit rows
        # whenever |x||y| >= eps, which every attention row satisfies.
        rows = rows.astype(np.float64)
        return rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), np.sqrt(EPS))

    anchor = [unit(files[0][:, :, b:e].reshape(L * H, e - b)) for b, e in zip(bounds[:-1], bounds[1:])]  # per probe, every layer
    cross = np.zeros((L * H, R, L * H))  # anchor head x refit x refit head
    all_pairs, shuffled = np.zeros(L), np.zeros(L)
    for l in range(L):
        gram = np.zeros((R * H, R * H))
        shuf = np.zeros((H, R * H))
        layer = [unit(np.concatenate([files[r][l, :, b:e] for r in range(R)])) for b, e in zip(bounds[:-1], bounds[1:])]
        for p in range(P):
            gram += layer[p] @ layer[p].T
            cross[:, :, l * H:(l + 1) * H] += (anchor[p] @ layer[p].T).reshape(L * H, R, H)
            if partner[p] >= 0:
                shuf += anchor[p][l * H:(l + 1) * H] @ layer[partner[p]].T
        blocks = (gram / P).reshape(R, H, R, H)
        best = blocks.max(axis=3).mean(axis=1)  # [a, r]: mean over heads of a of the max over r's heads
        all_pairs[l] = best[~np.eye(R, dtype=bool)].mean()
        if used:
            shuffled[l] = (shuf / len(used)).reshape(H, R, H).max(axis=2)[:, 1:].mean()
    cross /= P
    same = np.stack([cross[l * H:(l + 1) * H, 1:, l * H:(l + 1) * H].max(axis=2) for l in range(L)])  # [L, H, R-1]
    print(json.dumps({
        "seconds": time.perf_counter() - t0,
        "layerStability": same.mean(axis=(1, 2)).tolist(),
        "crossLayerStability": cross[:, 1:, :].max(axis=2).mean(axis=1).reshape(L, H).mean(axis=1).tolist(),
        "allPairsStability": all_pairs.tolist(),
        "shuffledNull": shuffled.tolist(),
    }))


if __name__ == "__main__":
    main(sys.argv)
