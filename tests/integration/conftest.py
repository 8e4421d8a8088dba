"""The real default model, loaded once per test session.

It uses the real user cache, so the one-off GGUF conversion (~50 s) is paid once per
machine, and later runs load the converted copy in seconds.
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def default_loaded():
    from writer_app.engine.models import load_model

    return load_model("default", device="cpu", dtype="float32")


@pytest.fixture
def default_session(default_loaded):
    from writer_app.engine.session import ModelSession

    return ModelSession(default_loaded)
