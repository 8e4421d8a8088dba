"""The worker's queue under random request sequences (hypothesis), against a fake engine:
every request settles once, in order; the newest pane request, every generation and the
newest load always run; what is dropped says so (None, or a cancelled error)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from writer_app.boundary.engine import CancelFlag
from writer_app.boundary.messages import (
    GenerateRequest,
    GenerationSummary,
    LoadRequest,
    ModelInfo,
    NextTokensRequest,
    Request,
    ReweighRequest,
    SuggestRequest,
)
from writer_app.boundary.params import SamplingParams
from writer_app.worker import EngineWorker, WorkerError

PARAMS = SamplingParams()
KINDS = ("load", "next", "reweigh", "generate", "suggest")


class FakeEngine:
    """Answers at once, except that the first request waits for `opened`, so that the
    rest of a sequence queues up behind it."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.served: list[Request] = []

    def execute(self, request: Request, event: Any, cancel: CancelFlag) -> object:
        self.opened.wait()
        self.served.append(request)
        if isinstance(request, LoadRequest):
            return ModelInfo(request.spec, request.spec, "cpu", "float32", "float32", 8)
        if isinstance(request, GenerateRequest):
            return GenerationSummary(None, 0, 0.0, 0.0,
                                     "cancelled" if cancel.is_set() else "eos", None)
        if isinstance(request, SuggestRequest):
            return [request.text]
        return ("answer", request)

    def query(self, name: str) -> Any:
        return []

    def prepare(self) -> None:
        pass

    def revive(self) -> None:
        return None

    def abort(self) -> None:
        pass

    def close(self) -> None:
        pass


async def _drain(stream) -> Any:
    async for _ in stream:
        pass
    return stream.summary


async def _run(kinds: list[str]) -> tuple[list[tuple[str, Request, Any]], list[Request]]:
    engine = FakeEngine()
    worker = EngineWorker(engine)
    submitted: list[tuple[str, Request, Any]] = []
    try:
        for number, kind in enumerate(kinds):
            text = f"text {number}"
            if kind == "load":
                waiter: Any = worker.load(f"model {number}")
                request: Request = LoadRequest(f"model {number}")
            elif kind == "next":
                waiter = worker.next_tokens(text, PARAMS)
                request = NextTokensRequest(text, PARAMS)
            elif kind == "reweigh":
                waiter = worker.reweigh(PARAMS, n=number)
                request = ReweighRequest(PARAMS, number)
            elif kind == "suggest":
                waiter = worker.suggest(text, PARAMS)
                request = SuggestRequest(text, PARAMS)
            else:
                waiter = asyncio.ensure_future(_drain(worker.generate(text, PARAMS)))
                request = GenerateRequest(text, lambda: PARAMS)
            submitted.append((kind, request, waiter))
        engine.opened.set()
        outcomes = await asyncio.wait_for(
            asyncio.gather(*(w for _, _, w in submitted), return_exceptions=True), 60)
    finally:
        assert worker.shutdown(timeout=10)
    return [(k, r, o) for (k, r, _), o in zip(submitted, outcomes, strict=True)], engine.served


def _key(request: Request) -> tuple[str, object]:
    """What identifies a request across the queue (a generation's params is a new lambda)."""
    if isinstance(request, GenerateRequest):
        return ("generate", request.text)
    if isinstance(request, ReweighRequest):
        return ("reweigh", request.n)
    return (type(request).__name__, getattr(request, "text", getattr(request, "spec", None)))


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.sampled_from(KINDS), min_size=1, max_size=12))
def test_random_request_sequences_keep_the_queue_promises(kinds):
    results, served = asyncio.run(_run(kinds))
    order = [_key(request) for _, request, _ in results]
    served_keys = [_key(request) for request in served]
    assert served_keys == [key for key in order if key in served_keys]  # in submission order
    assert len(set(served_keys)) == len(served_keys)  # each at most once
    for position, (kind, request, outcome) in enumerate(results):
        ran = _key(request) in served_keys
        later = [k for k, _, _ in results[position + 1:]]
        if kind == "generate":
            assert ran and isinstance(outcome, GenerationSummary)
        elif kind == "load":
            if "load" not in later:  # the newest load always runs and succeeds
                assert ran and isinstance(outcome, ModelInfo)
            elif not ran:
                assert isinstance(outcome, WorkerError) and outcome.cancelled
        else:  # pane requests: dropped ones answer None, never an error
            assert not isinstance(outcome, BaseException)
            if not ran:
                assert outcome is None
        if kind == "next" and not {"next", "generate"} & set(later):
            assert ran  # the newest pane request is never dropped
        if kind == "suggest" and not {"suggest", "generate"} & set(later):
            assert ran
