"""Builds the external checkpoints the converter and `refit capture` tests read, in one process.

Usage (Debian's python3 with python3-torch and python3-numpy):
  make_checkpoints.py <out_dir> <plan.json>
plan.json is a list of items, each written under out_dir:
  {"kind": "transformer-lens", "name": "a.pth", "spec": {...}}    tl_torch.make: a.pth + a.config.json
  {"kind": "hf", "name": "dir", "spec": {...}}                     gpt2_torch.export: dir/config.json + weights
  {"kind": "broken", "name": "x.pth", "from": "a.pth", "op": "drop" | "nan" | "transpose" | "perturb",
   "tensor": "blocks.0.attn.W_O"}                                  a copy of a state dict with one tensor
       dropped, set to NaN at one element, transposed in its last two axes, or changed by 1e-3
       ("from" may name a directory's pytorch_model.bin; "name" then is the new directory, with
       the same config.json)
"""

import json
import shutil
import sys
from pathlib import Path

import torch

import gpt2_torch
import tl_torch


def broken(out, item):
    source = out / item["from"]
    target = out / item["name"]
    if source.is_dir():
        shutil.copytree(source, target, dirs_exist_ok=True)
        source, target = source / "pytorch_model.bin", target / "pytorch_model.bin"
    else:
        shutil.copy(tl_torch.config_path(source), tl_torch.config_path(target))
    sd = torch.load(source, map_location="cpu", weights_only=True)
    name, op = item["tensor"], item["op"]
    if op == "drop":
        del sd[name]
    elif op == "nan":
        sd[name] = sd[name].clone()
        sd[name].view(-1)[0] = float("nan")
    elif op == "transpose":
        sd[name] = sd[name].transpose(-1, -2).contiguous()
    elif op == "perturb":
        sd[name] = sd[name] + 1e-3
    else:
        sys.exit(f"unknown op {op!r}")
    torch.save(sd, target)


def main(out, plan):
    for item in plan:
        (out / item["name"]).parent.mkdir(parents=True, exist_ok=True)
        if item["kind"] == "transformer-lens":
            tl_torch.make(out / item["name"], item["spec"])
        elif item["kind"] == "hf":
            gpt2_torch.export(out / item["name"], item["spec"])
        elif item["kind"] == "broken":
            broken(out, item)
        else:
            sys.exit(f"unknown kind {item['kind']!r}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), json.loads(Path(sys.argv[2]).read_text()))
