"""Samplers over token sequences: no repeated n-grams, banned phrases, phrase bias.

Each mirrors its transformers processor on a batch of one (transformers 5.24,
`NoRepeatNGramLogitsProcessor`, `NoBadWordsLogitsProcessor`,
`SequenceBiasLogitsProcessor`), so the result is bit-identical. A sequence of several
tokens acts only on its last token, and only when the context ends with the rest — which is
why a phrase must be banned in every tokenization it can take (`phrase_variants`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Protocol

import torch

from writer_app.errors import InvalidSettingError


def no_repeat_ngram(logits: torch.Tensor, context_ids: torch.Tensor, size: int) -> torch.Tensor:
    """-inf for every token that would repeat an n-gram of `size` tokens already in the
    context (the prompt included). 0: off."""
    cur_len = context_ids.shape[-1]
    if size <= 0 or cur_len < size:
        return logits
    input_ids = context_ids.unsqueeze(0)  # [1, L]
    prefix = input_ids[:, cur_len + 1 - size:]
    windows = input_ids.unfold(dimension=1, size=size, step=1)
    matches = (windows[..., :-1] == prefix.unsqueeze(1)).all(dim=-1)
    vocab_size = logits.shape[-1]
    banned = logits.new_zeros((1, vocab_size + 1), dtype=torch.bool)
    banned.scatter_(1, torch.where(matches, windows[..., -1].clamp(max=vocab_size), vocab_size),
                    True)
    return logits.unsqueeze(0).masked_fill(banned[:, :vocab_size], -float("inf"))[0]


Biases = Sequence[tuple[Sequence[int], float]]


def sequence_bias(logits: torch.Tensor, context_ids: torch.Tensor, biases: Biases) -> torch.Tensor:
    """Add each bias to the last token of its sequence when the context ends with the rest
    of it (a one-token sequence: always). A sequence given twice keeps its last bias.
    Empty: off.
    """
    if not biases:
        return logits
    by_sequence = {tuple(int(t) for t in ids): float(bias) for ids, bias in biases}
    vocab_size = logits.shape[-1]
    _check_sequences(by_sequence, vocab_size)
    scores = logits.unsqueeze(0)  # [1, V]
    input_ids = context_ids.unsqueeze(0)  # [1, L]
    device = scores.device
    single = torch.zeros((vocab_size,), dtype=torch.float, device=device)
    singles = [(ids[0], bias) for ids, bias in by_sequence.items() if len(ids) == 1]
    if singles:
        single[[i for i, _ in singles]] = torch.tensor([b for _, b in singles], device=device)
    bias = torch.zeros_like(scores)
    bias += single
    groups: dict[int, list[tuple[tuple[int, ...], float]]] = {}
    for ids, value in by_sequence.items():
        if len(ids) > 1:
            groups.setdefault(len(ids) - 1, []).append((ids, value))
    for prefix_length, group in groups.items():
        if prefix_length > input_ids.shape[1]:
            continue
        prefixes = torch.tensor([ids[:-1] for ids, _ in group], device=device)
        last = torch.tensor([ids[-1] for ids, _ in group], device=device)
        values = torch.tensor([value for _, value in group], dtype=torch.float, device=device)
        matching = (input_ids[:, None, -prefix_length:] == prefixes).all(dim=-1)
        bias.index_add_(1, last, torch.where(matching, values, 0.0).to(bias.dtype))
    return (scores + bias)[0]


def ban_sequences(logits: torch.Tensor, context_ids: torch.Tensor,
                  sequences: Iterable[Sequence[int]],
                  eos_ids: Iterable[int] = ()) -> torch.Tensor:
    """-inf for the token that would complete any of `sequences` (a one-token sequence:
    always). A ban of the end-of-sequence token alone is ignored, as transformers ignores
    it, so a generation can still end. Empty: off.
    """
    eos = [[int(i)] for i in eos_ids]
    kept = [list(s) for s in sequences]
    kept = [s for s in kept if all(s != e for e in eos)]
    if not kept:
        return logits
    return sequence_bias(logits, context_ids, [(s, float("-inf")) for s in kept])


def _check_sequences(by_sequence: dict[tuple[int, ...], float], vocab_size: int) -> None:
    for ids in by_sequence:
        if not ids or any(t < 0 for t in ids):
            raise InvalidSettingError(
                f"a banned or biased sequence must be token ids, 0 or more, not {list(ids)}",
                "give the phrase as text, or each sequence as non-negative token ids")
    outside = [t for ids in by_sequence for t in ids if t >= vocab_size]
    if outside:
        raise InvalidSettingError(
            f"the model scores {vocab_size} tokens, but these ids were banned or biased: {outside}",
            "give the phrase as text, so it is tokenized by this model's tokenizer")


def check_no_repeat_ngram_size(value: int) -> None:
    """no_repeat_ngram_size: a whole number, 0 (off) or at least 2 in practice."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 64:
        raise InvalidSettingError(
            f"no_repeat_ngram_size must be a whole number from 0 to 64, not {value!r}",
            "use 0 to turn it off, or e.g. 4 (1 would forbid every token already used)")


def check_bias(value: float) -> None:
    """A phrase bias: a finite number of logits, −100 to 100 (bans are separate)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not (math.isfinite(value) and -100.0 <= value <= 100.0):
        raise InvalidSettingError(f"a phrase bias must be from -100 to 100, not {value!r}",
                                  "e.g. -5 to discourage a phrase, 3 to favour it; ban it instead "
                                  "to forbid it")


class Encoder(Protocol):
    """What `phrase_variants` needs of a tokenizer (a transformers tokenizer has it)."""

    def encode(self, text: str, add_special_tokens: bool = ...) -> list[int]: ...


# Text a phrase may follow, besides nothing: the phrase's tokens are those after this
# prefix's own, when the prefix tokenizes alone to the same ids (else the boundary merged).
PRECEDING = ("\n", "“", "\"", "(", "。", "，")


def phrase_variants(tokenizer: Encoder, text: str) -> list[list[int]]:
    """Every tokenization in which `text` can appear starting a word: as the text begins,
    after a space (the space joined to the first token, as SentencePiece and byte-level BPE
    join it), after a newline, an opening quote or bracket, or Chinese punctuation.

    What follows the phrase may still merge with its last token ("cat" in "cats"); a ban
    covers the phrase as a whole word or before punctuation, which is what writers ban.
    """
    core = text.strip()
    if not core:
        raise InvalidSettingError("a banned or biased phrase cannot be empty",
                                  "type the word or phrase, or remove the empty line")
    variants: list[list[int]] = []
    for phrase in (core, " " + core):
        found = [list(tokenizer.encode(phrase, add_special_tokens=False))]
        for before in PRECEDING:
            own = list(tokenizer.encode(before, add_special_tokens=False))
            both = list(tokenizer.encode(before + phrase, add_special_tokens=False))
            if both[:len(own)] == own and len(both) > len(own):
                found.append(both[len(own):])
        for ids in found:
            if ids and ids not in variants:
                variants.append(ids)
    return variants
