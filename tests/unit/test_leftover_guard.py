"""The root conftest's guard: a test leaving a thread, a child process or an active QTimer
behind fails, naming it; what was registered as long-lived is let through."""

from __future__ import annotations

import subprocess
import sys
import threading
import types
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import conftest

LEAKY_TEST = """
import threading

import leftover_probe


def test_leaks_a_thread():
    threading.Thread(target=leftover_probe.release.wait, name="leaky-thread",
                     daemon=True).start()
"""


@pytest.fixture
def waiting_thread() -> Iterator[threading.Thread]:
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="guard-test-thread", daemon=True)
    yield thread
    release.set()
    thread.join()


def test_a_new_thread_is_found_until_it_ends(waiting_thread):
    before = conftest._Snapshot.take()
    waiting_thread.start()
    assert waiting_thread in before.new_threads()
    conftest.allow_leftover(waiting_thread)
    assert waiting_thread not in before.new_threads()


def test_a_thread_name_can_be_allowed():
    before = conftest._Snapshot.take()
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name="guard-test-allowed-7", daemon=True)
    thread.start()
    try:
        assert thread in before.new_threads()
        conftest.allow_leftover("guard-test-allowed-")
        assert thread not in before.new_threads()
    finally:
        release.set()
        thread.join()


def test_a_child_process_is_found_until_it_ends():
    before = conftest._Snapshot.take()
    child = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)
    try:
        assert child.pid in before.new_pids()
        assert "sys.stdin.read()" in conftest._describe_pid(child.pid)
    finally:
        child.stdin.close()
        child.wait()
    assert child.pid not in before.new_pids()


def test_an_active_qtimer_is_found_until_it_stops(qapp):
    from PySide6.QtCore import QMetaObject, Qt, QTimer
    from PySide6.QtWidgets import QWidget

    before = conftest._Snapshot.take()
    loose = QTimer()
    loose.start(60_000)
    window = QWidget()  # a top-level widget's timer started from C++ is found too
    owned = QTimer(window)
    owned.setInterval(60_000)
    QMetaObject.invokeMethod(owned, "start", Qt.ConnectionType.DirectConnection)  # via C++
    try:
        found = before.new_timers()
        assert loose in found and owned in found
        assert "60000 ms" in conftest._describe_qobject(loose)
    finally:
        loose.stop()
        owned.stop()
    assert before.new_timers() == []
    window.deleteLater()


def test_the_guard_fails_a_leaky_test_and_names_the_thread(pytester, monkeypatch):
    """Run the real conftest on a test that leaves a thread running."""
    probe = types.ModuleType("leftover_probe")
    probe.release = threading.Event()
    monkeypatch.setitem(sys.modules, "leftover_probe", probe)
    source = Path(conftest.__file__).read_text(encoding="utf-8")
    pytester.makeconftest(source.replace("GRACE_SECONDS = 5.0", "GRACE_SECONDS = 0.05"))
    pytester.makepyfile(test_leaky=LEAKY_TEST)
    try:
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    finally:
        probe.release.set()
    for thread in threading.enumerate():
        if thread.name == "leaky-thread":
            thread.join()
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(["*test_leaks_a_thread left running: thread 'leaky-thread'*"])
