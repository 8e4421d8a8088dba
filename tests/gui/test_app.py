"""`run_gui` as the command line starts it: window first, then the model, then a clean exit."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.gui

SCRIPT = r"""
import json, sys, time
started = time.perf_counter()
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from writer_app.app import run_gui
facts = {}

def poll():
    for window in app.topLevelWidgets():
        if window.objectName() == "mainWindow" and window.isVisible():
            if "shown_s" not in facts:
                facts["shown_s"] = time.perf_counter() - started
                facts["torch_imported_when_shown"] = "torch" in sys.modules
            if window.model_info is not None:
                facts["loaded_s"] = time.perf_counter() - started
                facts["title"] = window.windowTitle()
                facts["model"] = window.model_label.text()
                facts["torch_in_window_process"] = "torch" in sys.modules
                window.close()
                return
    QTimer.singleShot(5, poll)

QTimer.singleShot(0, poll)
facts["code"] = run_gui(sys.argv[1], model=sys.argv[2], device="cpu", dtype="float32")
import multiprocessing
facts["engine_processes_left"] = len(multiprocessing.active_children())
print(json.dumps(facts))
"""


def test_run_gui_shows_the_window_before_torch_then_loads_and_exits(tmp_path, tiny_model_dir):
    """The model loads in the engine's process: torch never enters the window's."""
    document = tmp_path / "story.txt"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, str(document), str(tiny_model_dir)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    print(facts)
    assert facts["code"] == 0
    assert facts["torch_imported_when_shown"] is False
    assert facts["torch_in_window_process"] is False
    assert facts["engine_processes_left"] == 0
    assert facts["shown_s"] < facts["loaded_s"]
    assert facts["title"].startswith("story.txt")
    assert facts["model"] == tiny_model_dir.name
    assert not document.exists()  # created on first save only


BACKEND_SCRIPT = r"""
import json, sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
app = QApplication(sys.argv[:1])
from writer_app.app import run_gui
facts = {}

def poll():
    for window in app.topLevelWidgets():
        if window.objectName() == "mainWindow" and window.model_info is not None:
            facts["request_backend"] = window.models.request.backend
            facts["label"] = window.indicators.backend_label.text()
            facts["setting"] = window.settings.get("model.backend")
            window.close()
            return
    QTimer.singleShot(10, poll)

QTimer.singleShot(0, poll)
facts["code"] = run_gui(None, model=sys.argv[1], device="cpu", dtype="float32",
                        backend="transformers")
print(json.dumps(facts))
"""


def test_run_gui_takes_the_backend_the_command_line_names(tmp_path, tiny_model_dir, writer_home):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8",
           "WRITER_HOME": str(writer_home)}
    result = subprocess.run([sys.executable, "-c", BACKEND_SCRIPT, str(tiny_model_dir)],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    facts = json.loads(result.stdout.strip().splitlines()[-1])
    assert facts == {"request_backend": "transformers", "label": "transformers",
                     "setting": "transformers", "code": 0}
    saved = json.loads((writer_home / "config" / "settings.json").read_text(encoding="utf-8"))
    assert saved["model.backend"] == "transformers"  # kept as the choice, as --device is
