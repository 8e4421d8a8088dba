"""The "server" backend: a model on an OpenAI-compatible server behind `Backend`.

Opening it lists the server's models (`GET /v1/models`) and picks the one asked for, or
the first. The pane comes from a one-token completion with the server's top
log-probabilities and our own sampling over them (`engine.remote.pane`); Continue
streams (`engine.remote.stream`); ghost text asks for `n` samples. Nothing is sent
anywhere unless a `LoadRequest.server` was given: this module is opened only then.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from writer_app.boundary.backend import CancelCheck, Capabilities, ParamsSource, TextCut
from writer_app.boundary.messages import LoadRequest, ModelInfo, ServerProbe
from writer_app.boundary.params import SamplingParams
from writer_app.boundary.results import ContextUsage, NextTokens
from writer_app.boundary.server import ServerConnection
from writer_app.engine.control_tokens import CONTROL_NAME
from writer_app.engine.remote import dialects, failures, pane, replies
from writer_app.engine.remote.client import NEVER, Client
from writer_app.engine.remote.replies import TokenLogprob
from writer_app.engine.remote.stream import RemoteRun
from writer_app.engine.remote.transport import Cancelled
from writer_app.errors import WriterError

if TYPE_CHECKING:
    from writer_app.host.backends import OpenContext

NAME = "server"
WANTED_LOGPROBS = 20  # what the pane asks for; lowered when a server says it allows fewer
BYTES_PER_TOKEN = 3.5  # the estimate where a server has no tokenizer endpoint
PANE_TRIES = 3  # a one-token completion that drew end-of-text carries no log-probabilities


def open_backend(request: LoadRequest, context: OpenContext | None = None) -> ServerBackend:
    """Connect to `request.server` and choose its model."""
    assert request.server is not None, "the server backend needs LoadRequest.server"
    cancelled = context.cancelled if context is not None else NEVER
    if context is not None:
        context.progress(_Progress(f"Connecting to {request.server.url}", None))
    return ServerBackend(request.server, request.spec, cancelled)


class _Progress:
    def __init__(self, stage: str, fraction: float | None) -> None:
        self.stage, self.fraction = stage, fraction


def list_models(client: Client, cancel: CancelCheck = NEVER) -> list[dict[str, Any]]:
    document = client.call("GET", "/models", retry=True, cancel=cancel)
    try:
        return replies.models_in(document)
    except ValueError as error:
        raise failures.unreadable(client.url, str(error)) from None


def probe(server: ServerConnection, cancel: CancelCheck = NEVER) -> ServerProbe:
    """Whether `server` answers, with its models: the Connect dialog's Test button."""
    client = Client(server.url, server.api_key, server.timeout_s)
    started = time.perf_counter()
    try:
        entries = list_models(client, cancel)
    except Cancelled:
        raise WriterError("The server test was cancelled") from None
    finally:
        client.close()
    seconds = time.perf_counter() - started
    warning = ("Plain http to another machine: your text and API key cross the network "
               "unencrypted — use https if the server offers it" if server.sends_in_clear
               else "")
    return ServerProbe(server.url, tuple(entry["id"] for entry in entries),
                       dialects.guess_kind(entries), seconds, warning)


class ServerBackend:
    """A model served by an OpenAI-compatible server: one session's connection to it."""

    name = NAME

    def __init__(self, server: ServerConnection, spec: str = "",
                 cancel: CancelCheck = NEVER) -> None:
        self.server = server
        self.client = Client(server.url, server.api_key, server.timeout_s)
        try:
            entries = list_models(self.client, cancel)
        except Cancelled:
            raise WriterError("Connecting to the server was cancelled") from None
        names = [entry["id"] for entry in entries]
        if not names:
            raise WriterError(f"The server at {server.url} serves no models",
                              "load a model on the server, then connect again")
        if server.model and server.model not in names:
            raise WriterError(f"The server at {server.url} does not serve the model "
                              f"{server.model!r}", f"choose one of: {', '.join(names[:8])}")
        self.model = server.model or names[0]
        self.kind = dialects.guess_kind(entries)
        entry = entries[names.index(self.model)]
        self.context_window = (dialects.context_from_models(entry) or self._props_context()
                               or dialects.DEFAULT_CONTEXT)
        self._window_known = self.context_window != dialects.DEFAULT_CONTEXT
        self._spec = spec or self.model
        self._logprobs = WANTED_LOGPROBS
        self._tokenizer: dialects.Tokenizer | bool | None = False  # False: not yet looked
        self._counted: tuple[str, int] | None = None
        self._ids = pane.TokenIds()
        self._pane: tuple[Sequence[TokenLogprob], str, ContextUsage] | None = None
        self.runs: list[RemoteRun] = []  # the latest generation (tests read its requests)

    # ---- what it is ---------------------------------------------------------------------

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities.lacking(
            exact_probabilities=f"the server sends only its {self._logprobs} most likely "
                                "next tokens, not the whole vocabulary",
            beam_search="beam search runs only on a model loaded on this computer")

    def info(self) -> ModelInfo:
        kind = f"{self.kind} server" if self.kind else "server"
        return ModelInfo(name=self.model, spec=self._spec, device=self.server.host,
                         dtype="remote", precision="remote", context_window=self.context_window,
                         backend=NAME, capabilities=self.capabilities,
                         backend_note=f"{kind} at {self.server.url}")

    def _props_context(self) -> int | None:
        try:
            return dialects.context_from_props(
                self.client.call("GET", "/props", under_v1=False, retry=False))
        except (failures.ServerError, Cancelled):
            return None

    # ---- tokens and the context ---------------------------------------------------------

    def _count(self, text: str) -> tuple[int, bool]:
        """Tokens in `text` (BOS included where the server adds one), and whether that
        is an estimate."""
        if self._counted is not None and self._counted[0] == text:
            return self._counted[1], False
        if self._tokenizer is False:
            self._tokenizer = self._find_tokenizer()
        if isinstance(self._tokenizer, dialects.Tokenizer):
            count = self._tokenize(self._tokenizer, text)
            if count is not None:
                self._counted = (text, count)
                return count, False
        return max(1, round(len(text.encode("utf-8")) / BYTES_PER_TOKEN)), True

    def _tokenize(self, tokenizer: dialects.Tokenizer, text: str) -> int | None:
        try:
            document = self.client.call("POST", tokenizer.path,
                                        tokenizer.body(self.model, text),
                                        under_v1=tokenizer.under_v1, retry=True)
        except failures.ServerError:
            return None
        return dialects.tokens_in(document)

    def _find_tokenizer(self) -> dialects.Tokenizer | None:
        for tokenizer in dialects.TOKENIZERS:
            if self._tokenize(tokenizer, "Writer") is not None:
                return tokenizer
        return None

    def _fit(self, text: str, preamble: str, reserve: int) -> tuple[str, ContextUsage]:
        """The prompt to send — the preamble and the end of `text` that fits — and usage."""
        window = self.context_window
        budget = window - min(reserve, window // 2)
        total, approximate = self._count(preamble + text)
        used, tail = total, text
        for _ in range(6):
            if used <= budget or not tail:
                break
            keep = int(len(tail) * budget / used * 0.95)
            tail = tail[len(tail) - keep:] if keep > 0 else ""
            used, approximate = self._count(preamble + tail)
        return preamble + tail, ContextUsage(used, max(0, total - used), window, approximate)

    def context_usage(self, text: str, preamble: str = "", reserve: int = 0) -> ContextUsage:
        return self._fit(text, preamble, reserve)[1]

    # ---- the pane -----------------------------------------------------------------------

    def next_tokens(self, text: str, params: SamplingParams, n: int, preamble: str,
                    cancel: CancelCheck) -> NextTokens | None:
        try:
            prompt, usage = self._fit(text, preamble, 0)
            top = self._next_position(prompt, cancel)
        except Cancelled:
            return None
        self._pane = (top, prompt, usage)
        return pane.next_tokens(top, prompt, params, n, usage, self._ids)

    def reweigh(self, params: SamplingParams, n: int) -> NextTokens | None:
        if self._pane is None:
            return None
        top, prompt, usage = self._pane
        return pane.next_tokens(top, prompt, params, n, usage, self._ids)

    def _next_position(self, prompt: str, cancel: CancelCheck) -> list[TokenLogprob]:
        for _ in range(PANE_TRIES):
            body = {"model": self.model, "prompt": prompt, "max_tokens": 1,
                    "temperature": 1.0, "top_p": 1.0, "min_p": 0.0,
                    "top_k": dialects.top_k_off(self.kind),
                    "logprobs": self._logprobs, "stream": False}
            choices = self._completion(body, cancel)
            positions = choices[0].positions if choices else ()
            if positions:
                first = positions[0]
                top = list(first.top)
                if all(t.key != first.chosen.key for t in top):
                    top.append(first.chosen)
                return top
            if choices and choices[0].text:  # it wrote a token but sent no probabilities
                raise WriterError(
                    f"The server at {self.server.url} sends no token probabilities",
                    "the next-token pane needs `logprobs` on /v1/completions; Continue "
                    "still works — use a server that supports it (vLLM, llama.cpp's server)")
        return []

    def _completion(self, body: dict[str, Any], cancel: CancelCheck) -> list[replies.Choice]:
        """A non-streamed completion (idempotent: retried), adapting once to a server that
        allows fewer log-probabilities or has a smaller window than assumed."""
        for _ in range(3):
            try:
                document = self.client.call("POST", "/completions", body, retry=True,
                                            cancel=cancel)
            except failures.ServerError as error:
                if not self._adapt(error, body):
                    raise
                continue
            try:
                return replies.parse_completion(document)
            except ValueError as error:
                raise failures.unreadable(self.client.url, str(error)) from None
        raise failures.ServerError(f"The server at {self.server.url} keeps refusing the "
                                   "request", "see the server's log")

    def _adapt(self, error: failures.ServerError, body: dict[str, Any]) -> bool:
        if error.status != 400 and error.status != 500:
            return False
        message = error.message
        allowed = dialects.number_in(dialects.LOGPROBS_IN_ERROR, message)
        if "logprob" in message.lower() and allowed is not None and allowed < self._logprobs:
            self._logprobs = max(1, allowed)
            if body.get("logprobs"):
                body["logprobs"] = self._logprobs
            return True
        window = dialects.number_in(dialects.CONTEXT_IN_ERROR, message)
        if window is not None and not self._window_known and window < self.context_window:
            self.context_window, self._window_known = window, True
            prompt, _ = self._fit(body["prompt"], "", int(body.get("max_tokens") or 0))
            body["prompt"] = prompt
            return True
        return False

    # ---- generation ---------------------------------------------------------------------

    def _body(self, prompt: str, params: SamplingParams, max_tokens: int,
              logprobs: int | None, stream: bool = True) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "prompt": prompt,
                                "max_tokens": max_tokens, "stream": stream,
                                **dialects.sampling_fields(params, self.kind)}
        if logprobs:
            body["logprobs"] = logprobs
        return body

    def generate(self, text: str, params: ParamsSource, cancel: CancelCheck, preamble: str,
                 top_n: int) -> RemoteRun:
        first = params()
        prompt, usage = self._fit(text, preamble, first.max_new_tokens)
        run = RemoteRun(self.client, self._body, prompt, params, cancel, top_n, self._ids,
                        usage, min(self._logprobs, max(top_n, 1)))
        self.runs = [run]
        return run

    def samples(self, text: str, params: SamplingParams, n: int, preamble: str,
                cancel: CancelCheck, cut: TextCut | None) -> list[str]:
        prompt, _ = self._fit(text, preamble, params.max_new_tokens)
        rows: list[str] = []
        try:
            body = {**self._body(prompt, params, params.max_new_tokens, None, stream=False),
                    "n": n}
            rows = [c.text for c in sorted(self._completion(body, cancel),
                                           key=lambda c: c.index)][:n]
            for extra in range(len(rows), n):  # a server that ignores n: one at a time
                if cancel():
                    break
                again = params if params.seed is None else params.with_changes(
                    seed=(params.seed + extra) % 2**63)
                body = self._body(prompt, again, params.max_new_tokens, None, stream=False)
                rows += [c.text for c in self._completion(body, cancel)[:1]]
        except Cancelled:
            return rows
        if not params.allow_control_tokens:
            rows = [CONTROL_NAME.sub("", row) for row in rows]
        return [_cut(row, cut) for row in rows]

    # ---- prompt log-probabilities -------------------------------------------------------

    def prompt_logprobs(self, text: str,
                        cancel: CancelCheck = NEVER) -> list[tuple[str, float | None]]:
        """Each prompt token's text and log-probability (None where the server gives none,
        such as the first): for a perplexity view. vLLM's `prompt_logprobs`, else an
        echoed completion's log-probabilities (llama.cpp's servers)."""
        attempts = [{"echo": True, "logprobs": 1}, {"prompt_logprobs": 0}]
        if self.kind == "vLLM":
            attempts.reverse()
        for extra in attempts:
            body = {"model": self.model, "prompt": text, "max_tokens": 1,
                    "temperature": 0.0, **extra}
            try:
                document = self.client.call("POST", "/completions", body, retry=True,
                                            cancel=cancel)
            except failures.ServerError as error:
                if error.status in (400, 422, 500):
                    continue
                raise
            result = _prompt_logprobs(document, text, bool(extra.get("echo")))
            if result is not None:
                return result
        raise WriterError(f"The server at {self.server.url} does not give the log-"
                          "probabilities of a prompt",
                          "vLLM (prompt_logprobs) and llama.cpp's servers (echo) do")

    def reset(self) -> None:
        self._pane = None
        self._counted = None

    def close(self) -> None:
        self.client.close()


def _prompt_logprobs(document: Any, text: str,
                     echoed: bool) -> list[tuple[str, float | None]] | None:
    try:
        if not echoed:
            return [("", value) for value in replies.parse_prompt_logprobs(document)]
        choices = replies.parse_completion(document)
    except ValueError:
        return None
    if not choices or not choices[0].positions:
        return None
    positions = choices[0].positions
    if all(p.text_offset is not None for p in positions):
        prompt = [p for p in positions if (p.text_offset or 0) < len(text)]
    else:
        prompt = list(positions[:-1])  # the last is the completion's own token
    return [(pane.display_text(p.chosen),
             None if math.isnan(p.chosen.logprob) else p.chosen.logprob) for p in prompt]


def _cut(row: str, cut: TextCut | None) -> str:
    if cut is None:
        return row
    end = cut(row)
    return row if end is None else row[:end]
