"""3-5. Time to first token, the next-token pane after an edit, and a slider change."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from benchmarks.engine.machine import median

if TYPE_CHECKING:
    from writer_app.boundary.params import SamplingParams
    from writer_app.engine.session import ModelSession


def measure_prefill(session: ModelSession, texts: dict[int, str], params: SamplingParams,
                    runs: int) -> dict[int, dict[str, float]]:
    """Time to first token (next-token pane from an empty cache) per prompt length.

    Returns {nominal length: {"tokens", "ttft_ms", "tokens_per_s"}}.
    """
    results = {}
    for length, text in texts.items():
        tokens = len(session.tokenize(text)[0])
        times = []
        for _ in range(runs):
            session.reset_cache()
            started = time.perf_counter()
            session.next_tokens(text, params)
            times.append(time.perf_counter() - started)
        seconds = median(times)
        results[length] = {"tokens": tokens, "ttft_ms": seconds * 1000,
                           "tokens_per_s": tokens / seconds}
    return results


def measure_edit(session: ModelSession, document: str, params: SamplingParams,
                 runs: int, recompute_runs: int) -> dict[str, float]:
    """The pane after a one-character edit at the end of `document`, in ms (medians).

    The last character alternates between two letters, as when a user retypes it:
    "reuse" is the session's normal path (its cached prefix), "recompute" starts from an
    empty cache each time.
    """
    endings = ("a", "e")
    session.reset_cache()
    session.next_tokens(document + endings[0], params)
    reuse = []
    for run in range(runs):
        text = document + endings[(run + 1) % 2]
        started = time.perf_counter()
        session.next_tokens(text, params)
        reuse.append(time.perf_counter() - started)
    recompute = []
    for run in range(recompute_runs):
        session.reset_cache()
        started = time.perf_counter()
        session.next_tokens(document + endings[run % 2], params)
        recompute.append(time.perf_counter() - started)
    return {"tokens": len(session.tokenize(document)[0]),
            "reuse_ms": median(reuse) * 1000, "recompute_ms": median(recompute) * 1000}


def measure_reweigh(session: ModelSession, text: str, params: SamplingParams,
                    runs: int) -> float:
    """Median ms of `reweigh()`: a slider moved, the pane recomputed without the model."""
    session.next_tokens(text, params)
    moves = [dict(temperature=0.5), dict(temperature=1.2), dict(top_k=20), dict(top_p=0.8),
             dict(repetition_penalty=1.3), dict(temperature=0.8, top_k=50, top_p=0.95)]
    times = []
    for run in range(runs):
        changed = params.with_changes(**moves[run % len(moves)])
        started = time.perf_counter()
        result = session.reweigh(changed)
        times.append(time.perf_counter() - started)
        assert result is not None
    return median(times) * 1000
