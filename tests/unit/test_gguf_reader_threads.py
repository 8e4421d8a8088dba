"""The gguf reader speed-up on several threads at once.

transformers finds its reader as `gguf.GGUFReader`, so sharing one parse per conversion
means standing in for that name while a conversion runs. Two conversions on two threads,
or a conversion while another thread reads a GGUF of its own, must neither see each
other's readers nor leave the stand-in behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import gguf
import pytest

from tests.unit.test_models import write_tiny_llama_gguf
from writer_app.engine.models.gguf_reader import QuickGGUFReader, one_gguf_reader

pytestmark = pytest.mark.usefixtures("isolated_dirs")

WAIT_S = 60.0  # generous: only a broken run ever waits this long


@pytest.fixture
def tiny_gguf(tmp_path: Path) -> Path:
    return write_tiny_llama_gguf(tmp_path / "tiny.gguf")


def run_threads(*targets: Callable[[], None]) -> None:
    """Run each target on its own thread; re-raise the first failure here."""
    failures: list[BaseException] = []

    def guarded(target: Callable[[], None]) -> Callable[[], None]:
        def run() -> None:
            try:
                target()
            except BaseException as error:  # reported on the test's thread
                failures.append(error)
        return run

    threads = [threading.Thread(target=guarded(target)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT_S)
        assert not thread.is_alive(), "a thread did not finish"
    if failures:
        raise failures[0]


def test_overlapping_conversions_put_gguf_reader_back() -> None:
    """A enters, B enters, A leaves, B leaves: B used to restore A's stand-in for good."""
    original = gguf.GGUFReader
    a_inside, b_inside, a_left = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with one_gguf_reader():
            a_inside.set()
            assert b_inside.wait(WAIT_S)
        a_left.set()

    def second() -> None:
        assert a_inside.wait(WAIT_S)
        with one_gguf_reader():
            b_inside.set()
            assert a_left.wait(WAIT_S)

    run_threads(first, second)

    assert gguf.GGUFReader is original


def test_a_conversion_does_not_hand_its_readers_to_other_threads(tiny_gguf: Path) -> None:
    """Another thread reading a GGUF meanwhile gets gguf's own reader, a fresh one each
    time, never the converting thread's shared (and kept-alive) one."""
    original = gguf.GGUFReader
    inside, done = threading.Event(), threading.Event()
    converting_reads: list[object] = []

    def converting() -> None:
        with one_gguf_reader():
            converting_reads.extend([gguf.GGUFReader(tiny_gguf), gguf.GGUFReader(tiny_gguf)])
            inside.set()
            assert done.wait(WAIT_S)

    def elsewhere() -> None:
        assert inside.wait(WAIT_S)
        try:
            first, second = gguf.GGUFReader(tiny_gguf), gguf.GGUFReader(tiny_gguf)
            assert first is not second
            assert type(first) is original and type(second) is original
            assert isinstance(first, gguf.GGUFReader)  # still answers like the class
            assert all(first is not mine for mine in converting_reads)
        finally:
            done.set()

    run_threads(converting, elsewhere)

    mine, again = converting_reads
    assert mine is again and isinstance(mine, QuickGGUFReader)  # the speed-up still holds


_TWO_LOADS_AT_ONCE = """
import sys, threading
from pathlib import Path
import gguf
from tests.unit.test_models import write_tiny_llama_gguf
from tests.unit.test_gguf_reader_threads import run_threads, WAIT_S
from writer_app.engine.models import load_model

original = gguf.GGUFReader
folder = Path(sys.argv[1])
files = [write_tiny_llama_gguf(folder / f"model-{index}.gguf") for index in range(2)]
with files[1].open("ab") as stream:  # other content: the loads convert into two folders
    stream.write(bytes(32))
both_converting = threading.Barrier(2, timeout=WAIT_S)
names = []

def loading(path):
    def progress(step):
        if step.stage == "Converting GGUF":
            both_converting.wait()
    return lambda: names.append(load_model(str(path), dtype="float32", progress=progress).name)

run_threads(*(loading(path) for path in files))
assert gguf.GGUFReader is original, gguf.GGUFReader
print(",".join(sorted(names)))
"""


def test_two_gguf_loads_at_once_on_two_threads(tmp_path: Path) -> None:
    """Both conversions are held inside their reader window together (at the "Converting
    GGUF" stage), then finish in either order. In a process of its own: transformers'
    from_pretrained keeps process-wide state that two loads at once leave changed, which
    later tests building models here would inherit."""
    environment = {**os.environ, "WRITER_HOME": str(tmp_path / "home"), "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _TWO_LOADS_AT_ONCE, str(tmp_path)], capture_output=True,
        text=True, env=environment, timeout=600, check=False, cwd=Path(__file__).parents[2],
    )

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().splitlines()[-1] == "model-0.gguf,model-1.gguf"
