#!/usr/bin/env bash
# Writer on a CUDA GPU, in one prepared run (about 2–4 minutes on an H200): the transformers
# backend in bfloat16 decoding with the dynamic KV cache, a static one, and the static one
# with its step compiled into CUDA graphs (writer_app/engine/cuda_decode.py), plus the
# next-token pane's latency; prints the table (and writes it as JSON to $OUT if set).
#
#   benchmarks/gpu_check.sh [benchmarks.gpu.bench options]      from any folder
#
# Made for a bare GPU machine that downloads nothing: it needs only python3 with a CUDA
# build of torch, transformers and tokenizers (the machine's own). The model is the built-in
# model's architecture with random weights (benchmarks/gpu/bench.py says why). Writer pins
# transformers 5.24; the script also ran (on a CPU, --tiny) with 5.17, the GPU image's last
# known version. Where the machine's is another and the run fails, carry the pinned wheel:
# run benchmarks/gpu/fetch_wheels.sh here (it fills .whl/, which git ignores) and send .whl
# along with the repository (the device tool: carry [".whl"]); this script installs what
# it finds there into a scratch folder, never into the machine's Python.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1 TOKENIZERS_PARALLELISM=false PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

if compgen -G ".whl/*.whl" >/dev/null; then
  site=$(mktemp -d /tmp/writer-gpu-site.XXXXXX)
  "$python" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir \
    --target "$site" .whl/*.whl
  export PYTHONPATH="$site:$PYTHONPATH"
  echo "carried wheels: $(cd .whl && ls ./*.whl | tr '\n' ' ')"
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total \
  --format=csv,noheader || echo "nvidia-smi: not found"

json=()
[ -n "${OUT:-}" ] && json=(--json "$OUT/gpu_check.json")
# The bench skips rows that would start after --budget; timeout is the backstop.
exec timeout 290 "$python" -m benchmarks.gpu.bench ${json[@]+"${json[@]}"} "$@"
