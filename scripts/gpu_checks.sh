#!/usr/bin/env bash
# The GPU figures of docs/gpu.md, in one run on a machine with an NVIDIA GPU and torch and jax
# built for CUDA (nothing is installed; run from the checkout). Each step has its own time limit
# so that one slow step cannot take the others with it; every output lands in $OUT (default
# ./gpu-out). Run: OUT=gpu-out bash scripts/gpu_checks.sh
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-gpu-out}
mkdir -p "$OUT"
export CI=true  # the derandomised hypothesis profile, as in CI
export XLA_PYTHON_CLIENT_PREALLOCATE=false  # JAX beside torch in one process: no 75% grab

step() {  # step NAME LIMIT_S COMMAND...: stdout and stderr to $OUT/NAME.txt, then its wall time
  local name=$1 limit=$2
  shift 2
  local start=$SECONDS
  timeout "$limit" "$@" >"$OUT/$name.txt" 2>&1
  echo "$name: exit $? in $((SECONDS - start)) s" | tee -a "$OUT/steps.txt"
}

step gpu 20 nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv
step versions 40 python3 -c "import torch, jax, numpy; print('torch', torch.__version__, 'cuda', torch.version.cuda, torch.cuda.get_device_name(0)); print('jax', jax.__version__, jax.devices()); print('numpy', numpy.__version__)"
# compare: torch and jax on the GPU and on the CPU, every mode but torch.compile (its CUDA
# compilation takes minutes, more than this run can spend) and no TensorFlow (its eager
# training alone would); the device check proves where the arrays lived.
step compare 120 python3 -m nn_crosscheck compare --frameworks numpy,torch,jax --modes eager,jit,nojit --json "$OUT/compare.json"
# The TF32 trap: the same checks with allow_tf32 off (pinned) and on.
step tf32 60 python3 scripts/tf32_trap.py --device cuda
# The suite's CUDA rows (forward, gradients, oracle, training, mapping, saturation, ...).
step pytest-cuda 150 python3 -m pytest -q -p no:cacheprovider -k "cuda and not compile and not tensorflow"
# Sweep throughput on the GPU, then the same on the CPU for scale.
step sweep-cuda 90 python3 -m nn_crosscheck sweep --frameworks torch,jax --devices cuda --seeds 20000 --json "$OUT/sweep-cuda.json" --quiet
echo "total: $SECONDS s" | tee -a "$OUT/steps.txt"
