"""PyTorch reference trainer for `npm run bench:train`: the same GPT (pre-LN, causal attention,
gelu_new MLP, untied head), AdamW with decay on matrices only, and batches sampled like Refit's
(BOS + a window of the Brown byte stream), so tokens/s can be compared in one run.

Usage: torch_train.py --stream FILE.i32 --steps N --warmup W --threads T
       [--layers 2 --d-model 128 --heads 4 --ctx 64 --batch 16 --vocab 257]
Prints one JSON line: {"tokensPerSecond", "msPerStep", "peakRssMB", "threads", "blasThreads", "torch"}.
Run it with OPENBLAS_NUM_THREADS equal to --threads: torch.set_num_threads does not reach
Debian's pthreads OpenBLAS, whose thread count blasThreads reports.
       torch_train.py --describe
Prints {"torch", "blas"}: which BLAS library and kernel a matrix product here runs.
"""

import argparse
import json
import math
import re
import resource
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

import blas_libs


class Block(nn.Module):
    def __init__(self, d, h):
        super().__init__()
        self.h = h
        self.ln_1, self.ln_2 = nn.LayerNorm(d, eps=1e-5), nn.LayerNorm(d, eps=1e-5)
        self.c_attn, self.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        self.c_fc, self.mlp_proj = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(D, dim=2)
        q, k, v = (t.view(B, T, self.h, D // self.h).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D // self.h)
        mask = torch.ones(T, T, dtype=torch.bool).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        x = x + self.c_proj((att @ v).transpose(1, 2).reshape(B, T, D))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, vocab, ctx, d, h, layers):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(ctx, d)
        self.blocks = nn.ModuleList(Block(d, h) for _ in range(layers))
        self.ln_f, self.head = nn.LayerNorm(d, eps=1e-5), nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln_f(x))


def blas():
    """The BLAS behind torch's CPU products (blas_libs.py) and the CPU capability and BLAS of
    torch's build."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # loads the BLAS if it loads lazily
    config = torch.__config__.show()
    capability = re.search(r"CPU capability usage: (\w+)", config)
    build = re.search(r"BLAS_INFO=(\w+)", config)
    return "; ".join([
        *blas_libs.describe(),
        f"torch built with BLAS_INFO={build.group(1) if build else '?'}, CPU capability {capability.group(1) if capability else '?'}",
    ])


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--describe", action="store_true")
    p.add_argument("--stream")
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--d-model", type=int, default=128)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ctx", type=int, default=64)
    p.add_argument("--batch", type=int, default=16)
    p.add_argument("--vocab", type=int, default=257)
    a = p.parse_args()
    if a.describe:
        print(json.dumps({"torch": torch.__version__, "blas": blas()}))
        return
    if a.stream is None:
        p.error("--stream is required")
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    stream = torch.from_numpy(np.fromfile(a.stream, dtype=np.int32).astype(np.int64))
    model = GPT(a.vocab, a.ctx, a.d_model, a.heads, a.layers)
    decay = [q for q in model.parameters() if q.dim() >= 2]
    rest = [q for q in model.parameters() if q.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": rest, "weight_decay": 0.0}], lr=1e-3)
    g = torch.Generator().manual_seed(0)
    bos = a.vocab - 1

    def batch():
        starts = torch.randint(0, len(stream) - a.ctx, (a.batch,), generator=g)
        rows = torch.stack([stream[s : s + a.ctx] for s in starts])
        return torch.cat([torch.full((a.batch, 1), bos), rows[:, :-1]], dim=1), rows

    for step in range(a.warmup + a.steps):
        if step == a.warmup:
            t0 = time.perf_counter()
        x, y = batch()
        loss = F.cross_entropy(model(x).view(-1, a.vocab), y.view(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    seconds = time.perf_counter() - t0
    print(json.dumps({
        "tokensPerSecond": a.steps * a.batch * a.ctx / seconds,
        "msPerStep": 1000 * seconds / a.steps,
        "peakRssMB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "threads": a.threads,
        "blasThreads": blas_libs.openblas_threads(),
        "torch": torch.__version__,
        "finalLoss": loss.item(),
    }))


if __name__ == "__main__":
    main()
