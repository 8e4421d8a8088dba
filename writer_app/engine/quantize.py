"""Weight-only int8: the fast CPU precision that keeps the next-token pane honest.

Decoding one token reads every weight once, so on a CPU its speed is set by bytes of
weights per token. Storing linear weights as int8 and computing in bfloat16 halves those
bytes against bfloat16 and quarters them against float32. Activations stay in bfloat16:
quantizing them too (torch's dynamic int8) was measured here to move the distribution by
0.27 nats, far too much for a pane that shows probabilities.

Each output row carries one scale per group of columns, not one per row: a single large
value no longer coarsens the whole row. On the default model (English + Chinese text,
against float32) one scale per row moved the distribution by 0.012 nats, groups of 128
columns in the 262k-row output table and of up to 256 elsewhere by 0.004. The groups are
also faster: torch's int8 GEMV runs the output table as five 128-column slices in half the
time it takes for the 640-column whole (12 vs 24 ms on one core).
"""

from __future__ import annotations

import contextlib
import copy
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import torch
from torch import nn

# At or below this many rows of input (decode, a short edit), the int8 GEMV kernel beats
# dequantize-then-GEMM; for long prefills bfloat16 GEMM on dequantized weights is 2-3x
# faster (measured on the default model's 640x2048 layers).
GEMV_ROWS = 16
# Columns per scale: the output table (the largest matrix, and the one whose errors the
# pane shows directly) gets the finer groups; see the module docstring for the figures.
OUTPUT_GROUP = 128
LINEAR_GROUP = 256
# Projections that read the same input in the model families Writer runs (Llama, Gemma,
# Qwen, Mistral): one int8 GEMV over their stacked rows replaces two or three calls, each
# of which costs ~10 us of dispatch and thread hand-off on top of its memory traffic.
FUSED_PROJECTIONS = (("q_proj", "k_proj", "v_proj"), ("gate_proj", "up_proj"))
# The output layer is dequantized in slices this tall when a prefill needs many rows.
DEQUANT_SLICE = 16_384
# torch's int8 GEMV kernel uses aligned vector loads: a misaligned operand crashes the
# process (seen with torch 2.13 on AVX-512), so operands are copied to aligned memory.
ALIGNMENT = 64


def aligned(tensor: torch.Tensor) -> torch.Tensor:
    """`tensor` itself if contiguous and 64-byte aligned, else an aligned copy."""
    if tensor.is_contiguous() and tensor.data_ptr() % ALIGNMENT == 0:
        return tensor
    return tensor.contiguous().clone()


# torch's int8 GEMV reads a row in blocks of 16 columns: other widths give garbage (or
# crash), so layers whose groups are not a multiple of this take the dequantize path.
KERNEL_COLUMNS = 16


def group_size(columns: int, largest: int) -> int:
    """Columns per scale: the largest divisor of `columns` not above `largest`, preferring
    multiples of 32 (whole SIMD registers, and the block size of GGUF's Q8_0), then of 16
    (what the int8 kernel can read), then any."""
    divisors = [size for size in range(1, min(columns, largest) + 1) if columns % size == 0]
    for block in (32, KERNEL_COLUMNS):
        fitting = [size for size in divisors if size % block == 0]
        if fitting:
            return fitting[-1]
    return divisors[-1]


def quantize_groups(weight: torch.Tensor, group: int,
                    scale_dtype: torch.dtype = torch.bfloat16
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 with one scale per `group` columns of each row.

    Returns q [G, N, group] and scale [G, N] with weight[n, g*group + j] ≈ q[g, n, j] *
    scale[g, n]: each group is one contiguous [N, group] matrix for the GEMV kernel. The
    scales are rounded to `scale_dtype` before dividing, so q fits the scale stored.
    Done in slices of rows so a 262k-row output layer needs no float copy of itself.
    """
    rows, columns = weight.shape
    if columns % group:
        raise ValueError(f"{columns} columns do not split into groups of {group}")
    groups = columns // group
    q = torch.empty(groups, rows, group, dtype=torch.int8, device=weight.device)
    scale = torch.empty(groups, rows, dtype=scale_dtype, device=weight.device)
    with torch.no_grad():
        for start in range(0, rows, DEQUANT_SLICE):
            block = weight[start:start + DEQUANT_SLICE].to(torch.float32, copy=True)
            block = block.view(-1, groups, group).transpose(0, 1)  # [G, n, group]
            block_scale = (block.abs().amax(dim=2).clamp_(min=1e-12).div_(127.0)
                           .to(scale_dtype))
            q[:, start:start + DEQUANT_SLICE] = (block / block_scale.float()[..., None]) \
                .round_().clamp_(-127, 127).to(torch.int8)
            scale[:, start:start + DEQUANT_SLICE] = block_scale
    return q, scale


class Int8Linear(nn.Module):
    """A Linear layer whose weight is int8 with a bfloat16 scale per row and column group.

    `output_dtype`: float32 for the output layer, so that logits keep their precision
    (bfloat16 logits near 20 are off by up to 0.06, i.e. 6% in probability).
    """

    def __init__(self, q: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None,
                 compute_dtype: torch.dtype = torch.bfloat16,
                 output_dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.groups, self.out_features, self.group = q.shape
        self.in_features = self.groups * self.group
        self.compute_dtype = compute_dtype
        self.output_dtype = output_dtype or compute_dtype
        self.register_buffer("q", aligned(q))  # [G, N, group] int8
        self.register_buffer("scale", aligned(scale.to(compute_dtype)))  # [G, N]
        self.register_buffer("bias", None if bias is None else bias.detach().to(compute_dtype))

    @classmethod
    def from_linear(cls, linear: nn.Linear, compute_dtype: torch.dtype,
                    largest_group: int = LINEAR_GROUP,
                    output_dtype: torch.dtype | None = None) -> Int8Linear:
        group = group_size(linear.in_features, largest_group)
        q, scale = quantize_groups(linear.weight, group, compute_dtype)
        return cls(q, scale, linear.bias, compute_dtype, output_dtype)

    def dequantized(self, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """Rows start:stop of the weight [rows, in_features] in the compute dtype."""
        rows = slice(start, stop)
        groups = self.q[:, rows].to(self.compute_dtype).mul_(self.scale[:, rows, None])
        return groups.transpose(0, 1).reshape(-1, self.in_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: [..., K] -> [..., N]
        shape = x.shape
        x2 = x.reshape(-1, self.in_features).to(self.compute_dtype)  # [M, K]
        if x2.shape[0] <= GEMV_ROWS and self.group % KERNEL_COLUMNS == 0:
            out = self._gemv(x2)
        else:
            out = torch.cat([x2 @ self.dequantized(start, start + DEQUANT_SLICE).T
                             for start in range(0, self.out_features, DEQUANT_SLICE)], dim=1)
        if self.bias is not None:
            out = out + self.bias
        return out.to(self.output_dtype).reshape(*shape[:-1], self.out_features)

    def _gemv(self, x2: torch.Tensor) -> torch.Tensor:
        """One int8 GEMV per column group, summed in float32."""
        weights, scales = self._group_views()
        if self.groups == 1:
            return torch.ops.aten._weight_int8pack_mm(aligned(x2), weights[0], scales[0])
        slices = x2.reshape(x2.shape[0], self.groups, self.group).transpose(0, 1).contiguous()
        out = torch.ops.aten._weight_int8pack_mm(aligned(slices[0]), weights[0],
                                                 scales[0]).float()
        for x_part, weight, scale in zip(slices.unbind()[1:], weights[1:], scales[1:],
                                         strict=True):
            out += torch.ops.aten._weight_int8pack_mm(aligned(x_part), weight, scale)
        return out

    def _group_views(self) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
        """Each group's [N, group] weights and [N] scales, aligned for the kernel; kept
        between calls (a decode step makes ~300 of them) until the buffers change."""
        key = (self.q.data_ptr(), self.scale.data_ptr(), self.q.device)
        if getattr(self, "_views_key", None) != key:
            self._views = (tuple(aligned(part) for part in self.q.unbind()),
                           tuple(aligned(part) for part in self.scale.unbind()))
            self._views_key = key
        return self._views

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"int8 in groups of {self.group}")


class FusedInt8Linear(Int8Linear):
    """Several projections of one input stacked into one int8 matrix.

    The first of its parts called with an input computes every part's rows in one pass and
    keeps the result until each part has taken its slice; a part called with any other
    input recomputes, so the result is always that of the separate layers.
    """

    def __init__(self, q: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None,
                 compute_dtype: torch.dtype, part_names: tuple[str, ...]) -> None:
        super().__init__(q, scale, bias, compute_dtype)
        self.part_names = part_names
        self._held_input: torch.Tensor | None = None
        self._held_output: torch.Tensor | None = None
        self._served: set[str] = set()

    @classmethod
    def from_linears(cls, linears: dict[str, nn.Linear], compute_dtype: torch.dtype,
                     largest_group: int = LINEAR_GROUP) -> FusedInt8Linear:
        weights = [linear.weight for linear in linears.values()]
        in_features = weights[0].shape[1]
        q, scale = quantize_groups(torch.cat(weights), group_size(in_features, largest_group),
                                   compute_dtype)
        bias = None
        if any(linear.bias is not None for linear in linears.values()):
            bias = torch.cat([linear.bias if linear.bias is not None
                              else torch.zeros(linear.out_features, device=linear.weight.device)
                              for linear in linears.values()])
        return cls(q, scale, bias, compute_dtype, tuple(linears))

    def part(self, name: str, x: torch.Tensor, start: int, stop: int) -> torch.Tensor:
        """Columns start:stop of this layer's output for `x`, as the part `name` wants it."""
        if x is not self._held_input or name in self._served:
            self._held_input, self._held_output, self._served = x, self(x), set()
        self._served.add(name)
        out = self._held_output[..., start:stop].contiguous()
        if len(self._served) == len(self.part_names):
            self._held_input = self._held_output = None  # every part served: let go
        return out


class Int8Part(nn.Module):
    """One projection of a FusedInt8Linear, in the place the original Linear had."""

    def __init__(self, fused: FusedInt8Linear, name: str, start: int, stop: int) -> None:
        super().__init__()
        self._fused = (fused,)  # a tuple: the fused layer is registered once, on the parent
        self.name, self.start, self.stop = name, start, stop
        self.in_features, self.out_features = fused.in_features, stop - start

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._fused[0].part(self.name, x, self.start, self.stop)

    def extra_repr(self) -> str:
        return f"rows {self.start}:{self.stop} of the fused {'+'.join(self._fused[0].part_names)}"


class Int8Embedding(nn.Module):
    """Looks rows up in an int8 matrix shared with the output layer (tied weights).

    Gemma-style embeddings multiply by a constant `embed_scale`; it is kept.
    """

    def __init__(self, table: Int8Linear, embed_scale: torch.Tensor | float | None,
                 padding_idx: int | None) -> None:
        super().__init__()
        self.table = table  # the same module as the output layer: one copy of the weights
        self.padding_idx = padding_idx
        if isinstance(embed_scale, torch.Tensor):
            self.register_buffer("embed_scale", embed_scale, persistent=False)
        else:
            self.embed_scale = embed_scale

    @property
    def weight(self) -> torch.Tensor:
        """Dequantized view, for code that inspects the embedding's dtype or size."""
        return self.table.dequantized(0, 1).expand(self.table.out_features, -1)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        table = self.table
        groups = table.q[:, input_ids].to(table.compute_dtype)  # [G, ..., group]
        groups.mul_(table.scale[:, input_ids].unsqueeze(-1))
        out = groups.movedim(0, -2).reshape(*input_ids.shape, table.in_features)
        if self.embed_scale is not None:
            out = out * torch.as_tensor(self.embed_scale, dtype=out.dtype)
        return out


def quantize_int8_weights(model: nn.Module, compute_dtype: torch.dtype = torch.bfloat16) -> int:
    """Replace every Linear (and a tied input embedding) by its int8 form, in place.

    Returns how many layers were converted. The model should already be in
    `compute_dtype`, so that norms and attention run in it too.
    """
    input_embedding = model.get_input_embeddings() if hasattr(model, "get_input_embeddings") \
        else None
    output_layer = model.get_output_embeddings() if hasattr(model, "get_output_embeddings") \
        else None
    tied = (isinstance(input_embedding, nn.Embedding) and isinstance(output_layer, nn.Linear)
            and input_embedding.weight is output_layer.weight)
    fused = _fuse_projections(model, compute_dtype)
    linears = [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]
    for name in linears:
        linear = model.get_submodule(name)
        if linear is output_layer:
            quantized = Int8Linear.from_linear(linear, compute_dtype, OUTPUT_GROUP,
                                               output_dtype=torch.float32)
        else:
            quantized = Int8Linear.from_linear(linear, compute_dtype)
        _set_submodule(model, name, quantized)
    if tied:
        table = model.get_output_embeddings()  # now the Int8Linear
        model.set_input_embeddings(Int8Embedding(
            table, getattr(input_embedding, "embed_scale", None),
            getattr(input_embedding, "padding_idx", None)))
        if hasattr(model.config, "tie_word_embeddings"):
            model.config.tie_word_embeddings = False  # the sharing is ours now
    return len(linears) + fused


def _fuse_projections(model: nn.Module, compute_dtype: torch.dtype) -> int:
    """Stack the projections named in FUSED_PROJECTIONS wherever a module has all of them
    as Linear layers of one input width; returns how many Linear layers were fused."""
    fused_count = 0
    for parent in list(model.modules()):
        for names in FUSED_PROJECTIONS:
            linears = {name: getattr(parent, name, None) for name in names}
            if not all(isinstance(linear, nn.Linear) for linear in linears.values()):
                continue
            if len({linear.in_features for linear in linears.values()}) != 1:
                continue
            fused = FusedInt8Linear.from_linears(linears, compute_dtype)
            setattr(parent, "_".join(names), fused)
            start = 0
            for name, linear in linears.items():
                setattr(parent, name, Int8Part(fused, name, start, start + linear.out_features))
                start += linear.out_features
            fused_count += len(names)
    return fused_count


def _set_submodule(root: nn.Module, dotted: str, module: nn.Module) -> None:
    parent_name, _, child = dotted.rpartition(".")
    parent = root.get_submodule(parent_name) if parent_name else root
    setattr(parent, child, module)


INT8_FILE = "int8.safetensors"
INT8_FORMAT = "writer-int8-v2"  # v2: a scale per row and column group


def save_int8_model(model: nn.Module, folder: Path) -> None:
    """Store a quantized model's tensors (shared ones once) for a fast, small reload.

    Every buffer is stored, also the non-persistent ones (rotary frequencies, embedding
    scales), so that a model built on the meta device can be filled from this file alone.
    """
    from safetensors.torch import save_file

    tensors: dict[str, torch.Tensor] = {}
    aliases: dict[str, str] = {}
    first_name_of: dict[tuple[Any, ...], str] = {}
    for name, tensor in [*model.named_parameters(remove_duplicate=False),
                         *model.named_buffers(remove_duplicate=False)]:
        if tensor is None:
            continue
        key = (tensor.data_ptr(), tuple(tensor.shape), tensor.dtype, tuple(tensor.stride()))
        if key in first_name_of:
            aliases[name] = first_name_of[key]
        else:
            first_name_of[key] = name
            tensors[name] = tensor.detach().contiguous()
    folder.mkdir(parents=True, exist_ok=True)
    # A name of its own: two processes sharing a converted folder may both save at once.
    descriptor, temporary = tempfile.mkstemp(prefix=f".{INT8_FILE}.", suffix=".tmp", dir=folder)
    os.close(descriptor)
    try:
        save_file(tensors, temporary,
                  metadata={"format": INT8_FORMAT, "aliases": json.dumps(aliases)})
        os.replace(temporary, folder / INT8_FILE)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def load_int8_model(folder: Path, config: Any, compute_dtype: torch.dtype) -> nn.Module | None:
    """Rebuild a model saved by save_int8_model; None when the file does not fit.

    The model is built on the meta device (no memory, no initialisation), given the int8
    layout, and then every tensor is taken from the file.
    """
    from safetensors import safe_open
    from safetensors.torch import load_file
    from transformers import AutoModelForCausalLM

    path = folder / INT8_FILE
    if not path.is_file():
        return None
    with safe_open(str(path), framework="pt") as handle:
        metadata = handle.metadata() or {}
    if metadata.get("format") != INT8_FORMAT:
        return None
    config = copy.deepcopy(config)  # quantizing unties the embeddings in the config it sees:
    # the caller's copy must stay tied, or a float load after a refused file gets an
    # untied, randomly initialised output layer
    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(config, dtype=compute_dtype)
        quantize_int8_weights(model, compute_dtype)
    tensors = load_file(str(path))
    for name, target in json.loads(metadata.get("aliases", "{}")).items():
        tensors[name] = tensors[target]
    expected = {n for n, _ in model.named_parameters(remove_duplicate=False)} | \
        {n for n, _ in model.named_buffers(remove_duplicate=False)}
    if set(tensors) != expected:
        return None
    for name, tensor in tensors.items():
        owner_name, _, leaf = name.rpartition(".")
        owner = model.get_submodule(owner_name) if owner_name else model
        if leaf in owner._parameters:
            owner._parameters[leaf] = nn.Parameter(tensor, requires_grad=False)
        else:
            owner._buffers[leaf] = aligned(tensor) if not tensor.is_meta else tensor
    if any(t.is_meta for t in [*model.parameters(), *model.buffers()]):
        return None
    return model.eval()
