"""The llama.cpp backend: a GGUF file run in-process by llama.cpp, sampled by Writer.

`engine.llamacpp.LlamaSession` behind the `Backend` protocol. It opens the built-in model,
a .gguf path, or any spec the model resolver finds a GGUF file for; anything else is
a WriterError that names the transformers backend, which opens every other kind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from writer_app.boundary.backend import CancelCheck, Capabilities, TextCut
from writer_app.boundary.messages import LoadRequest, ModelInfo
from writer_app.boundary.params import SamplingParams
from writer_app.errors import InvalidSettingError, ModelLoadError
from writer_app.host.session_backend import SessionBackend

if TYPE_CHECKING:
    from writer_app.engine.llamacpp.model import OpenedModel
    from writer_app.engine.llamacpp.session import LlamaSession
    from writer_app.host.backends import OpenContext

NAME = "llama.cpp"
CAPABILITIES = Capabilities.lacking(
    beam_search="beam search runs on the transformers backend only (Engine → transformers)")


def gguf_path_of(spec: str) -> Path | None:
    """The GGUF file `spec` names ("default", a .gguf path, a folder holding one), or None
    for a model of another kind (a transformers folder, a Hub id). Cheap: no torch."""
    from writer_app.engine.models.spec import locate

    source = locate(spec.strip())
    if source.kind == "default":
        from writer_app.engine.models.builtin import default_gguf_path

        return default_gguf_path()
    return Path(source.location) if source.kind == "gguf" else None


def open_backend(request: LoadRequest, context: OpenContext) -> LlamaCppBackend:
    """Open the GGUF behind `request.spec` with llama.cpp, reporting progress."""
    from writer_app.engine.llamacpp.model import open_gguf, sample_on_one_thread
    from writer_app.engine.models.progress import LoadSteps
    from writer_app.engine.quiet import quiet_libraries

    steps = LoadSteps(context.progress, context.cancelled)
    steps.begin("Finding the model")
    if request.dtype.strip().lower() != "auto":
        raise InvalidSettingError(
            f"llama.cpp runs a GGUF file in its own quantization, not in {request.dtype}",
            "use --dtype auto, or --backend transformers for another precision")
    path = gguf_path_of(request.spec)
    if path is None:
        raise ModelLoadError(
            f"llama.cpp needs a GGUF file, and '{request.spec}' is not one",
            "choose a .gguf file, or open this model with --backend transformers")
    quiet_libraries()
    sample_on_one_thread()
    opened = open_gguf(path, context.context_limit, request.device, steps)
    try:
        steps.begin("Reading the vocabulary")
        backend = LlamaCppBackend(opened, request.spec)
        steps.check_cancelled()
    except BaseException:
        opened.llm.close()
        raise
    steps.report("Ready", 1.0)
    return backend


class LlamaCppBackend(SessionBackend):
    """A GGUF model in llama.cpp, with Writer's sampling, pane and streamed steps."""

    name = NAME
    capabilities = CAPABILITIES

    def __init__(self, opened: OpenedModel, spec: str,
                 fixed_decode_threads: int | None = None) -> None:
        from writer_app.engine.llamacpp.session import LlamaSession

        self._opened = opened
        self._spec = spec
        self.session: LlamaSession = LlamaSession(opened.llm, opened.context_window,
                                                  opened.threads, fixed_decode_threads)

    def info(self) -> ModelInfo:
        from writer_app.engine.models.spec import DEFAULT_DISPLAY_NAME, DEFAULT_SPEC

        opened = self._opened
        name = DEFAULT_DISPLAY_NAME if self._spec.strip() == DEFAULT_SPEC else opened.path.name
        return ModelInfo(name=name, spec=self._spec, device=opened.device,
                         dtype=opened.file_type, precision=opened.file_type,
                         context_window=self.session.context_limit, backend=self.name,
                         capabilities=self.capabilities)

    def samples(self, text: str, params: SamplingParams, n: int, preamble: str,
                cancel: CancelCheck, cut: TextCut | None) -> list[str]:
        rows, _ = self.session.samples(text, params, n, cancel=cancel, preamble=preamble,
                                       cut=cut)
        return rows

    def close(self) -> None:
        self.session.close()
