"""The window's parts on their own, with fakes around them: no model, no engine thread."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from writer_app.boundary.messages import ModelInfo
from writer_app.settings import Settings
from writer_app.ui.feedback import MessageBar
from writer_app.ui.model_control import ModelController
from writer_app.ui.status_bar import StatusIndicators
from writer_app.ui.tasks import TaskSet

pytestmark = pytest.mark.gui


# ---- the message bar -------------------------------------------------------------------------

def test_an_error_stays_until_dismissed_and_an_info_waits_behind_it(qtbot):
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show_message("Cannot read picture.png", "Writer opens plain text", topic="open")
    bar.show_message("Model is ready", level="info", topic="model")
    assert "picture.png" in bar.message() and bar.property("level") == "error"
    bar.clear_topic("model")  # the waiting info's cause is gone: it never shows
    bar.show_message("Restored unsaved changes", level="info", topic="restore")
    bar.clear_topic("save", "model")  # not this error's topic: it stays
    assert "picture.png" in bar.message()
    bar.dismiss()
    assert not bar.isHidden() and "Restored" in bar.message()
    bar.clear_topic("restore")
    assert bar.isHidden() and bar.topic() == ""


def test_a_new_error_replaces_an_error_and_actions_dismiss_then_run(qtbot):
    bar = MessageBar()
    qtbot.addWidget(bar)
    bar.show()
    ran = []
    bar.show_message("First", topic="a")
    bar.show_message("Second", topic="b", actions=(("Do it", lambda: ran.append(1)),))
    assert "Second" in bar.message() and bar.topic() == "b"
    qtbot.mouseClick(bar.button("Do it"), Qt.MouseButton.LeftButton)
    assert ran == [1] and bar.isHidden() and bar.button("Do it") is None


# ---- the model controller --------------------------------------------------------------------

class FakeWorker:
    """Loads are futures the test settles; engine loss is a call the test makes."""

    def __init__(self) -> None:
        self.loads: list[tuple[str, asyncio.Future]] = []
        self.requests = []  # the LoadRequests, in order
        self.lost = []

    def on_engine_lost(self, listener) -> None:
        self.lost.append(listener)

    def cancel_load(self) -> None:
        pass

    def load_request(self, request, on_progress=None):
        future = asyncio.get_running_loop().create_future()
        self.loads.append((request.spec, future))
        self.requests.append(request)
        return future


class Messages:
    def __init__(self) -> None:
        self.errors, self.status, self.infos = [], "", []

    def show_error(self, message, hint="", details="", topic="", actions=()):
        self.errors.append(message)

    def show_info(self, message, hint="", topic="", actions=()):
        self.infos.append((message, actions))

    def show_status(self, text, timeout_ms=0):
        self.status = text

    def clear_topic(self, *topics):
        self.errors.clear()


def info(name: str) -> ModelInfo:
    return ModelInfo(name, name, "cpu", "float32", "float32", 512)


def engine_died(**model):
    """A worker's Failure for a dead engine; `model=` as a worker that names the model
    to load again gives it (None: nothing, or a load goes ahead by itself)."""
    return SimpleNamespace(message="The engine stopped unexpectedly", hint="load it again",
                           engine_lost=True, **model)


def lost_failure(spec: str | None):
    from writer_app.boundary.messages import LoadRequest

    return engine_died(model=LoadRequest(spec) if spec else None)


@pytest.fixture
def controller(qtbot, running_loop, tmp_path):
    window = QMainWindow()
    qtbot.addWidget(window)
    worker, messages, tasks = FakeWorker(), Messages(), TaskSet()
    models = ModelController(worker, Settings(path=tmp_path / "s.json"),
                             StatusIndicators(window.statusBar()), messages, tasks, window)
    yield models, worker, messages, tasks
    tasks.cancel_all()
    models.shut_down()


@pytest.mark.parametrize("worker_names_the_model", [True, False])
def test_an_engine_lost_mid_load_loads_that_model_again_once(controller, qtbot,
                                                             worker_names_the_model):
    from writer_app.worker import WorkerError

    models, worker, messages, tasks = controller
    loaded = []
    models.loaded.connect(loaded.append)
    models.load("big-model")
    died = lost_failure("big-model") if worker_names_the_model else engine_died()
    worker.lost[0](died)
    assert [spec for spec, _ in worker.loads] == ["big-model", "big-model"]
    assert "again" in messages.status and models.is_loading
    worker.loads[0][1].set_exception(WorkerError(SimpleNamespace(
        message=died.message, hint=died.hint, cancelled=False, details="", engine_lost=True)))
    qtbot.waitUntil(lambda: len(tasks) == 1)  # the first load's flow has ended
    assert messages.errors == [] and models.is_loading  # the first load's failure is old news
    worker.loads[1][1].set_result(info("big-model"))
    qtbot.waitUntil(lambda: loaded != [])
    assert models.info.name == "big-model" and not models.is_loading
    assert "is ready" in messages.status

    worker.lost[0](died)  # again, soon after: left to the user
    assert len(worker.loads) == 2 and models.info is None
    assert messages.errors == ["The engine stopped unexpectedly"]
    assert models.indicators.model_label.text() == "No model"


def test_a_load_that_found_the_engine_dead_goes_ahead_alone(controller, qtbot):
    """A worker that restarts the engine for the load that found it dead says model=None:
    loading it a second time would only replace the first."""
    models, worker, messages, _tasks = controller
    models.load("small-model")
    worker.lost[0](lost_failure(None))
    assert len(worker.loads) == 1 and models.is_loading and messages.errors == []
    worker.loads[0][1].set_result(info("small-model"))
    qtbot.waitUntil(lambda: models.info is not None)
    assert not models.is_loading


@pytest.mark.parametrize("worker_names_the_model", [True, False])
def test_a_reload_after_the_engine_died_keeps_the_server_and_backend(controller, qtbot,
                                                                    worker_names_the_model):
    """The model is loaded again as it was: on the same server (with its key), or with the
    same local backend — never quietly on the default one."""
    from writer_app.boundary.messages import LoadRequest
    from writer_app.boundary.server import ServerConnection

    models, worker, _messages, _tasks = controller
    server = ServerConnection("http://10.0.0.5:8000/v1", "big", api_key="k-1")
    request = LoadRequest(server.url, backend="server", server=server)
    models.load_request(request)
    worker.loads[0][1].set_result(info("big"))
    qtbot.waitUntil(lambda: models.info is not None)
    assert models.server == server and models.settings.get("model.server") == server.url
    worker.lost[0](engine_died(model=request) if worker_names_the_model else engine_died())
    again = worker.requests[-1]
    assert again == request and again.server.api_key == "k-1"

    local = LoadRequest("tiny", backend="llama.cpp")
    models._engine_lost_at = None
    models.load_request(local)
    worker.loads[-1][1].set_result(info("tiny"))
    qtbot.waitUntil(lambda: models.request == local)
    assert models.settings.get("model.server") == ""
    worker.lost[0](engine_died(model=local) if worker_names_the_model else engine_died())
    assert worker.requests[-1] == local and worker.requests[-1].backend == "llama.cpp"
