"""Quick look-ups answered where the engine lives, at once, never queued behind a request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _list_models() -> Any:
    from writer_app.engine.models import list_models

    return list_models()


def _available_backends() -> Any:
    """{name: None when it can run here, else why not} — for the Engine menu and About."""
    from writer_app.host.backends import available_backends

    return available_backends()


QUERIES: dict[str, Callable[[], Any]] = {"list_models": _list_models,
                                         "available_backends": _available_backends}


def answer(name: str) -> Any:
    """The answer to look-up `name`; KeyError names the unknown ones."""
    try:
        query = QUERIES[name]
    except KeyError:
        raise KeyError(f"no look-up named {name!r}; known: {', '.join(QUERIES)}") from None
    return query()
