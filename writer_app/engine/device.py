"""Which torch device and dtype to run on, chosen from user-facing names.

The names come from the command line (--device, --dtype) and the settings dialog,
so every failure is an InvalidSettingError that says what this machine offers.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass

import torch

from writer_app.boundary.params import DEVICE_CHOICES, DTYPE_CHOICES
from writer_app.errors import InvalidSettingError

__all__ = ["DEVICE_CHOICES", "DTYPE_CHOICES", "Precision", "resolve_device", "resolve_dtype",
           "resolve_precision"]

_DTYPES_BY_NAME: dict[str, torch.dtype] = {
    "float32": torch.float32,
    "fp32": torch.float32,
    "bfloat16": torch.bfloat16,
    "bf16": torch.bfloat16,
    "float16": torch.float16,
    "fp16": torch.float16,
}

# Past this, more intra-op threads buy nothing for models of the size Writer runs.
MAX_CPU_THREADS = 8

_CUDA_NAME = re.compile(r"cuda(?::(\d+))?")


def available_devices() -> list[str]:
    """The device names that would work here, for messages and the settings dialog."""
    names = ["cpu"]
    if torch.cuda.is_available():
        names += [f"cuda:{index}" for index in range(torch.cuda.device_count())]
    if _mps_available():
        names.append("mps")
    return names


def resolve_device(name: str = "auto") -> torch.device:
    """Turn a device name into a torch.device that exists on this machine.

    "auto" prefers CUDA, then Apple's MPS, then the CPU.
    """
    key = name.strip().lower()
    if key == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        if _mps_available():
            return torch.device("mps")
        return torch.device("cpu")
    if key == "cpu":
        return torch.device("cpu")
    if key == "mps":
        return _resolve_mps()
    cuda_match = _CUDA_NAME.fullmatch(key)
    if cuda_match:
        index = cuda_match.group(1)
        return _resolve_cuda(None if index is None else int(index))
    raise InvalidSettingError(
        f"Unknown device '{name}'",
        f"use one of {', '.join(DEVICE_CHOICES)} or cuda:N; "
        f"available here: {', '.join(available_devices())}",
    )


def resolve_dtype(name: str, device: torch.device) -> torch.dtype:
    """Turn a dtype name (or "auto") into the torch.dtype to load weights in.

    "auto" is the fastest precision that stays faithful on `device`: bfloat16 on
    CUDA GPUs that support it (else float16), float16 on MPS, float32 on the CPU.
    """
    key = name.strip().lower()
    if key == "auto":
        if device.type == "cuda":
            return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
        if device.type == "mps":
            return torch.float16
        return torch.float32
    if key in _DTYPES_BY_NAME:
        return _DTYPES_BY_NAME[key]
    raise InvalidSettingError(
        f"Unknown dtype '{name}'",
        f"use one of {', '.join(DTYPE_CHOICES)} (or fp32, bf16, fp16)",
    )


@dataclass(frozen=True)
class Precision:
    """How weights are stored and what the model computes in."""

    dtype: torch.dtype  # activations, and every weight that is not int8
    int8_weights: bool = False  # linear layers stored as int8 rows (writer_app.engine.quantize)

    @property
    def label(self) -> str:
        name = str(self.dtype).removeprefix("torch.")
        return f"int8 weights, {name} compute" if self.int8_weights else name


def resolve_precision(name: str, device: torch.device) -> Precision:
    """A --dtype name → Precision; "int8" is weight-only int8 with bfloat16 compute.

    int8 is a CPU precision: there it halves the bytes each token reads against bfloat16.
    A GPU computes bfloat16 at full speed, and torch's int8 kernel targets the CPU.
    """
    if name.strip().lower() == "int8":
        if device.type != "cpu":
            raise InvalidSettingError(
                f"int8 weights run on the CPU only, not on {device.type}",
                "on a GPU use --dtype bfloat16 (what auto picks), or --device cpu")
        return Precision(torch.bfloat16, int8_weights=True)
    return Precision(resolve_dtype(name, device))


def configure_cpu_threads() -> int:
    """Give torch one intra-op thread per usable CPU (at most 8); returns the count.

    Decoding one token is memory-bound and gains nothing from a second thread, but
    prefill of a long prompt scales with threads (1.5-1.8x with 2 on a quiet
    2-core machine). Past ~8 threads small models stop gaining and the threads
    only fight other programs for cores.
    """
    threads = max(1, min(usable_cpu_count(), MAX_CPU_THREADS))
    torch.set_num_threads(threads)
    return threads


def usable_cpu_count() -> int:
    """CPUs this process may run on (respects taskset/cgroup affinity where the OS has it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _mps_available() -> bool:
    mps = getattr(torch.backends, "mps", None)
    return bool(mps is not None and mps.is_available())


def _resolve_cuda(index: int | None) -> torch.device:
    if not torch.cuda.is_available():
        if torch.version.cuda is None:
            raise InvalidSettingError(
                "CUDA was asked for but this torch build has no CUDA",
                "install a CUDA build of torch (see README) or use --device cpu",
            )
        raise InvalidSettingError(
            "CUDA was asked for but no CUDA GPU is visible",
            "check the NVIDIA driver and CUDA_VISIBLE_DEVICES, or use --device cpu",
        )
    if index is None:
        return torch.device("cuda")
    count = torch.cuda.device_count()
    if index >= count:
        raise InvalidSettingError(
            f"There is no CUDA device {index}: this machine has {count}",
            f"use one of {', '.join(available_devices())}",
        )
    return torch.device("cuda", index)


def _resolve_mps() -> torch.device:
    if _mps_available():
        return torch.device("mps")
    mps = getattr(torch.backends, "mps", None)
    if mps is None or not mps.is_built():
        message = "MPS (Apple GPU) was asked for but this torch build has no MPS"
    else:
        message = "MPS (Apple GPU) was asked for but is not available on this machine"
    available = ", ".join(available_devices())
    raise InvalidSettingError(message, f"use --device cpu (available here: {available})")


# bfloat16 on a CPU: oneDNN's matrix kernels (what torch picks for bfloat16 there) are
# fast for prompts but slow for a few rows; ATen's own are the reverse. Measured on the
# default model, one forward pass after a 600-token prompt (2-core AVX-512 BF16 EPYC):
# 1 row 52 ms with oneDNN vs 31 without, 4 rows 59 vs 44, 8 rows 63 vs 70, 64 rows 115 vs
# 373. Decoding bfloat16: 15.9 → 24.3 tokens/s; prompts keep oneDNN.
ONEDNN_MIN_ROWS = 8


class SmallMatmuls:
    """Turns oneDNN off around forward passes of fewer than ONEDNN_MIN_ROWS rows where
    that is faster (bfloat16 weights on a CPU); elsewhere it does nothing.

    The switch is process-wide: use it only on the one thread that runs the model.
    """

    def __init__(self, device: torch.device, dtype: torch.dtype, int8_weights: bool) -> None:
        # int8 layers run their own kernel: measured no different either way, so untouched
        self.active = device.type == "cpu" and dtype == torch.bfloat16 and not int8_weights

    @contextlib.contextmanager
    def rows(self, count: int) -> Iterator[None]:
        if not self.active or count >= ONEDNN_MIN_ROWS:
            yield
            return
        previous = torch.backends.mkldnn.enabled
        torch.backends.mkldnn.enabled = False
        try:
            yield
        finally:
            torch.backends.mkldnn.enabled = previous
