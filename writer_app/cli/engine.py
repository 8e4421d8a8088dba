"""The engine a headless command drives: the window's `EngineHost`, on this thread.

generate and next-tokens send the same request values the window sends, so every
backend (transformers, llama.cpp, a server) answers the command line exactly as it
answers the window. Ctrl+C sets the requests' stop flag, so a load or a generation
ends at its next check and the text so far stays printed; a second Ctrl+C interrupts
at once. Failures come back as `Failure` values and leave here as one `WriterError`.
"""

from __future__ import annotations

import contextlib
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from writer_app.boundary.engine import CancelFlag
from writer_app.boundary.messages import (
    Failure,
    GenerateRequest,
    GenerationSummary,
    LoadRequest,
    ModelInfo,
    NextTokensRequest,
)
from writer_app.boundary.results import NextTokens, Step
from writer_app.errors import WriterError

if TYPE_CHECKING:
    from writer_app.boundary.params import SamplingParams
    from writer_app.engine.models import LoadedModel


# The engine's hints speak of the window's menus and dialogs; here, of flags.
_WINDOW_WORDS = re.compile(r"\s*\((?:Model|Engine) →[^)]*\)|,? or raise the timeout in "
                           r"Connect\s+to Server|\s+in Model → Connect to Server…")


class EngineFailure(WriterError):
    """A request failed in the engine; `details` holds a traceback when it is a bug."""

    def __init__(self, failure: Failure) -> None:
        super().__init__(failure.message, for_the_command_line(failure.hint))
        self.details = failure.details


def for_the_command_line(text: str) -> str:
    """An engine's hint or reason without the window's menu paths."""
    return _WINDOW_WORDS.sub("", text)


def load_for_command_line(spec: str, device: str, dtype: str, progress: Callable[[Any], None],
                          cancelled: Callable[[], bool]) -> LoadedModel:
    """The transformers backend's loader here: every core (no window needs one)."""
    from writer_app.engine.device import configure_cpu_threads
    from writer_app.engine.models import load_model
    from writer_app.engine.quiet import quiet_libraries

    quiet_libraries()
    configure_cpu_threads()
    return load_model(spec, device=device, dtype=dtype, progress=progress, cancelled=cancelled)


class CommandLineEngine:
    """One model for one command: load it, ask it, close it; Ctrl+C stops a request."""

    def __init__(self, context_limit: int | None, show_progress: bool = False) -> None:
        from writer_app.host.serving import EngineHost

        self._host = EngineHost(load_for_command_line, context_limit)
        self._show_progress = show_progress
        self.stop = CancelFlag()  # set by Ctrl+C (or a closed pipe): the next check stops

    def load(self, request: LoadRequest) -> ModelInfo:
        try:
            outcome = self._host.execute(request, self._report_progress, self.stop)
        finally:
            if self._show_progress:
                print("\r\033[K", end="", file=sys.stderr, flush=True)
        return self._checked(outcome, ModelInfo)

    def next_tokens(self, text: str, params: SamplingParams, n: int) -> NextTokens:
        outcome = self._host.execute(NextTokensRequest(text, params, n), _ignore, self.stop)
        return self._checked(outcome, NextTokens)

    def generate(self, text: str, params: SamplingParams,
                 on_step: Callable[[Step], None]) -> GenerationSummary:
        """Stream a continuation to `on_step`; how it ended (stop reason "cancelled"
        after a Ctrl+C, with the steps so far delivered)."""

        def event(value: object) -> None:
            if isinstance(value, Step):
                on_step(value)

        outcome = self._host.execute(GenerateRequest(text, lambda: params), event, self.stop)
        return self._checked(outcome, GenerationSummary)

    def close(self) -> None:
        self._host.close()

    def _report_progress(self, update: object) -> None:
        if not self._show_progress or not isinstance(update, tuple):
            return
        stage, fraction = update
        done = f" {fraction:.0%}" if isinstance(fraction, float) else ""
        print(f"\r\033[K{stage}…{done}", end="", file=sys.stderr, flush=True)

    def _checked(self, outcome: object, kind: type[Any]) -> Any:
        """The outcome if it is a `kind`; a stop becomes KeyboardInterrupt, a failure an
        EngineFailure."""
        if isinstance(outcome, kind):
            return outcome
        if isinstance(outcome, Failure):
            if outcome.cancelled or self.stop.is_set():
                raise KeyboardInterrupt
            raise EngineFailure(outcome)
        if self.stop.is_set():  # SUPERSEDED: the pane's answer to a stop
            raise KeyboardInterrupt
        raise EngineFailure(Failure(f"the engine answered {outcome!r}",
                                    "this is a bug in Writer; run again with --debug"))


def _ignore(_: object) -> None:
    """No events to show (the pane's request sends none)."""


@contextlib.contextmanager
def stopping_on_interrupt(stop: CancelFlag) -> Iterator[None]:
    """Within: the first Ctrl+C sets `stop`; the next one interrupts as usual.

    Signal handlers belong to the main thread: elsewhere (a test calling main() on
    another thread) Ctrl+C keeps its usual meaning.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.getsignal(signal.SIGINT)

    def first_interrupt(signum: int, frame: object) -> None:
        stop.set()
        signal.signal(signal.SIGINT, signal.default_int_handler)

    signal.signal(signal.SIGINT, first_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
