"""What the decode loops share for one loaded model, handed to each as one value."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from writer_app.engine.decode_step import DecodeStep
from writer_app.engine.prefix_cache import ModelRunner, PrefixCache

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase


@dataclass
class SessionParts:
    """The model's pieces a generation needs; the session owns them, the loops borrow them."""

    tokenizer: PreTrainedTokenizerBase
    device: torch.device
    runner: ModelRunner  # forward passes over any KV cache (the batch's own, too)
    prefix: PrefixCache  # the session's cache of the last text read
    step: DecodeStep  # one position's distribution, choice and alternatives
    context_limit: int  # the most tokens the model is given, generated ones included
