"""The transformers backend: `engine.session.ModelSession` behind the `Backend` protocol.

A thin adapter: what passes straight to the session is `SessionBackend`'s, shared with
the llama.cpp backend; this adds loading, the description and batched samples.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from writer_app.boundary.backend import CancelCheck, Capabilities, TextCut
from writer_app.boundary.messages import LoadRequest, ModelInfo
from writer_app.boundary.params import SamplingParams
from writer_app.host.session_backend import SessionBackend

if TYPE_CHECKING:
    from writer_app.engine.models import LoadedModel
    from writer_app.engine.session import ModelSession
    from writer_app.host.backends import OpenContext

NAME = "transformers"


def open_backend(request: LoadRequest, context: OpenContext) -> TransformersBackend:
    """Load `request` with the context's loader and start a session on it."""
    loaded = context.loader(request.spec, request.device, request.dtype, context.progress,
                            context.cancelled)
    return TransformersBackend(loaded, context.context_limit)


class TransformersBackend(SessionBackend):
    """A model loaded by transformers, served by a `ModelSession` (every feature)."""

    name = NAME
    capabilities = Capabilities()

    def __init__(self, loaded: LoadedModel, context_limit: int | None = None) -> None:
        from writer_app.engine.session import ModelSession

        self.session: ModelSession = ModelSession(loaded, context_limit)
        self._loaded = loaded

    def info(self) -> ModelInfo:
        loaded = self._loaded
        dtype = str(loaded.dtype).removeprefix("torch.")
        return ModelInfo(name=loaded.name, spec=loaded.spec, device=str(loaded.device),
                         dtype=dtype, precision=loaded.precision or dtype,
                         context_window=self.session.context_limit, backend=self.name,
                         capabilities=self.capabilities)

    def samples(self, text: str, params: SamplingParams, n: int, preamble: str,
                cancel: CancelCheck, cut: TextCut | None) -> list[str]:
        rows = [""] * n
        for step in self.session.generate_many(text, params, n, cancel=cancel,
                                               preamble=preamble, top_n=1, cut=cut):
            rows[step.row] += step.text
        return rows

    def close(self) -> None:
        self.session.reset_cache()
