"""Independent numpy/scipy implementations of Refit's compare-stage metrics, for cross-checks.

Reads one JSON fixture on stdin and writes the reference values as JSON on stdout; run by
test/pipeline/compare/crosscheck.test.ts with Debian's /usr/bin/python3 (python3-numpy,
python3-scipy). Written from docs/metrics.md, not from the TypeScript code.
"""
import json
import sys

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.stats import kendalltau, pearsonr


def gram_rbf(x, threshold=1.0):
    g = x @ x.T
    sq = np.diag(g)
    d2 = -2 * g + sq[:, None] + sq[None, :]
    k = np.exp(-d2 / (2 * threshold**2 * np.median(d2)))
    return (k + k.T) / 2


def center(k, unbiased):
    n = k.shape[0]
    if not unbiased:
        h = np.eye(n) - np.ones((n, n)) / n
        return h @ k @ h
    k = k.copy()
    np.fill_diagonal(k, 0)
    col = k.sum(axis=0) / (n - 2)
    col -= col.sum() / (2 * (n - 1))
    k = k - col[:, None] - col[None, :]
    np.fill_diagonal(k, 0)
    return k


def cka(kx, ky, unbiased=False):
    a, b = center(kx, unbiased), center(ky, unbiased)
    return float(np.sum(a * b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def cka_all(x, y):
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    return {
        "rbf": cka(gram_rbf(x), gram_rbf(y)),
        "linear": cka(x @ x.T, y @ y.T),
        "linearDebiased": cka(x @ x.T, y @ y.T, unbiased=True),
    }


def cos(u, v):
    return float(u @ v / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-8))


def stability(fx):
    lengths = fx["probeLengths"]
    L, H = fx["nLayers"], fx["nHeads"]
    bounds = np.cumsum([0] + [t * (t + 1) // 2 for t in lengths])
    # refits[r][l] -> array [H, K]
    refits = [[np.asarray(layer, dtype=np.float64).reshape(H, -1) for layer in r] for r in fx["refits"]]
    R = len(refits)

    def v(r, l, h, p):
        return refits[r][l][h, bounds[p] : bounds[p + 1]]

    def cbar(a, l, h, r, g, probes=None):
        pairs = probes if probes is not None else [(p, p) for p in range(len(lengths))]
        return np.mean([cos(v(a, l, h, p), v(r, l, g, q)) for p, q in pairs])

    # Shuffled partners: next probe of the same length in probe order, cyclically.
    groups = {}
    for p, t in enumerate(lengths):
        groups.setdefault(t, []).append(p)
    shuffled = [(m[i], m[(i + 1) % len(m)]) for m in groups.values() if len(m) > 1 for i in range(len(m))]

    def uniform_cbar(a, l, h):
        out = []
        for p, t in enumerate(lengths):
            tri = np.concatenate([np.full(i + 1, 1.0 / (i + 1)) for i in range(t)])
            out.append(cos(v(a, l, h, p), tri))
        return np.mean(out)

    out = {"anchor": [], "allPairs": [], "hungarian": [], "hungarianAllPairs": [], "shuffled": [], "uniform": [], "commonness": []}
    for l in range(L):
        block = {(a, r): np.array([[cbar(a, l, h, r, g) for g in range(H)] for h in range(H)]) for a in range(R) for r in range(R) if a != r}
        mx = {k: m.max(axis=1).mean() for k, m in block.items()}
        hung = {}
        for k, m in block.items():
            rows, cols = linear_sum_assignment(m, maximize=True)
            hung[k] = m[rows, cols].mean()
        out["anchor"].append(float(np.mean([mx[(0, r)] for r in range(1, R)])))
        out["allPairs"].append(float(np.mean(list(mx.values()))))
        out["hungarian"].append(float(np.mean([hung[(0, r)] for r in range(1, R)])))
        out["hungarianAllPairs"].append(float(np.mean(list(hung.values()))))
        sh = [np.mean([max(cbar(0, l, h, r, g, shuffled) for g in range(H)) for h in range(H)]) for r in range(1, R)]
        out["shuffled"].append(float(np.mean(sh)))
        out["uniform"].append(float(np.mean([uniform_cbar(0, l, h) for h in range(H)])))
        out["commonness"].append(float(np.mean([cbar(0, l, h, 0, g) for h in range(H) for g in range(H)])))
    return out


def main():
    fx = json.load(sys.stdin)
    result = {
        "cka": [cka_all(c["x"], c["y"]) for c in fx["cka"]],
        "hungarian": [],
        "correlation": [],
        "percentile": [list(np.percentile(np.asarray(q), [2.5, 97.5])) for q in fx["percentile"]],
        "stability": stability(fx["stability"]),
    }
    for m in fx["hungarian"]:
        m = np.asarray(m, dtype=np.float64)
        rows, cols = linear_sum_assignment(m, maximize=True)
        result["hungarian"].append(float(m[rows, cols].sum()))
    for c in fx["correlation"]:
        result["correlation"].append({"pearson": float(pearsonr(c["x"], c["y"])[0]), "kendall": float(kendalltau(c["x"], c["y"])[0])})
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
