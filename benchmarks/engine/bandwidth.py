"""8. The memory-bandwidth limit on decode speed: bytes read per second, bytes per token."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def measure_memory_bandwidth(megabytes: int = 1024, repeats: int = 5,
                             threads: int | None = None, device: str = "cpu") -> float:
    """Bytes/s read by summing a `megabytes` float32 tensor (best of `repeats`)."""
    import torch

    saved_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        data = torch.ones(megabytes * 2**20 // 4, dtype=torch.float32, device=device)
        float(data.sum())  # touch every page once before timing
        best = math.inf
        for _ in range(repeats):
            started = time.perf_counter()
            float(data.sum())  # float(): waits for a GPU
            best = min(best, time.perf_counter() - started)
        return data.numel() * data.element_size() / best
    finally:
        torch.set_num_threads(saved_threads)


def weight_bytes_per_token(model: torch.nn.Module) -> int:
    """Bytes of weights one decoded token reads.

    Every tensor of every layer is read once, except embedding tables, of which a token
    reads one row. A table shared with the output layer (tied weights) is counted in
    full there, since the output layer multiplies by all of it. Shared tensors count once.
    """
    from torch import nn

    total = 0
    seen: set[int] = set()
    for module in model.modules():
        if isinstance(module, nn.Embedding):
            total += module.weight.shape[1] * module.weight.element_size()
            continue
        table = getattr(module, "table", None)  # writer_app.engine.quantize.Int8Embedding
        if table is not None and hasattr(table, "q") and hasattr(table, "scale"):
            total += table.q.shape[1] * table.q.element_size() + table.scale.element_size()
            continue
        for tensor in [*module.parameters(recurse=False), *module.buffers(recurse=False)]:
            if tensor.data_ptr() in seen:
                continue
            seen.add(tensor.data_ptr())
            total += tensor.numel() * tensor.element_size()
    return total


def gguf_tensor_bytes(path: Path) -> int:
    """Bytes of all tensors in a GGUF file (its output layer is its tied embedding table)."""
    import gguf

    reader = gguf.GGUFReader(str(path))
    return sum(int(tensor.n_bytes) for tensor in reader.tensors)
