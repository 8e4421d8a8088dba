"""A second backend for tests: canned answers behind the `Backend` protocol, no model.

It shows the seam for issue 13's backends (llama.cpp, an OpenAI-compatible server): a new
module with `open_backend(request, context)`, and one registry entry — nothing else.

`OPTIONS` lets a test choose what the next opened backend is like (it runs on the
worker's thread, so a module value reaches it): its name, what it lacks, approximate
answers, and a generation that fails after some tokens (a server going down).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from writer_app.boundary.backend import CancelCheck, Capabilities, ParamsSource, TextCut
from writer_app.boundary.messages import GenerationSummary, LoadRequest, ModelInfo
from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import ContextUsage, NextTokens, Step, TokenInfo
from writer_app.errors import WriterError
from writer_app.host.backends import OpenContext

WORDS = (" once", " upon", " a", " time")
WINDOW = 64
DEFAULTS: dict[str, Any] = {
    "name": "fake",
    "capabilities": Capabilities.lacking(seed="the fake backend draws no random numbers",
                                         beam_search="the fake backend has no beams"),
    "approximate": False,  # NextTokens and ContextUsage say they are estimates
    "words": WORDS,  # what a generation writes, one step each
    "fail_after": None,  # raise this many steps into a generation (a server gone)
    "step_seconds": 0.0,  # each step's duration
    "note": "",  # ModelInfo.backend_note
    "open_error": None,  # a WriterError opening raises (a server that refuses)
}
OPTIONS: dict[str, Any] = dict(DEFAULTS)
OPENED: list[LoadRequest] = []  # every request a backend was opened for, in order


class _Run:
    def __init__(self, params: ParamsSource, cancel: CancelCheck) -> None:
        self._params = params
        self._cancel = cancel
        self._tokens = 0
        self._stop = "eos"

    def __iter__(self) -> Iterator[Step]:
        words = OPTIONS["words"]
        for index, word in enumerate(words):
            if self._cancel():
                self._stop = "cancelled"
                return
            if index >= self._params().max_new_tokens:
                self._stop = "length"
                return
            if OPTIONS["fail_after"] is not None and index >= OPTIONS["fail_after"]:
                raise WriterError("The server stopped answering mid-stream",
                                  "check that it still runs, then press Reconnect")
            time.sleep(OPTIONS["step_seconds"])
            self._tokens += 1
            yield Step(index, index + 1, word, 0.5, 1.0, (TokenInfo(index + 1, word, word,
                                                                     0.5, 1.0),))

    def summary(self) -> GenerationSummary:
        return GenerationSummary(seed=None, tokens=self._tokens, tokens_per_second=0.0,
                                 prefill_seconds=0.0, stop_reason=self._stop, context=None)


class FakeBackend:
    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.closed = False
        self.name: str = OPTIONS["name"]
        self.capabilities: Capabilities = OPTIONS["capabilities"]
        self.approximate: bool = OPTIONS["approximate"]

    def info(self) -> ModelInfo:
        return ModelInfo(name="fake", spec=self.spec, device="nowhere", dtype="none",
                         precision="none", context_window=WINDOW, backend=self.name,
                         capabilities=self.capabilities, backend_note=OPTIONS["note"])

    def context_usage(self, text: str, preamble: str = "", reserve: int = 0) -> ContextUsage:
        used = min(len((preamble + text).split()), WINDOW - reserve)
        return ContextUsage(used, 0, WINDOW, approximate=self.approximate)

    def next_tokens(self, text: str, params: SamplingParams, n: int, preamble: str,
                    cancel: CancelCheck) -> NextTokens | None:
        if cancel():
            return None
        tokens = tuple(TokenInfo(i, w, w, 1 / len(WORDS), 1 / len(WORDS))
                       for i, w in enumerate(WORDS[:n]))
        return NextTokens(tokens, self.context_usage(text, preamble), params,
                          approximate=self.approximate)

    def reweigh(self, params: SamplingParams, n: int) -> NextTokens | None:
        return None

    def generate(self, text: str, params: ParamsSource, cancel: CancelCheck, preamble: str,
                 top_n: int) -> _Run:
        return _Run(params, cancel)

    def samples(self, text: str, params: SamplingParams, n: int, preamble: str,
                cancel: CancelCheck, cut: TextCut | None) -> list[str]:
        return ["".join(WORDS[: row + 1]) for row in range(n)]

    def reset(self) -> None:
        pass

    def close(self) -> None:
        self.closed = True


def open_backend(request: LoadRequest, context: OpenContext) -> FakeBackend:
    context.progress(type("Progress", (), {"stage": "Connecting", "fraction": None})())
    OPENED.append(request)
    if OPTIONS["open_error"] is not None:
        raise OPTIONS["open_error"]
    return FakeBackend(request.spec)
