"""A generation streamed from a server, as the same `Step`s the local engines yield.

The settings are read before every token: when they change, the stream is closed and a
new one starts from the text so far with the new settings and the rest of the token
budget (servers keep the prompt's cache, so this costs little). Cancel closes the
connection, which stops the server's generation. A stream cut mid-way raises a
`ServerError` after the steps already yielded, so the window keeps that text.

Characters split across tokens: where a server's text for a token lost part of a
character (llama-cpp-python decodes each token alone when log-probabilities are
streamed, and its `text_offset` then runs ahead of the text), the stream is restarted
from the text so far and a few tokens are fetched without log-probabilities, whose text
the server decodes whole — no character is lost, broken or shown as U+FFFD.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from writer_app.boundary.messages import GenerationSummary
from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import ContextUsage, Step
from writer_app.engine.remote import failures
from writer_app.engine.remote.client import Client
from writer_app.engine.remote.pane import TokenIds, display_text, is_control, next_tokens
from writer_app.engine.remote.replies import Choice, Position, TokenLogprob, parse_completion
from writer_app.engine.remote.transport import Cancelled

BURST_TOKENS = 4  # tokens fetched without log-probabilities after a split character
REPLACEMENT = "\ufffd"


@dataclass
class RunState:
    """What a run has produced so far, across restarted streams."""

    text: str = ""  # generated text, as yielded
    index: int = 0  # the next step's index
    tokens: int = 0  # tokens the server generated that count against the budget
    stop_reason: str = ""
    streams: list[dict[str, Any]] = field(default_factory=list)  # request bodies sent


class RemoteRun:
    """One generation on a server; iterate it for steps, then ask for its summary."""

    def __init__(self, client: Client, body_for: Callable[..., dict[str, Any]], prompt: str,
                 read_params: Callable[[], SamplingParams], cancel: Callable[[], bool],
                 top_n: int, ids: TokenIds, usage: ContextUsage, sent_logprobs: int) -> None:
        self._client = client
        self._body_for = body_for
        self._prompt = prompt
        self._read_params = read_params
        self._cancel = cancel
        self._top_n = top_n
        self._ids = ids
        self._usage = usage
        self._sent_logprobs = sent_logprobs
        self.state = RunState()
        self._seed: int | None = None
        self._started = 0.0
        self._first_token_at: float | None = None
        self._ended = 0.0

    def __iter__(self) -> Iterator[Step]:
        self._started = time.perf_counter()
        try:
            yield from self._run()
        finally:
            self._ended = time.perf_counter()

    def summary(self) -> GenerationSummary:
        decode = self._ended - (self._first_token_at or self._started)
        prefill = (self._first_token_at or self._ended) - self._started
        tokens = self.state.tokens
        return GenerationSummary(seed=self._seed, tokens=tokens,
                                 tokens_per_second=tokens / decode if decode > 0 else 0.0,
                                 prefill_seconds=max(0.0, prefill),
                                 stop_reason=self.state.stop_reason or "eos",
                                 context=self._usage)

    # ---- the loop over streams -----------------------------------------------------------

    def _run(self) -> Iterator[Step]:
        state = self.state
        params = self._read_params()
        self._seed = params.seed
        burst = False
        while True:
            if self._cancel():
                state.stop_reason = "cancelled"
                return
            remaining = params.max_new_tokens - state.tokens
            if remaining <= 0:
                state.stop_reason = "length"
                return
            max_tokens = min(BURST_TOKENS, remaining) if burst else remaining
            body = self._body_for(self._prompt + state.text, params, max_tokens,
                                  None if burst else self._sent_logprobs)
            state.streams.append(body)
            outcome = yield from self._one_stream(body, params, burst, max_tokens)
            if outcome == "cancelled" or outcome in ("eos", "length-done"):
                state.stop_reason = {"length-done": "length"}.get(outcome, outcome)
                return
            burst = outcome == "split"
            if outcome == "params":
                params = self._read_params()

    def _one_stream(self, body: dict[str, Any], params: SamplingParams, burst: bool,
                    max_tokens: int) -> Iterator[Step]:
        """Steps from one stream; returns why it ended: "eos", "length-done" (the whole
        budget used), "params" (settings changed), "split" (a character was lost: fetch
        it again whole), "burst-done" or "cancelled"."""
        state = self.state
        prompt_chars = len(self._prompt) + len(state.text)
        received = 0  # characters this stream added
        pending = 0  # tokens without text since the last that had some: a split character?
        chunks = 0
        events = self._client.stream("/completions", body, self._cancel)
        try:
            for event in events:
                try:
                    choices = parse_completion(event)
                except ValueError as error:
                    raise failures.unreadable(self._client.url, str(error)) from None
                choice = next((c for c in choices if c.index == 0), None)
                if choice is None:
                    continue
                for step_text, position in _pieces(choice, burst):
                    if self._cancel():
                        return "cancelled"
                    if not burst and self._read_params() != params:
                        return "params"  # this token was drawn under the old settings
                    if position is None:
                        chunks += 1
                    elif _lost_text(position, prompt_chars, received):
                        return "split"
                    elif step_text or is_control(position.chosen):
                        state.tokens += pending + 1
                        pending = 0
                    else:
                        pending += 1
                    received += len(step_text)
                    step = self._step(step_text, position, params)
                    if step is not None:
                        yield step
                if choice.finish_reason is not None:
                    if burst:
                        state.tokens += max_tokens if choice.finish_reason == "length" \
                            else chunks
                        return "burst-done" if choice.finish_reason == "length" else "eos"
                    if pending:
                        return "split"  # it ended on pieces of a character: fetch it whole
                    return "length-done" if choice.finish_reason == "length" else "eos"
            if burst:
                state.tokens += max_tokens  # no word on how many it made: count them all
                return "burst-done"
            return "split" if pending else "eos"
        except Cancelled:
            return "cancelled"
        finally:
            events.close()  # closes the connection: the server stops generating

    def _step(self, text: str, position: Position | None,
              params: SamplingParams) -> Step | None:
        state = self.state
        if self._first_token_at is None:
            self._first_token_at = time.perf_counter()
        if position is None:  # a burst chunk: whole text, no probabilities
            if not text:
                return None
            step = Step(state.index, self._ids.of(TokenLogprob(text, 0.0)), text, 0.0, 0.0, ())
        else:
            chosen = position.chosen
            if is_control(chosen) and not params.allow_control_tokens:
                text = ""  # a control token is never written
            top = list(position.top)
            if all(t.key != chosen.key for t in top):
                top.append(chosen)
            # the distribution it was drawn from, as the pane computes it
            shown = next_tokens(top, self._prompt + state.text, params,
                                max(self._top_n, len(top)), self._usage, self._ids)
            chosen_id = self._ids.of(chosen)
            sampled = next((t.sampled_prob for t in shown.tokens if t.id == chosen_id), 0.0)
            step = Step(state.index, chosen_id, text, _exp(chosen.logprob), sampled,
                        shown.tokens[: self._top_n])
        state.index += 1
        state.text += text
        return step


def _pieces(choice: Choice, burst: bool) -> list[tuple[str, Position | None]]:
    """The chunk's text shared out to its tokens: by each token's own text where those
    add up to the chunk's, else all of it on the last token."""
    if burst or not choice.positions:
        return [(choice.text, None)] if choice.text else []
    positions = choice.positions
    texts = [display_text(p.chosen) for p in positions]
    if "".join(texts) == choice.text and REPLACEMENT not in choice.text:
        return list(zip(texts, positions, strict=True))
    clean = choice.text.replace(REPLACEMENT, "") if _has_bytes(positions) else choice.text
    return [("", p) for p in positions[:-1]] + [(clean, positions[-1])]


def _has_bytes(positions: tuple[Position, ...]) -> bool:
    return all(p.chosen.raw is not None for p in positions)


def _lost_text(position: Position, prompt_chars: int, received: int) -> bool:
    """Whether the server's offset for this token is past the text it sent before it: a
    character split across tokens was dropped (offsets count from the prompt's start,
    as llama-cpp-python sends them)."""
    offset = position.text_offset
    return offset is not None and offset > prompt_chars + received


def _exp(logprob: float) -> float:
    return math.exp(logprob) if logprob > -745 else 0.0
