"""numpy reference of the paper's head stability for `npm run bench:compare`.

Reads the synthetic refits bench/compare.ts wrote (raw float32, one file per refit, layers
concatenated, each [H, K]) and computes, like compare/: cbar over all (layer, head) pairs of the
anchor against each refit (cosine per probe with eps 1e-8, mean over probes first), then the
same-layer max, the cross-layer max, and their means over refits. Refits are streamed one at a time.

Usage: compare_ref.py <dir> <n_refits> <n_layers> <n_heads> <probe_lengths_csv>
Prints one JSON line: {"seconds", "layerStability", "crossLayerStability"}.
"""

import json
import sys
import time

import numpy as np

EPS = 1e-8


def load(path, L, H, K):
    return np.fromfile(path, dtype=np.float32).reshape(L * H, K)


def main(argv):
    directory, R, L, H = argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    lengths = [int(t) for t in argv[5].split(",")]
    bounds = np.cumsum([0] + [t * (t + 1) // 2 for t in lengths])
    K = int(bounds[-1])
    t0 = time.perf_counter()

    def segments(x):
        # per probe: the rows of x on that probe's triangle (float64), and their norms
        return [(x[:, b:e].astype(np.float64), np.linalg.norm(x[:, b:e].astype(np.float64), axis=1)) for b, e in zip(bounds[:-1], bounds[1:])]

    anchor = segments(load(f"{directory}/refit-0.f32", L, H, K))
    same, cross = np.zeros(L * H), np.zeros(L * H)
    for r in range(1, R):
        other = segments(load(f"{directory}/refit-{r}.f32", L, H, K))
        cbar = np.zeros((L * H, L * H))
        for (a, na), (o, no) in zip(anchor, other):
            cbar += (a @ o.T) / np.maximum(np.outer(na, no), EPS)
        cbar /= len(lengths)
        blocks = cbar.reshape(L, H, L, H)
        same += np.stack([blocks[l, :, l, :].max(axis=1) for l in range(L)]).reshape(-1)
        cross += cbar.max(axis=1)
    same, cross = same / (R - 1), cross / (R - 1)
    print(json.dumps({
        "seconds": time.perf_counter() - t0,
        "layerStability": same.reshape(L, H).mean(axis=1).tolist(),
        "crossLayerStability": cross.reshape(L, H).mean(axis=1).tolist(),
    }))


if __name__ == "__main__":
    main(sys.argv)
