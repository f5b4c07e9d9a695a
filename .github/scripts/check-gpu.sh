#!/usr/bin/env bash
# Checks, before a shard trains for hours, that this runner can train on its GPU: an NVIDIA driver
# that lists a GPU, the CUDA runtime and cuDNN that @tensorflow/tfjs-node-gpu 4.22's libtensorflow
# (TensorFlow 2.9: CUDA 11.2, cuDNN 8.1) loads, and a TensorFlow op that actually lands on the GPU.
# libtensorflow falls back to the CPU without an error when a library is missing, so only the last
# check proves anything; the others say what to install. Run from the repository root, after npm ci
# and the tfjs-node-gpu install. Exit 1 with a ::error line naming what is missing.
set -euo pipefail

fail() {
  echo "::error title=GPU runner not usable::$1" >&2
  exit 1
}

command -v nvidia-smi >/dev/null || fail "nvidia-smi not found: this runner has no NVIDIA driver"
gpus=$(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader) || fail "nvidia-smi cannot reach the driver"
[ -n "$gpus" ] || fail "nvidia-smi lists no GPU"
echo "GPU(s): $gpus"

# Where the dynamic loader looks: its cache, then LD_LIBRARY_PATH. (grep reads all of ldconfig's
# output: with -q it would stop early, and pipefail would count ldconfig's SIGPIPE as a failure.)
has_library() {
  ldconfig -p 2>/dev/null | grep -F "$1" >/dev/null && return 0
  local dir
  IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"
  for dir in "${dirs[@]}"; do
    [ -n "$dir" ] && [ -e "$dir/$1" ] && return 0
  done
  return 1
}
for lib in libcudart.so.11.0 libcudnn.so.8; do
  has_library "$lib" || fail "$lib not found by the dynamic loader: libtensorflow 2.9 needs CUDA 11.2 and cuDNN 8.1 (add their lib folder to LD_LIBRARY_PATH or the ldconfig cache)"
done

# TensorFlow logs each device it creates at log level 0; a CPU fallback creates no GPU device.
log=$(TF_CPP_MIN_LOG_LEVEL=0 node -e '
  const tf = require("@tensorflow/tfjs-node-gpu");
  const x = tf.randomNormal([256, 256]);
  tf.matMul(x, x).dataSync();
  console.log(`tfjs ${tf.version.tfjs}, backend ${tf.getBackend()}`);
' 2>&1) || fail "@tensorflow/tfjs-node-gpu did not load or run: $(tail -n 3 <<< "$log" | tr '\n' ' ')"
grep -q "device:GPU:0" <<< "$log" || fail "TensorFlow ran on the CPU, not the GPU: $(grep -iE 'could not load|cannot dlopen|skipping registering' <<< "$log" | head -n 3 | tr '\n' ' ')"
grep -E "Created device .*GPU|^tfjs " <<< "$log"
