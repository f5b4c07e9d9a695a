#!/usr/bin/env python3
"""Convert the checkpoints researchers hold into Hugging Face's GPT-2 layout (config.json +
model.safetensors), the layout `refit capture` reads. Needs only torch and numpy: the safetensors
file is written here by hand (8-byte little-endian header length, JSON header, row-major data).

  transformer-lens  a TransformerLens HookedTransformer state dict (torch.save(model.state_dict()):
                    embed.W_E, pos_embed.W_pos, blocks.{l}.attn.W_Q [n_heads, d_model, d_head], ...),
                    with its HookedTransformerConfig as JSON (--config), or embedded as "cfg"/"config"
  pytorch-bin       a Hugging Face GPT-2 directory holding config.json and pytorch_model.bin (or
                    shards listed in pytorch_model.bin.index.json)

Each input is written to OUT/<name> (a file's stem, or a directory's name). Files are read with
torch.load(weights_only=True), so a checkpoint cannot run code. Bad input: one line naming the
file and the problem on stderr, exit status 2.

Usage:
  convert_to_hf.py transformer-lens STATE_DICT... --out OUT [--config TL_CONFIG.json]
                   [--act-fn gelu|gelu_new] [--tokenizer gpt2|bytes] [--drop-unembed-bias]
  convert_to_hf.py pytorch-bin CHECKPOINT_DIR... --out OUT
"""

import argparse
import hashlib
import json
import math
import os
import re
import struct
import sys
from pathlib import Path

try:
    import numpy as np
    import torch
except ImportError as missing:
    sys.exit(f"convert_to_hf.py: needs torch and numpy ({missing}); e.g. Debian's python3-torch and python3-numpy")

# config.json's activation_function for an attention-only model. transformers builds every GPT-2
# block's MLP with ACT2FN[activation_function], so this value makes it refuse the checkpoint
# (KeyError naming it) instead of loading a GPT-2 whose MLPs are silently random.
ATTN_ONLY_ACTIVATION = "none_attention_only"
# TransformerLens act_fn -> Hugging Face activation_function, for the GELUs Refit computes.
ACTIVATIONS = {"gelu": "gelu", "gelu_new": "gelu_new", "gelu_fast": "gelu_new", "gelu_pytorch_tanh": "gelu_new"}
TOKENIZER_BOS = {"gpt2": 50256, "bytes": 256}
GPT2_TOKENIZER_NAMES = {"gpt2", "openai-community/gpt2"}
PREFIX = "transformer."


class ConvertError(Exception):
    """Bad input: printed as one line, exit status 2."""


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def torch_load(path):
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise ConvertError(f"{path}: no such file")
    except Exception as e:  # noqa: BLE001 - any unpickling failure is bad input
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ConvertError(f"{path}: torch.load(weights_only=True) cannot read it ({type(e).__name__}: {first})")


def read_json(path):
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConvertError(f"{path}: no such file")
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ConvertError(f"{path}: not valid JSON ({e})")


def as_array(name, value, source):
    """A tensor as float32 numpy, refusing non-tensors and non-finite values."""
    if not isinstance(value, torch.Tensor):
        raise ConvertError(f"{source}: {name} is a {type(value).__name__}, not a tensor")
    if not value.is_floating_point():
        raise ConvertError(f"{source}: tensor {name} is {value.dtype}, expected a floating-point dtype")
    arr = value.detach().to(torch.float32).cpu().numpy()
    if not np.isfinite(arr).all():
        raise ConvertError(f"{source}: tensor {name} has non-finite values (NaN or Inf)")
    return arr


def take(tensors, name, shape, source):
    """tensors[name] with exactly this shape, removed from `tensors` (what is left over is unexpected)."""
    if name not in tensors:
        raise ConvertError(f"{source}: missing tensor {name} {list(shape)}")
    arr = as_array(name, tensors.pop(name), source)
    if tuple(arr.shape) != tuple(shape):
        raise ConvertError(f"{source}: tensor {name} has shape {list(arr.shape)}, expected {list(shape)}")
    return arr


def refuse_leftovers(tensors, source):
    if tensors:
        names = sorted(tensors)
        more = f" and {len(names) - 3} more" if len(names) > 3 else ""
        raise ConvertError(f"{source}: unexpected tensor(s) {', '.join(names[:3])}{more} for a GPT-2 layout")


def write_safetensors(path, tensors, metadata):
    """F32 tensors, sorted by name, header padded with spaces to 8 bytes; written atomically."""
    header, offset = {"__metadata__": metadata}, 0
    names = sorted(tensors)
    for name in names:
        n = tensors[name].size * 4
        header[name] = {"dtype": "F32", "shape": list(tensors[name].shape), "data_offsets": [offset, offset + n]}
        offset += n
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)

    def write(f):
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for name in names:
            f.write(np.ascontiguousarray(tensors[name], dtype="<f4").tobytes())

    write_atomic(path, write)


def write_atomic(path, write):
    tmp = Path(f"{path}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        write(f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def save_checkpoint(out_dir, tensors, config):
    """model.safetensors first, then config.json, so a directory with a config.json is complete."""
    out_dir.mkdir(parents=True, exist_ok=True)
    write_safetensors(out_dir / "model.safetensors", tensors, {"format": "pt"})
    text = (json.dumps(config, indent=2) + "\n").encode("utf-8")
    write_atomic(out_dir / "config.json", lambda f: f.write(text))


# --- TransformerLens ---------------------------------------------------------------------------


def tl_parts(obj, source):
    """(state dict, embedded config or {}) from what torch.load returned."""
    if not isinstance(obj, dict):
        raise ConvertError(f"{source}: expected a state dict (a dict of tensors), got {type(obj).__name__}")
    for key in ("state_dict", "model_state_dict", "model"):
        if isinstance(obj.get(key), dict):
            cfg = next((obj[k] for k in ("cfg", "config") if isinstance(obj.get(k), dict)), {})
            return dict(obj[key]), dict(cfg)
    return dict(obj), {}


def tl_setting(cfg, key, default):
    value = cfg.get(key)
    return default if value is None else value


def check_tl_config(cfg, n_heads, d_head, source):
    """Refuse TransformerLens options that the GPT-2 layout cannot express; returns normalization_type."""
    required = {
        "positional_embedding_type": "standard",
        "attention_dir": "causal",
        "use_attn_scale": True,
        "gated_mlp": False,
        "parallel_attn_mlp": False,
        "final_rms": False,
        "use_local_attn": False,
        "n_key_value_heads": n_heads,
    }
    for key, want in required.items():
        if cfg.get(key) is not None and cfg[key] != want:
            raise ConvertError(f"{source}: config {key} = {cfg[key]!r}; the GPT-2 layout needs {want!r}")
    norm = tl_setting(cfg, "normalization_type", "LN")
    if norm not in ("LN", "LNPre"):
        raise ConvertError(f"{source}: config normalization_type = {norm!r}; the GPT-2 layout needs LayerNorm ('LN' or 'LNPre')")
    scale = tl_setting(cfg, "attn_scale", math.sqrt(d_head))
    if not math.isclose(scale, math.sqrt(d_head), rel_tol=1e-6):
        raise ConvertError(f"{source}: config attn_scale = {scale}; GPT-2 divides attention scores by sqrt(d_head) = {math.sqrt(d_head):g}")
    if tl_setting(cfg, "attn_scores_soft_cap", -1.0) > 0:
        raise ConvertError(f"{source}: config attn_scores_soft_cap = {cfg['attn_scores_soft_cap']}; the GPT-2 layout has no soft cap")
    return norm


def shape_of(sd, name, rank, source):
    """The shape of a tensor the converter sizes the model from, which must have this rank."""
    if name not in sd:
        raise ConvertError(f"{source}: missing tensor {name}: not a TransformerLens GPT-2-style state dict")
    if not isinstance(sd[name], torch.Tensor) or sd[name].dim() != rank:
        raise ConvertError(f"{source}: {name} is not a {rank}-dimensional tensor")
    return tuple(sd[name].shape)


def convert_transformer_lens(path, args):
    source = str(path)
    sd, embedded = tl_parts(torch_load(path), source)
    given = read_json(args.config) if args.config else {}
    if not isinstance(given, dict):
        raise ConvertError(f"{args.config}: expected a JSON object (TransformerLens config fields)")
    cfg = {**embedded, **given}
    if args.act_fn:
        cfg["act_fn"] = args.act_fn
    for buffer in [k for k in sd if re.fullmatch(r"blocks\.\d+\.attn\.(mask|IGNORE)", k)]:
        del sd[buffer]
    if "pos_embed.W_pos" not in sd:
        raise ConvertError(f"{source}: missing tensor pos_embed.W_pos: the GPT-2 layout needs learned absolute position embeddings")
    V, D = shape_of(sd, "embed.W_E", 2, source)
    P = shape_of(sd, "pos_embed.W_pos", 2, source)[0]
    H, _, d = shape_of(sd, "blocks.0.attn.W_Q", 3, source)
    if H * d != D:
        raise ConvertError(f"{source}: n_heads * d_head = {H} * {d} != d_model {D}; GPT-2 needs d_head = d_model / n_heads")
    L = 1 + max(int(m.group(1)) for k in sd if (m := re.match(r"blocks\.(\d+)\.", k)))
    attn_only = "blocks.0.mlp.W_in" not in sd
    if cfg.get("attn_only") is not None and bool(cfg["attn_only"]) != attn_only:
        raise ConvertError(f"{source}: config attn_only = {cfg['attn_only']} but the state dict {'has no' if attn_only else 'has'} MLP weights")
    F = 0 if attn_only else shape_of(sd, "blocks.0.mlp.W_in", 2, source)[1]
    for key, value in (("n_layers", L), ("d_model", D), ("n_heads", H), ("d_head", d), ("d_vocab", V), ("n_ctx", P), ("d_mlp", F or None)):
        if cfg.get(key) is not None and value is not None and cfg[key] != value:
            raise ConvertError(f"{source}: config {key} = {cfg[key]} but the state dict implies {value}")
    norm = check_tl_config(cfg, H, d, source)
    act = ATTN_ONLY_ACTIVATION
    if not attn_only:
        act_fn = cfg.get("act_fn")
        if act_fn is None:
            raise ConvertError(f"{source}: the MLP's activation is unknown: give --config (TransformerLens config JSON with act_fn) or --act-fn")
        if act_fn not in ACTIVATIONS:
            raise ConvertError(f"{source}: act_fn {act_fn!r} is not supported; Refit computes {', '.join(sorted(ACTIVATIONS))}")
        act = ACTIVATIONS[act_fn]

    ones, zeros = np.ones(D, np.float32), np.zeros(D, np.float32)

    def layer_norm(prefix):
        if norm == "LNPre":  # folded into the next weights: a LayerNorm with unit gain and no bias
            return ones, zeros
        if prefix + ".w" not in sd:
            raise ConvertError(f"{source}: missing tensor {prefix}.w [{D}] (for LayerNorms folded into the weights, give a config with normalization_type 'LNPre')")
        return take(sd, prefix + ".w", [D], source), take(sd, prefix + ".b", [D], source)

    def heads_to_columns(w):  # [H, D, d] -> [D, H*d]: head h owns columns h*d .. (h+1)*d
        return w.transpose(1, 0, 2).reshape(D, H * d)

    out = {PREFIX + "wte.weight": take(sd, "embed.W_E", [V, D], source), PREFIX + "wpe.weight": take(sd, "pos_embed.W_pos", [P, D], source)}
    for l in range(L):
        b, h = f"blocks.{l}", f"{PREFIX}h.{l}"
        out[h + ".ln_1.weight"], out[h + ".ln_1.bias"] = layer_norm(b + ".ln1")
        w = [heads_to_columns(take(sd, f"{b}.attn.W_{x}", [H, D, d], source)) for x in "QKV"]
        bias = [take(sd, f"{b}.attn.b_{x}", [H, d], source).reshape(D) for x in "QKV"]
        out[h + ".attn.c_attn.weight"], out[h + ".attn.c_attn.bias"] = np.concatenate(w, axis=1), np.concatenate(bias)
        out[h + ".attn.c_proj.weight"] = take(sd, f"{b}.attn.W_O", [H, d, D], source).reshape(D, D)
        out[h + ".attn.c_proj.bias"] = take(sd, f"{b}.attn.b_O", [D], source)
        if not attn_only:
            out[h + ".ln_2.weight"], out[h + ".ln_2.bias"] = layer_norm(b + ".ln2")
            out[h + ".mlp.c_fc.weight"], out[h + ".mlp.c_fc.bias"] = take(sd, b + ".mlp.W_in", [D, F], source), take(sd, b + ".mlp.b_in", [F], source)
            out[h + ".mlp.c_proj.weight"], out[h + ".mlp.c_proj.bias"] = take(sd, b + ".mlp.W_out", [F, D], source), take(sd, b + ".mlp.b_out", [D], source)
    out[PREFIX + "ln_f.weight"], out[PREFIX + "ln_f.bias"] = layer_norm("ln_final")
    out["lm_head.weight"] = take(sd, "unembed.W_U", [D, V], source).T.copy()
    if "unembed.b_U" in sd:
        b_u = take(sd, "unembed.b_U", [V], source)
        if np.any(b_u != 0) and not args.drop_unembed_bias:
            raise ConvertError(
                f"{source}: unembed.b_U is not zero and GPT-2's lm_head has no bias; pass --drop-unembed-bias "
                "to drop it (attention patterns and the residual stream do not depend on it; logits and perplexity do)"
            )
    refuse_leftovers(sd, source)

    tokenizer = args.tokenizer or ("gpt2" if cfg.get("tokenizer_name") in GPT2_TOKENIZER_NAMES else None)
    if tokenizer and V <= TOKENIZER_BOS[tokenizer]:
        raise ConvertError(f"{source}: the {tokenizer} tokenizer needs a vocabulary of at least {TOKENIZER_BOS[tokenizer] + 1} tokens; the model has {V}")
    config = {
        "model_type": "gpt2",
        "architectures": ["GPT2LMHeadModel"],
        "vocab_size": V,
        "n_positions": P,
        "n_ctx": P,
        "n_embd": D,
        "n_layer": L,
        "n_head": H,
        "n_inner": F if not attn_only else None,
        "activation_function": act,
        "layer_norm_epsilon": float(tl_setting(cfg, "eps", 1e-5)),
        "resid_pdrop": 0.0,
        "embd_pdrop": 0.0,
        "attn_pdrop": 0.0,
        "initializer_range": 0.02,
        "tie_word_embeddings": False,
        "scale_attn_by_inverse_layer_idx": bool(cfg.get("scale_attn_by_inverse_layer_idx", False)),
        "refit_attn_only": attn_only,
        **({"refit_tokenizer": tokenizer, "bos_token_id": TOKENIZER_BOS[tokenizer], "eos_token_id": TOKENIZER_BOS[tokenizer]} if tokenizer else {}),
        "refit_converted_from": {"format": "transformer-lens", "file": path.name, "sha256": sha256_file(path)},
    }
    return out, config


# --- Hugging Face pytorch_model.bin -----------------------------------------------------------


def bin_files(directory):
    index = directory / "pytorch_model.bin.index.json"
    if index.exists():
        weight_map = read_json(index).get("weight_map")
        if not isinstance(weight_map, dict):
            raise ConvertError(f"{index}: no weight_map")
        return [directory / f for f in sorted(set(weight_map.values()))]
    single = directory / "pytorch_model.bin"
    if not single.exists():
        raise ConvertError(f"{directory}: no pytorch_model.bin (or pytorch_model.bin.index.json)")
    return [single]


def hf_int(config, key, source, fallback=None):
    value = config.get(key, config.get(fallback) if fallback else None)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConvertError(f"{source}: {key} is {value!r}, expected a positive integer")
    return value


def convert_pytorch_bin(path, args):
    directory = path.parent if path.is_file() else path
    config_file = directory / "config.json"
    config = read_json(config_file)
    if not isinstance(config, dict):
        raise ConvertError(f"{config_file}: expected a JSON object")
    if config.get("model_type", "gpt2") != "gpt2":
        raise ConvertError(f"{config_file}: model_type is {config['model_type']!r}; only GPT-2 checkpoints have this layout")
    files = [path] if path.is_file() else bin_files(directory)
    sd, source = {}, str(files[0]) if len(files) == 1 else str(directory)
    for f in files:
        loaded = torch_load(f)
        if not isinstance(loaded, dict):
            raise ConvertError(f"{f}: expected a state dict (a dict of tensors), got {type(loaded).__name__}")
        for key, value in loaded.items():
            name = key[len(PREFIX) :] if key.startswith(PREFIX) else key
            if re.fullmatch(r"h\.\d+\.attn\.(bias|masked_bias)", name):
                continue  # the causal-mask buffers, not parameters
            if name in sd:
                raise ConvertError(f"{f}: tensor {name} appears twice (with and without the {PREFIX!r} prefix, or in two shards)")
            sd[name] = value
    L, D, H, V = (hf_int(config, k, config_file) for k in ("n_layer", "n_embd", "n_head", "vocab_size"))
    P = hf_int(config, "n_positions", config_file, fallback="n_ctx")
    attn_only = config.get("activation_function") == ATTN_ONLY_ACTIVATION or bool(config.get("refit_attn_only"))
    F = config.get("n_inner") or 4 * D
    out = {PREFIX + "wte.weight": take(sd, "wte.weight", [V, D], source), PREFIX + "wpe.weight": take(sd, "wpe.weight", [P, D], source)}
    shapes = [("ln_1.weight", [D]), ("ln_1.bias", [D]), ("attn.c_attn.weight", [D, 3 * D]), ("attn.c_attn.bias", [3 * D])]
    shapes += [("attn.c_proj.weight", [D, D]), ("attn.c_proj.bias", [D])]
    if not attn_only:
        shapes += [("ln_2.weight", [D]), ("ln_2.bias", [D]), ("mlp.c_fc.weight", [D, F]), ("mlp.c_fc.bias", [F])]
        shapes += [("mlp.c_proj.weight", [F, D]), ("mlp.c_proj.bias", [D])]
    for l in range(L):
        for name, shape in shapes:
            out[f"{PREFIX}h.{l}.{name}"] = take(sd, f"h.{l}.{name}", shape, source)
    for name in ("ln_f.weight", "ln_f.bias"):
        out[PREFIX + name] = take(sd, name, [D], source)
    if config.get("tie_word_embeddings", True):
        if "lm_head.weight" in sd and not np.array_equal(take(sd, "lm_head.weight", [V, D], source), out[PREFIX + "wte.weight"]):
            raise ConvertError(f"{source}: lm_head.weight differs from wte.weight, but {config_file} ties them (tie_word_embeddings)")
    else:
        out["lm_head.weight"] = take(sd, "lm_head.weight", [V, D], source)
    refuse_leftovers(sd, source)
    hashes = [{"file": f.name, "sha256": sha256_file(f)} for f in files]
    return out, {**config, "refit_converted_from": {"format": "pytorch-bin", "files": hashes}}


# --- command line -----------------------------------------------------------------------------


def output_name(fmt, path):
    """A state dict file's stem (seed-3.pth -> seed-3); a checkpoint directory's name (or its file's directory's)."""
    if fmt == "transformer-lens":
        return path.stem
    return (path.parent if path.suffix == ".bin" else path).resolve().name


def main(argv):
    """The command line; returns the exit status (argparse exits 2 itself on bad usage)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="format", required=True)
    tl = sub.add_parser("transformer-lens", help="TransformerLens state dict(s) -> HF GPT-2")
    tl.add_argument("inputs", nargs="+", type=Path)
    tl.add_argument("--config", type=Path, help="TransformerLens config as JSON (HookedTransformerConfig fields)")
    tl.add_argument("--act-fn", choices=sorted(ACTIVATIONS), help="the MLP activation, when no config states it")
    tl.add_argument("--tokenizer", choices=sorted(TOKENIZER_BOS), help="recorded as refit_tokenizer (default: gpt2 when the config's tokenizer_name is GPT-2's)")
    tl.add_argument("--drop-unembed-bias", action="store_true", help="drop a non-zero unembed.b_U (GPT-2's lm_head has no bias)")
    tl.add_argument("--out", type=Path, required=True)
    pb = sub.add_parser("pytorch-bin", help="HF GPT-2 pytorch_model.bin directory(ies) -> model.safetensors")
    pb.add_argument("inputs", nargs="+", type=Path)
    pb.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    convert = convert_transformer_lens if args.format == "transformer-lens" else convert_pytorch_bin
    try:
        names = [output_name(args.format, p) for p in args.inputs]
        if len(set(names)) != len(names):
            raise ConvertError(f"two inputs would both be written to {args.out}/{next(n for n in names if names.count(n) > 1)}")
        for path, name in zip(args.inputs, names):
            tensors, config = convert(path, args)
            save_checkpoint(args.out / name, tensors, config)
            print(f"{path} -> {args.out / name} ({sum(t.size for t in tensors.values()):,} parameters)")
    except ConvertError as e:
        print(f"convert_to_hf.py: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
