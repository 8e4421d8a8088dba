"""Weight-only int8: the fast CPU precision that keeps the next-token pane honest.

Decoding one token reads every weight once, so on a CPU its speed is set by bytes of
weights per token. Storing linear weights as int8 with one scale per output row, and
computing in bfloat16, halves those bytes against bfloat16 and quarters them against
float32. Activations stay in bfloat16: quantizing them too (torch's dynamic int8) was
measured here to move the distribution by 0.27 nats, far too much for a pane that shows
probabilities; weight-only int8 moves it by about 0.002.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

# At or below this many rows of input (decode, a short edit), the int8 GEMV kernel beats
# dequantize-then-GEMM; for long prefills bfloat16 GEMM on dequantized weights is 2-3x
# faster (measured on the default model's 640x2048 layers).
GEMV_ROWS = 16
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


def quantize_rows(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric int8 per output row: weight ≈ q * scale[:, None].

    Done in slices of rows so a 262k-row output layer needs no float copy of itself.
    """
    rows, columns = weight.shape
    q = torch.empty(rows, columns, dtype=torch.int8, device=weight.device)
    scale = torch.empty(rows, dtype=torch.float32, device=weight.device)
    with torch.no_grad():
        for start in range(0, rows, DEQUANT_SLICE):
            block = weight[start:start + DEQUANT_SLICE].to(torch.float32, copy=True)
            block_scale = block.abs().amax(dim=1).clamp_(min=1e-12).div_(127.0)
            q[start:start + DEQUANT_SLICE] = block.div_(block_scale[:, None]).round_() \
                .clamp_(-127, 127).to(torch.int8)
            scale[start:start + DEQUANT_SLICE] = block_scale
    return q, scale


class Int8Linear(nn.Module):
    """A Linear layer whose weight is int8 rows with bfloat16 scales."""

    def __init__(self, q: torch.Tensor, scale: torch.Tensor, bias: torch.Tensor | None,
                 compute_dtype: torch.dtype = torch.bfloat16) -> None:
        super().__init__()
        self.in_features, self.out_features = q.shape[1], q.shape[0]
        self.compute_dtype = compute_dtype
        self.register_buffer("q", aligned(q))  # [N, K] int8
        self.register_buffer("scale", aligned(scale.to(compute_dtype)))  # [N]
        self.register_buffer("bias", None if bias is None else bias.detach().to(compute_dtype))

    @classmethod
    def from_linear(cls, linear: nn.Linear, compute_dtype: torch.dtype) -> Int8Linear:
        q, scale = quantize_rows(linear.weight)
        return cls(q, scale, linear.bias, compute_dtype)

    def dequantized(self, start: int = 0, stop: int | None = None) -> torch.Tensor:
        """Rows start:stop of the weight in the compute dtype."""
        rows = slice(start, stop)
        return self.q[rows].to(self.compute_dtype) * self.scale[rows, None]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # x: [..., K] -> [..., N]
        shape = x.shape
        x2 = x.reshape(-1, self.in_features).to(self.compute_dtype)  # [M, K]
        if x2.shape[0] <= GEMV_ROWS:
            out = torch.ops.aten._weight_int8pack_mm(aligned(x2), self.q, self.scale)
        else:
            out = torch.cat([x2 @ self.dequantized(start, start + DEQUANT_SLICE).T
                             for start in range(0, self.out_features, DEQUANT_SLICE)], dim=1)
        if self.bias is not None:
            out = out + self.bias
        return out.reshape(*shape[:-1], self.out_features)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, int8"


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
        rows = self.table.q[input_ids].to(self.table.compute_dtype)  # [..., K]
        out = rows * self.table.scale[input_ids].unsqueeze(-1)
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
    linears = [name for name, module in model.named_modules() if isinstance(module, nn.Linear)]
    for name in linears:
        _set_submodule(model, name, Int8Linear.from_linear(model.get_submodule(name),
                                                           compute_dtype))
    if tied:
        table = model.get_output_embeddings()  # now the Int8Linear
        model.set_input_embeddings(Int8Embedding(
            table, getattr(input_embedding, "embed_scale", None),
            getattr(input_embedding, "padding_idx", None)))
        if hasattr(model.config, "tie_word_embeddings"):
            model.config.tie_word_embeddings = False  # the sharing is ours now
    return len(linears)


def _set_submodule(root: nn.Module, dotted: str, module: nn.Module) -> None:
    parent_name, _, child = dotted.rpartition(".")
    parent = root.get_submodule(parent_name) if parent_name else root
    setattr(parent, child, module)


INT8_FILE = "int8.safetensors"
INT8_FORMAT = "writer-int8-v1"


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
    temporary = folder / f".{INT8_FILE}.tmp"
    save_file(tensors, str(temporary),
              metadata={"format": INT8_FORMAT, "aliases": json.dumps(aliases)})
    os.replace(temporary, folder / INT8_FILE)


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
