#!/usr/bin/env bash
# Fill .whl/ with the pinned transformers wheel for benchmarks/gpu_check.sh, on a machine
# that reaches PyPI, for a GPU machine whose Python has an older transformers. Pure-Python
# wheel: any platform. Its other needs (tokenizers, huggingface_hub, safetensors) are ones
# such machines already have at versions it accepts.
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(sed -n 's/^transformers==//p' packaging/constraints.txt)
python3 -m pip download -q --no-deps --only-binary=:all: -d .whl "transformers==$version"
ls -la .whl
