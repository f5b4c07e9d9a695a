"""numpy's float32 matrix products at Refit's dense shapes, for `bench:train --kernels`: the
reference the kernels are measured against (numpy calls the same OpenBLAS sgemm as PyTorch). Run
it with OPENBLAS_NUM_THREADS=1 for one thread. As in the bench's own timings, operands rotate
through about 64 MB, so they come from L3 or memory rather than L1 and L2.

Usage: sgemm.py SHAPES_JSON   ([[form, m, n, k], ...]; form nn: A[m,k]·B[k,n], nt: A[m,k]·B[n,k]ᵀ,
       tn: A[k,m]ᵀ·B[k,n]) [--calls 5]
Prints one JSON line: {"gflops": [best of the calls, per shape], "blas": "..."}.
"""

import argparse
import json
import time

import numpy as np

import blas_libs

ARENA_BYTES = 64 << 20


def operands(form, m, n, k, rng):
    a = rng.standard_normal((k, m) if form == "tn" else (m, k), dtype=np.float32)
    b = rng.standard_normal((n, k) if form == "nt" else (k, n), dtype=np.float32)
    return (a.T if form == "tn" else a), (b.T if form == "nt" else b), np.empty((m, n), dtype=np.float32)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("shapes")
    p.add_argument("--calls", type=int, default=5)
    a = p.parse_args()
    rng = np.random.default_rng(0)
    gflops = []
    for form, m, n, k in json.loads(a.shapes):
        copies = max(1, ARENA_BYTES // (4 * (m * k + n * k + m * n)))
        sets = [operands(form, m, n, k, rng) for _ in range(copies)]
        best = float("inf")
        for i in range(max(a.calls, copies)):
            x, y, out = sets[i % copies]
            t = time.perf_counter()
            np.matmul(x, y, out=out)
            best = min(best, time.perf_counter() - t)
        gflops.append(2 * m * n * k / best / 1e9)
    print(json.dumps({"gflops": gflops, "blas": "; ".join(blas_libs.describe())}))


if __name__ == "__main__":
    main()
