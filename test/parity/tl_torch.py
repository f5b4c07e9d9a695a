"""A GPT-2-style model in TransformerLens's parameterisation, in PyTorch, for testing the converters.

Weights are named and shaped as a HookedTransformer's state dict: embed.W_E [V, D],
pos_embed.W_pos [P, D], blocks.{l}.ln1.w / .b, blocks.{l}.attn.W_Q / W_K / W_V [H, D, d],
b_Q / b_K / b_V [H, d], W_O [H, d, D], b_O [D], blocks.{l}.ln2.w / .b, blocks.{l}.mlp.W_in [D, F],
b_in, W_out [F, D], b_out, ln_final.w / .b, unembed.W_U [D, V], unembed.b_U [V]. The forward pass
is written per head with einsum, as TransformerLens computes it, and never goes through the
Hugging Face layout, so it checks a conversion independently.

make(file, spec) writes a random model (make_checkpoints.py calls it), with spec {seed, n_layers,
d_model, n_heads, d_mlp (0 = attention-only), d_vocab, n_ctx, act_fn, normalization_type ("LN" or
"LNPre"), scale_attn_by_inverse_layer_idx, tokenizer_name, unembed_bias (bool), embed_config (bool:
save {"state_dict": ..., "cfg": ...} instead of the bare state dict)}, and its TransformerLens config
beside it as <file stem>.config.json.

Usage (Debian's python3 with python3-torch and python3-numpy):
  tl_torch.py patterns[+logits] <tokens.json> <out.json> <file.pth>...
      writes {file: {"attn": [layer][head][K]}} (and "logits"), as gpt2_torch.py does.
"""

import json
import math
import sys
from pathlib import Path

import torch

from gpt2_torch import lower_triangles


def config_path(file):
    return Path(file).with_suffix(".config.json")


def make(file, spec):
    g = torch.Generator().manual_seed(spec["seed"])
    D, H, V, P, F, L = spec["d_model"], spec["n_heads"], spec["d_vocab"], spec["n_ctx"], spec["d_mlp"], spec["n_layers"]
    d = D // H
    rand = lambda *shape, std=0.1: torch.randn(*shape, generator=g) * std
    sd = {"embed.W_E": rand(V, D), "pos_embed.W_pos": rand(P, D)}
    ln = spec.get("normalization_type", "LN") == "LN"
    for l in range(L):
        b = f"blocks.{l}"
        if ln:
            sd[b + ".ln1.w"], sd[b + ".ln1.b"] = 1 + rand(D), rand(D)
        for x in "QK":  # larger, so that patterns are far from uniform and a wrong head split shows
            sd[f"{b}.attn.W_{x}"], sd[f"{b}.attn.b_{x}"] = rand(H, D, d, std=0.3), rand(H, d)
        sd[b + ".attn.W_V"], sd[b + ".attn.b_V"] = rand(H, D, d), rand(H, d)
        sd[b + ".attn.W_O"], sd[b + ".attn.b_O"] = rand(H, d, D), rand(D)
        sd[b + ".attn.mask"] = torch.tril(torch.ones(P, P, dtype=torch.bool))
        sd[b + ".attn.IGNORE"] = torch.tensor(-1e5)
        if F:
            if ln:
                sd[b + ".ln2.w"], sd[b + ".ln2.b"] = 1 + rand(D), rand(D)
            sd[b + ".mlp.W_in"], sd[b + ".mlp.b_in"] = rand(D, F), rand(F)
            sd[b + ".mlp.W_out"], sd[b + ".mlp.b_out"] = rand(F, D), rand(D)
    if ln:
        sd["ln_final.w"], sd["ln_final.b"] = 1 + rand(D), rand(D)
    sd["unembed.W_U"] = rand(D, V)
    sd["unembed.b_U"] = rand(V) if spec.get("unembed_bias") else torch.zeros(V)
    cfg = {
        "n_layers": L,
        "d_model": D,
        "n_heads": H,
        "d_head": d,
        "d_mlp": F or None,
        "d_vocab": V,
        "n_ctx": P,
        "act_fn": spec.get("act_fn"),
        "attn_only": F == 0,
        "normalization_type": spec.get("normalization_type", "LN"),
        "positional_embedding_type": "standard",
        "eps": 1e-5,
        "scale_attn_by_inverse_layer_idx": spec.get("scale_attn_by_inverse_layer_idx", False),
        "tokenizer_name": spec.get("tokenizer_name"),
    }
    # torch 1.13's weights_only loader cannot read Python floats, so an embedded config leaves out eps.
    embedded = {k: v for k, v in cfg.items() if not isinstance(v, float)}
    torch.save({"state_dict": sd, "cfg": embedded} if spec.get("embed_config") else sd, file)
    config_path(file).write_text(json.dumps(cfg, indent=2))


def gelu(x, act_fn):
    if act_fn == "gelu":
        return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x**3)))


def forward(w, cfg, ids):
    """(logits [T, V], patterns [L][H, T, T]) for one prompt, in TransformerLens's terms."""
    T = len(ids)

    def norm(x, prefix):
        x = x - x.mean(-1, keepdim=True)
        x = x / torch.sqrt(x.pow(2).mean(-1, keepdim=True) + cfg["eps"])
        return x * w[prefix + ".w"] + w[prefix + ".b"] if prefix + ".w" in w else x

    resid = w["embed.W_E"][torch.tensor(ids)] + w["pos_embed.W_pos"][:T]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    patterns = []
    for l in range(cfg["n_layers"]):
        b = f"blocks.{l}.attn"
        x = norm(resid, f"blocks.{l}.ln1")
        q, k, v = (torch.einsum("td,hde->hte", x, w[f"{b}.W_{n}"]) + w[f"{b}.b_{n}"][:, None, :] for n in "QKV")
        scores = torch.einsum("hqe,hke->hqk", q, k) / math.sqrt(cfg["d_head"])
        if cfg.get("scale_attn_by_inverse_layer_idx"):
            scores = scores / (l + 1)
        pattern = torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)
        patterns.append(pattern)
        z = torch.einsum("hqk,hke->hqe", pattern, v)
        resid = resid + torch.einsum("hte,hed->td", z, w[f"{b}.W_O"]) + w[f"{b}.b_O"]
        if not cfg["attn_only"]:
            m = f"blocks.{l}.mlp"
            hidden = gelu(norm(resid, f"blocks.{l}.ln2") @ w[m + ".W_in"] + w[m + ".b_in"], cfg["act_fn"])
            resid = resid + hidden @ w[m + ".W_out"] + w[m + ".b_out"]
    return norm(resid, "ln_final") @ w["unembed.W_U"] + w["unembed.b_U"], patterns


def main(argv):
    if argv[1] in ("patterns", "patterns+logits"):
        tokens_file, out_file, files = argv[2], argv[3], argv[4:]
        prompts = json.loads(Path(tokens_file).read_text())
        out = {}
        for file in files:
            loaded = torch.load(file, map_location="cpu", weights_only=True)
            w = {k: v.double() for k, v in loaded.get("state_dict", loaded).items() if v.is_floating_point()}
            cfg = json.loads(config_path(file).read_text())
            with torch.no_grad():
                runs = [forward(w, cfg, ids) for ids in prompts]
            out[file] = {"attn": lower_triangles([r[1] for r in runs])}
            if argv[1] == "patterns+logits":
                out[file]["logits"] = [r[0].tolist() for r in runs]
        Path(out_file).write_text(json.dumps(out))
    else:
        sys.exit(f"unknown mode {argv[1]!r}; see the module docstring")


if __name__ == "__main__":
    main(sys.argv)
