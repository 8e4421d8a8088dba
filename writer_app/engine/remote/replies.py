"""Completions JSON as plain values, whichever server shaped it.

Servers agree on `choices[i].text` and `finish_reason` and differ on log-probabilities:
OpenAI's legacy shape (`tokens`, `token_logprobs`, `top_logprobs` as dicts,
`text_offset`: llama-cpp-python, vLLM — whose token strings may read "token_id:123"),
the chat shape llama.cpp's own server uses (`content: [{id, token, bytes, logprob,
top_logprobs: [...]}]`), and vLLM's `prompt_logprobs` (per position, a dict of
id → {logprob, decoded_token}). Anything else raises ValueError with what was wrong;
the client turns that into the "reply Writer cannot read" message.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

TOKEN_ID_PREFIX = "token_id:"


@dataclass(frozen=True)
class TokenLogprob:
    """One token as a server described it."""

    text: str  # the token's text as the server decoded it ("" or "\ufffd" for a byte piece)
    logprob: float
    id: int | None = None  # the server's id, where it says
    raw: bytes | None = None  # its bytes, where the server sends them (llama.cpp)

    @property
    def key(self) -> str | bytes | int:
        """What identifies it when the server sends no id."""
        if self.id is not None:
            return self.id
        return self.raw if self.raw is not None else self.text


@dataclass(frozen=True)
class Position:
    """One generated position: the token chosen there and the likeliest ones offered."""

    chosen: TokenLogprob
    top: tuple[TokenLogprob, ...]
    text_offset: int | None = None


@dataclass(frozen=True)
class Choice:
    """One choice of a completion reply, or of one streamed chunk."""

    index: int
    text: str
    finish_reason: str | None
    positions: tuple[Position, ...]


def loads(data: str | bytes) -> Any:
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as error:
        raise ValueError(f"not JSON ({str(error)[:80]})") from None


def parse_completion(document: Any) -> list[Choice]:
    """The choices of a completion (or one streamed chunk of one)."""
    if not isinstance(document, dict):
        raise ValueError("the reply is not a JSON object")
    if "error" in document and "choices" not in document:
        error = document["error"]
        message = error.get("message") if isinstance(error, dict) else error
        raise ValueError(f"the server reported an error: {str(message)[:160]}")
    choices = document.get("choices")
    if not isinstance(choices, list):
        raise ValueError("it has no list of choices")
    return [_choice(item, position) for position, item in enumerate(choices)]


def _choice(item: Any, position: int) -> Choice:
    if not isinstance(item, dict):
        raise ValueError("a choice is not an object")
    text = item.get("text", "")
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise ValueError("a choice's text is not a string")
    index = item.get("index", position)
    if not isinstance(index, int) or isinstance(index, bool) or index < 0:
        raise ValueError("a choice's index is not a number")
    reason = item.get("finish_reason")
    if reason is not None and not isinstance(reason, str):
        raise ValueError("a finish_reason is not a string")
    return Choice(index, text, reason, parse_logprobs(item.get("logprobs")))


def parse_logprobs(logprobs: Any) -> tuple[Position, ...]:
    """Positions from either log-probability shape (none when null)."""
    if logprobs is None:
        return ()
    if not isinstance(logprobs, dict):
        raise ValueError("logprobs is not an object")
    if "content" in logprobs:
        content = logprobs["content"]
        if content is None:
            return ()
        if not isinstance(content, list):
            raise ValueError("logprobs.content is not a list")
        return tuple(_chat_position(entry) for entry in content)
    return _legacy_positions(logprobs)


def _legacy_positions(logprobs: dict[str, Any]) -> tuple[Position, ...]:
    tokens = logprobs.get("tokens") or []
    values = logprobs.get("token_logprobs") or []
    tops = logprobs.get("top_logprobs") or []
    offsets = logprobs.get("text_offset") or []
    for name, value in (("tokens", tokens), ("token_logprobs", values),
                        ("top_logprobs", tops), ("text_offset", offsets)):
        if not isinstance(value, list):
            raise ValueError(f"logprobs.{name} is not a list")
    if len(values) != len(tokens):
        raise ValueError("logprobs.tokens and token_logprobs differ in length")
    positions = []
    for i, token in enumerate(tokens):
        if not isinstance(token, str):
            raise ValueError("a token is not a string")
        value = values[i]
        logprob = _number(value) if value is not None else math.nan  # an echoed first token
        top = tops[i] if i < len(tops) else None
        offset = offsets[i] if i < len(offsets) else None
        if offset is not None and (not isinstance(offset, int) or isinstance(offset, bool)):
            raise ValueError("a text_offset is not a whole number")
        positions.append(Position(_legacy_token(token, logprob), _legacy_top(top), offset))
    return tuple(positions)


def _legacy_top(top: Any) -> tuple[TokenLogprob, ...]:
    if top is None:
        return ()
    if isinstance(top, dict):
        entries = [_legacy_token(str(text), _number(value)) for text, value in top.items()]
    elif isinstance(top, list):  # some servers send [{"token": ..., "logprob": ...}]
        entries = [_chat_token(entry) for entry in top]
    else:
        raise ValueError("top_logprobs holds something that is not a dict")
    return tuple(sorted(entries, key=lambda entry: -entry.logprob))


def _legacy_token(text: str, logprob: float) -> TokenLogprob:
    if text.startswith(TOKEN_ID_PREFIX) and text[len(TOKEN_ID_PREFIX):].isdigit():
        return TokenLogprob("", logprob, int(text[len(TOKEN_ID_PREFIX):]))
    return TokenLogprob(text, logprob)


def _chat_position(entry: Any) -> Position:
    chosen = _chat_token(entry)
    top = entry.get("top_logprobs") or []
    if not isinstance(top, list):
        raise ValueError("top_logprobs is not a list")
    ranked = sorted((_chat_token(item) for item in top), key=lambda item: -item.logprob)
    return Position(chosen, tuple(ranked))


def _chat_token(entry: Any) -> TokenLogprob:
    if not isinstance(entry, dict):
        raise ValueError("a token entry is not an object")
    text = entry.get("token", "")
    if not isinstance(text, str):
        raise ValueError("a token is not a string")
    token_id = entry.get("id")
    if token_id is not None and (not isinstance(token_id, int) or isinstance(token_id, bool)
                                 or token_id < 0):
        raise ValueError("a token id is not a whole number")
    raw = entry.get("bytes")
    if raw is not None:
        if not isinstance(raw, list) or not all(
                isinstance(b, int) and not isinstance(b, bool) and 0 <= b < 256 for b in raw):
            raise ValueError("a token's bytes are not a list of bytes")
        raw = bytes(raw)
    if "logprob" in entry:
        logprob = _number(entry["logprob"])
    elif "prob" in entry:  # llama.cpp's native shape gives probabilities
        prob = _number(entry["prob"])
        logprob = math.log(prob) if prob > 0 else -math.inf
    else:
        raise ValueError("a token entry has no logprob")
    if text.startswith(TOKEN_ID_PREFIX) and text[len(TOKEN_ID_PREFIX):].isdigit():
        token_id, text = int(text[len(TOKEN_ID_PREFIX):]), ""
    return TokenLogprob(text, logprob, token_id, raw)


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"a log-probability is not a number ({str(value)[:20]})")
    number = float(value)
    if math.isnan(number) or number > 1e-3:  # a log-probability is at most 0
        raise ValueError(f"a log-probability is out of range ({number})")
    return number


def parse_prompt_logprobs(document: Any) -> list[float | None]:
    """Per prompt token, its log-probability (None for the first), from vLLM's
    `prompt_logprobs` or an echoed completion's legacy logprobs."""
    choices = document.get("choices") if isinstance(document, dict) else None
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ValueError("it has no choices")
    first = choices[0]
    prompt = first.get("prompt_logprobs", document.get("prompt_logprobs"))
    if isinstance(prompt, list):
        result: list[float | None] = []
        for entry in prompt:
            if entry is None:
                result.append(None)
                continue
            if not isinstance(entry, dict) or not entry:
                raise ValueError("a prompt_logprobs entry is not an object")
            # the prompt's own token is listed first (vLLM adds the top ones after it)
            value = next(iter(entry.values()))
            if isinstance(value, dict):
                value = value.get("logprob")
            result.append(_number(value))
        return result
    raise ValueError("it has no prompt_logprobs")


def models_in(document: Any) -> list[dict[str, Any]]:
    """The model entries of a `/v1/models` reply."""
    if not isinstance(document, dict) or not isinstance(document.get("data"), list):
        raise ValueError("it has no list of models")
    entries = [entry for entry in document["data"] if isinstance(entry, dict)]
    if any(not isinstance(entry.get("id"), str) for entry in entries):
        raise ValueError("a model has no name")
    return entries
