"""9. Fidelity: how far a faster precision's next-token distributions stray from float32's."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch


def next_token_logprobs(model: torch.nn.Module, ids: Sequence[int]) -> torch.Tensor:
    """Log-probabilities [len(ids) - 1, V] of the next token at every position but the last."""
    import torch

    device = next(model.parameters()).device
    with torch.inference_mode():
        output = model(input_ids=torch.tensor([list(ids)], device=device), use_cache=False,
                       logits_to_keep=0)  # 0 = every position
        return output.logits[0, :-1].float().log_softmax(dim=-1)


def compare_logprobs(reference: torch.Tensor, candidate: torch.Tensor,
                     targets: Sequence[int], chunk: int = 64) -> dict[str, float]:
    """How far `candidate` strays from `reference` ([N, V] log-probs each).

    targets: the N tokens that actually follow. Returns mean KL(reference ‖ candidate) in
    nats, argmax agreement in %, both perplexities and the relative change.
    """
    import torch

    kl_sum, agree, nll_ref, nll = 0.0, 0, 0.0, 0.0
    target = torch.as_tensor(list(targets), dtype=torch.long, device=reference.device)
    rows = reference.shape[0]
    for start in range(0, rows, chunk):
        ref = reference[start:start + chunk]
        cand = candidate[start:start + chunk].to(ref.device, torch.float32)
        kl_sum += float((ref.exp() * (ref - cand)).sum())
        agree += int((ref.argmax(dim=-1) == cand.argmax(dim=-1)).sum())
        picked = target[start:start + chunk, None]
        nll_ref -= float(ref.gather(1, picked).sum())
        nll -= float(cand.gather(1, picked).sum())
    ppl_ref, ppl = math.exp(nll_ref / rows), math.exp(nll / rows)
    return {"positions": rows, "kl": kl_sum / rows, "agreement": 100 * agree / rows,
            "ppl_reference": ppl_ref, "ppl": ppl, "ppl_change": ppl / ppl_ref - 1}


def compare_parts(reference: torch.Tensor, candidate: torch.Tensor, ids: Sequence[int],
                  english: int) -> dict[str, float]:
    """compare_logprobs over the whole text, plus the KL of its English and Chinese parts.

    `english`: how many of `ids` (BOS included) are the English paragraph.
    """
    result = compare_logprobs(reference, candidate, ids[1:])
    split = min(max(english - 1, 0), reference.shape[0])
    for name, rows in (("english", slice(0, split)), ("chinese", slice(split, None))):
        if rows.start < (rows.stop if rows.stop is not None else reference.shape[0]):
            part = compare_logprobs(reference[rows], candidate[rows], ids[1:][rows])
            result[f"kl_{name}"] = part["kl"]
    return result
