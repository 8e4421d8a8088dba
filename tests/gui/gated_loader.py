"""A loader for the engine's child process that waits, mid-load, for a file to appear.

Module-level so it pickles by name. The gate's path comes from the environment the child
inherits, so a test can kill the process while the load is under way, then open the gate.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from writer_app.host import load_with_engine

GATE_VARIABLE = "WRITER_TEST_LOAD_GATE"
STAGE = "Waiting at the test's gate"


def gated_loader(spec: str, device: str, dtype: str, progress: Any, cancelled: Any) -> Any:
    gate = Path(os.environ[GATE_VARIABLE])
    progress(type("Progress", (), {"stage": STAGE, "fraction": None})())
    while not gate.exists():
        if cancelled():
            from writer_app.errors import LoadCancelledError

            raise LoadCancelledError("Model loading was cancelled")
        time.sleep(0.01)  # another process opens the gate: there is no signal to wait on
    return load_with_engine(spec, device, dtype, progress, cancelled, remember=False)
