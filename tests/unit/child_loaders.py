"""Loaders for the engine's child process: module-level, so they pickle by name.

The child imports this module (as `tests.unit.child_loaders`) to unpickle them.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from typing import Any

from writer_app.host import load_with_engine

FORWARD_SECONDS = 0.02


def quiet_loader(spec: str, device: str, dtype: str, progress: Any, cancelled: Any) -> Any:
    """The real loader, leaving the recent-models list alone."""
    return load_with_engine(spec, device, dtype, progress, cancelled, remember=False)


def slow_loader(spec: str, device: str, dtype: str, progress: Any, cancelled: Any) -> Any:
    """The real loader; each forward pass then takes FORWARD_SECONDS more, like a bigger
    model, so a test can act mid-generation. It also logs a line from the child."""
    loaded = quiet_loader(spec, device, dtype, progress, cancelled)
    loaded.model.register_forward_hook(lambda *_: time.sleep(FORWARD_SECONDS))
    logging.getLogger("writer_app.tests").warning("loaded %s in the engine process",
                                                  Path(spec).name)
    return loaded


def stuck_loader(spec: str, device: str, dtype: str, progress: Any, cancelled: Any) -> Any:
    """A load stuck in one long stage that never looks at its cancel flag."""
    progress(type("Progress", (), {"stage": "Stuck", "fraction": None})())
    time.sleep(120)
    raise AssertionError("the stuck load was not stopped")


GATED_STAGE = "Waiting at the test's gate"


def gated_loader(spec: str, device: str, dtype: str, progress: Any, cancelled: Any,
                 gate: str = "") -> Any:
    """The real loader, held mid-load until the file `gate` exists: a slow load whose
    pace the test decides (say, to kill the process while it waits)."""
    progress(type("Progress", (), {"stage": GATED_STAGE, "fraction": None})())
    while not Path(gate).exists():
        if cancelled():
            from writer_app.errors import LoadCancelledError

            raise LoadCancelledError("Model loading was cancelled")
        time.sleep(0.01)  # the gate opens in another process: there is no signal to wait on
    return quiet_loader(spec, device, dtype, progress, cancelled)


def forward_gated_loader(spec: str, device: str, dtype: str, progress: Any, cancelled: Any,
                         reached: str = "", gate: str = "") -> Any:
    """The real loader; every forward pass after the load then creates the file `reached`
    and waits for the file `gate`, so a test can act while a request is mid-computation."""
    loaded = quiet_loader(spec, device, dtype, progress, cancelled)

    def hold(*_: Any) -> None:  # returns None: a forward hook's value would replace the output
        Path(reached).touch()
        while not Path(gate).exists():
            time.sleep(0.01)  # the gate opens in another process: no signal to wait on

    loaded.model.register_forward_hook(hold)
    return loaded
