"""The real default GGUF opened in llama.cpp, shared by the test_llamacpp_* modules (which
import these fixtures); it holds no tests of its own. llama.cpp opens the file in about
a second, so unit tests use the real model rather than a stand-in."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("llama_cpp")

from writer_app.engine.llamacpp.model import OpenedModel, open_gguf
from writer_app.engine.llamacpp.session import LlamaSession
from writer_app.engine.models.builtin import default_gguf_path
from writer_app.engine.models.progress import LoadSteps

CONTEXT = 2048


def open_default(context: int) -> OpenedModel:
    return open_gguf(default_gguf_path(), context, "cpu", LoadSteps(None, None))


def session_on(opened: OpenedModel, fixed_threads: int | None = 1) -> LlamaSession:
    """A session decoding on one thread: the tests' figures must not depend on tuning."""
    return LlamaSession(opened.llm, opened.context_window, opened.threads, fixed_threads)


@pytest.fixture(scope="module")
def llama_session() -> Iterator[LlamaSession]:
    """The default model in llama.cpp with a 2,048-token window (past its 512-token
    sliding window, so rollbacks cross it)."""
    session = session_on(open_default(CONTEXT))
    yield session
    session.close()


@pytest.fixture
def session(llama_session: LlamaSession) -> LlamaSession:
    """The shared session with its cache emptied."""
    llama_session.reset_cache()
    return llama_session
