"""An independent GPT-2 in PyTorch, for parity tests against Refit's tfjs model.

Written from the GPT-2 architecture as Hugging Face's transformers defines it (Conv1D weights
stored [in, out], pre-LayerNorm blocks, gelu_new or erf gelu, causal softmax attention scaled by
1/sqrt(d) and, with scale_attn_by_inverse_layer_idx, by 1/(layer + 1); lm_head stored [V, D] or
tied to wte); it reads and writes checkpoints as `model.safetensors` (its own small safetensors
codec, so the format is checked independently too) or `pytorch_model.bin`, plus `config.json`.
An attention-only model is marked by refit_attn_only or activation_function "none_attention_only".

Usage (Debian's python3 with python3-torch and python3-numpy):
  gpt2_torch.py logits <checkpoint_dir> <tokens.json> <out.json>
      tokens.json: a list of token-id lists (each one prompt); writes their logits as nested lists.
  gpt2_torch.py patterns[+logits] <tokens.json> <out.json> <checkpoint_dir>...
      writes {checkpoint_dir: {"attn": [layer][head][K]}}: each head's pattern, per prompt its lower
      triangle incl. the diagonal, row-major, prompts concatenated (the layout of a capture's attn.{l});
      patterns+logits adds "logits": [prompt][T][V].
  gpt2_torch.py export <checkpoint_dir> <spec.json>
      spec.json: {seed, n_layer, n_embd, n_head, n_inner (null = 4*n_embd) or attn_only, vocab_size, n_positions,
      and optionally activation ("gelu_new"), tied (false), scale_attn_by_inverse_layer_idx (false),
      file ("model.safetensors" or "pytorch_model.bin"), prefix (true: "transformer." keys), dtype ("float32")};
      writes a randomly initialised model (every tensor random, biases and LayerNorm included).
"""

import json
import math
import struct
import sys
from pathlib import Path

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64, "U8": np.uint8}


def read_safetensors(path):
    raw = Path(path).read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    header.pop("__metadata__", None)
    data = raw[8 + n :]
    out = {}
    for name, info in header.items():
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(arr.copy())
    return out


def write_safetensors(path, tensors, metadata):
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        blob = tensors[name].detach().cpu().numpy().astype(np.float32).tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    Path(path).write_bytes(struct.pack("<Q", len(text)) + text + b"".join(blobs))


ATTN_ONLY_ACTIVATION = "none_attention_only"


def read_weights(directory):
    """model.safetensors if present, else pytorch_model.bin."""
    directory = Path(directory)
    if (directory / "model.safetensors").exists():
        return read_safetensors(directory / "model.safetensors")
    return torch.load(directory / "pytorch_model.bin", map_location="cpu", weights_only=True)


class GPT2:
    def __init__(self, config, weights):
        self.c = config
        self.w = {k.removeprefix("transformer."): v.double() for k, v in weights.items()}
        self.attn_only = bool(config.get("refit_attn_only", False)) or config.get("activation_function") == ATTN_ONLY_ACTIVATION
        if config.get("tie_word_embeddings", True):
            self.w["lm_head.weight"] = self.w["wte.weight"]

    def layer_norm(self, x, prefix):
        mean = x.mean(-1, keepdim=True)
        var = ((x - mean) ** 2).mean(-1, keepdim=True)
        eps = self.c["layer_norm_epsilon"]
        return (x - mean) / torch.sqrt(var + eps) * self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def conv1d(self, x, prefix):
        return x @ self.w[prefix + ".weight"] + self.w[prefix + ".bias"]

    def act(self, x):
        name = self.c.get("activation_function", "gelu_new")
        if name == "gelu":
            return 0.5 * x * (1.0 + torch.erf(x / math.sqrt(2.0)))
        assert name == "gelu_new", f"activation {name} not implemented here"
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))

    def forward(self, ids):
        """(logits [T, V], patterns [L][H, T, T]) for one prompt."""
        T, D, H = len(ids), self.c["n_embd"], self.c["n_head"]
        d = D // H
        x = self.w["wte.weight"][torch.tensor(ids)] + self.w["wpe.weight"][:T]
        causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
        patterns = []
        for i in range(self.c["n_layer"]):
            h = f"h.{i}"
            qkv = self.conv1d(self.layer_norm(x, h + ".ln_1"), h + ".attn.c_attn")
            q, k, v = (qkv[:, j * D : (j + 1) * D].reshape(T, H, d).transpose(0, 1) for j in range(3))
            scores = q @ k.transpose(1, 2)
            if self.c.get("scale_attn_weights", True):
                scores = scores / math.sqrt(d)
            if self.c.get("scale_attn_by_inverse_layer_idx", False):
                scores = scores / (i + 1)
            pattern = torch.softmax(scores.masked_fill(~causal, float("-inf")), dim=-1)
            patterns.append(pattern)
            z = pattern @ v  # [H, T, d]
            x = x + self.conv1d(z.transpose(0, 1).reshape(T, D), h + ".attn.c_proj")
            if not self.attn_only:
                hidden = self.act(self.conv1d(self.layer_norm(x, h + ".ln_2"), h + ".mlp.c_fc"))
                x = x + self.conv1d(hidden, h + ".mlp.c_proj")
        x = self.layer_norm(x, "ln_f")
        return x @ self.w["lm_head.weight"].T, patterns

    def logits(self, ids):
        return self.forward(ids)[0]


def lower_triangles(per_prompt):
    """[prompt][layer] -> [H, T, T] patterns as [layer][head][K]: lower triangles, prompts concatenated."""
    def triangle(p):  # np.tril_indices walks rows in order, columns in order within a row: row-major
        return p.numpy()[np.tril_indices(p.shape[0])]

    return [
        [np.concatenate([triangle(patterns[l][h]) for patterns in per_prompt]).tolist() for h in range(per_prompt[0][l].shape[0])]
        for l in range(len(per_prompt[0]))
    ]


def export(directory, spec):
    g = torch.Generator().manual_seed(spec["seed"])
    D, V, P = spec["n_embd"], spec["vocab_size"], spec["n_positions"]
    F = spec.get("n_inner") or 4 * D
    tied = spec.get("tied", False)
    rand = lambda *shape: torch.randn(*shape, generator=g) * 0.1
    t = {"transformer.wte.weight": rand(V, D), "transformer.wpe.weight": rand(P, D)}
    if not tied:
        t["lm_head.weight"] = rand(V, D)
    for i in range(spec["n_layer"]):
        h = f"transformer.h.{i}"
        t[h + ".ln_1.weight"], t[h + ".ln_1.bias"] = 1 + rand(D), rand(D)
        # q and k 3x larger than the rest, so that patterns are far from uniform and a wrong head split shows.
        t[h + ".attn.c_attn.weight"], t[h + ".attn.c_attn.bias"] = rand(D, 3 * D) * torch.tensor([3.0] * (2 * D) + [1.0] * D), rand(3 * D)
        t[h + ".attn.c_proj.weight"], t[h + ".attn.c_proj.bias"] = rand(D, D), rand(D)
        if not spec.get("attn_only"):
            t[h + ".ln_2.weight"], t[h + ".ln_2.bias"] = 1 + rand(D), rand(D)
            t[h + ".mlp.c_fc.weight"], t[h + ".mlp.c_fc.bias"] = rand(D, F), rand(F)
            t[h + ".mlp.c_proj.weight"], t[h + ".mlp.c_proj.bias"] = rand(F, D), rand(D)
    t["transformer.ln_f.weight"], t["transformer.ln_f.bias"] = 1 + rand(D), rand(D)
    config = {
        "model_type": "gpt2",
        "architectures": ["GPT2LMHeadModel"],
        "vocab_size": V,
        "n_positions": P,
        "n_ctx": P,
        "n_embd": D,
        "n_layer": spec["n_layer"],
        "n_head": spec["n_head"],
        "n_inner": spec.get("n_inner"),
        "activation_function": ATTN_ONLY_ACTIVATION if spec.get("attn_only") else spec.get("activation", "gelu_new"),
        "layer_norm_epsilon": 1e-5,
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
        "initializer_range": 0.02,
        "tie_word_embeddings": tied,
        "scale_attn_by_inverse_layer_idx": spec.get("scale_attn_by_inverse_layer_idx", False),
        "bos_token_id": V - 1,
        "eos_token_id": V - 1,
        "refit_attn_only": bool(spec.get("attn_only")),
    }
    Path(directory).mkdir(parents=True, exist_ok=True)
    if not spec.get("prefix", True):
        t = {k.removeprefix("transformer."): v for k, v in t.items()}
    if spec.get("file", "model.safetensors") == "pytorch_model.bin":
        dtype = getattr(torch, spec.get("dtype", "float32"))
        prefix = "transformer." if spec.get("prefix", True) else ""
        masks = {f"{prefix}h.{i}.attn.bias": torch.tril(torch.ones(P, P)).view(1, 1, P, P) for i in range(spec["n_layer"])}
        if tied:  # as transformers' save_pretrained writes a .bin: the shared lm_head is saved too
            t["lm_head.weight"] = t[prefix + "wte.weight"]
        torch.save({**{k: v.to(dtype) for k, v in t.items()}, **masks}, Path(directory) / "pytorch_model.bin")
    else:
        write_safetensors(Path(directory) / "model.safetensors", t, {"format": "pt"})
    (Path(directory) / "config.json").write_text(json.dumps(config, indent=2))


def main(argv):
    if argv[1] == "logits":
        directory, tokens_file, out_file = argv[2:5]
        config = json.loads((Path(directory) / "config.json").read_text())
        model = GPT2(config, read_weights(directory))
        prompts = json.loads(Path(tokens_file).read_text())
        with torch.no_grad():
            out = [model.logits(ids).tolist() for ids in prompts]
        Path(out_file).write_text(json.dumps(out))
    elif argv[1] in ("patterns", "patterns+logits"):
        tokens_file, out_file, directories = argv[2], argv[3], argv[4:]
        prompts = json.loads(Path(tokens_file).read_text())
        out = {}
        for directory in directories:
            model = GPT2(json.loads((Path(directory) / "config.json").read_text()), read_weights(directory))
            with torch.no_grad():
                runs = [model.forward(ids) for ids in prompts]
            out[directory] = {"attn": lower_triangles([r[1] for r in runs])}
            if argv[1] == "patterns+logits":
                out[directory]["logits"] = [r[0].tolist() for r in runs]
        Path(out_file).write_text(json.dumps(out))
    elif argv[1] == "export":
        export(argv[2], json.loads(Path(argv[3]).read_text()))
    else:
        sys.exit(f"unknown mode {argv[1]!r}; see the module docstring")


if __name__ == "__main__":
    main(sys.argv)
