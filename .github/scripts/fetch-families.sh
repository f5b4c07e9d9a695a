#!/usr/bin/env bash
# The nightly's only download of model weights: every Hub model that the given suites' `models`
# name (.github/scripts/hub-models.ts), fetched at its revision into <hub-dir>/<owner>/<name> in
# Hugging Face's GPT-2 layout, where `refit run --hub-dir` looks for it (Refit downloads nothing).
# A model without model.safetensors (Stanford CRFM's GPT-2s ship pytorch_model.bin) is converted by
# bin/convert_to_hf.py, which needs a python3 with torch and numpy ($PYTHON, default python3).
# HF_ENDPOINT names another hub (the tests use a local stand-in).
# Usage: bash .github/scripts/fetch-families.sh <hub-dir> <suite.yaml...>
set -euo pipefail

hub_dir=$1
shift
endpoint=${HF_ENDPOINT:-https://huggingface.co}
here=$(dirname "$0")
fetch() { curl --fail --silent --show-error --location --retry 3 --output "$2" "$1"; }

# Listed first, so a suite that does not load stops the script before any download.
models=$(node "$here/hub-models.ts" "$@")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

while read -r id revision; do
  [ -n "$id" ] || continue
  name=${id#*/}
  dest="$hub_dir/$id"
  base="$endpoint/$id/resolve/$revision"
  mkdir -p "$stage/$name" "$dest"
  fetch "$base/config.json" "$stage/$name/config.json"
  if fetch "$base/model.safetensors" "$stage/$name/model.safetensors" 2>/dev/null; then
    mv "$stage/$name/config.json" "$stage/$name/model.safetensors" "$dest/"
    echo "$id@$revision: model.safetensors in $dest"
  else
    fetch "$base/pytorch_model.bin" "$stage/$name/pytorch_model.bin"
    "${PYTHON:-python3}" "$here/../../bin/convert_to_hf.py" pytorch-bin "$stage/$name" --out "$(dirname "$dest")"
    echo "$id@$revision: pytorch_model.bin converted into $dest"
  fi
  rm -rf "${stage:?}/$name"
done <<< "$models"
