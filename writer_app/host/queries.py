"""Quick look-ups answered where the engine lives, at once, never queued behind a request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _list_models() -> Any:
    from writer_app.engine.models import list_models

    return list_models()


QUERIES: dict[str, Callable[[], Any]] = {"list_models": _list_models}


def answer(name: str) -> Any:
    """The answer to look-up `name`; KeyError names the unknown ones."""
    try:
        query = QUERIES[name]
    except KeyError:
        raise KeyError(f"no look-up named {name!r}; known: {', '.join(QUERIES)}") from None
    return query()
