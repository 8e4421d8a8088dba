"""Shared fixtures: tiny models built from a config, so unit tests need no download;
and a guard that fails any test leaving a thread, a child process, an active QTimer or a
running QThread behind (as napari's conftest does)."""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import pytest

pytest_plugins = ["pytester"]  # tests of the leftover guard run it on a leaky test

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

CORPUS = [
    "I went on a trip to the sea and the mountains.",
    "The quick brown fox jumps over the lazy dog.",
    "Writing with a model at your side is a pleasure.",
    "我们去北京旅行，看到了长城和故宫。",
    "今天天气很好，我们在公园里散步。",
    "Emoji too: 😀 🚀 ✨ and accents: café, naïve, Straße.",
]


def build_tiny_tokenizer():
    """A byte-level BPE tokenizer trained on a few sentences: multi-byte text splits into
    several tokens, as Chinese and emoji do in real vocabularies."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tokenizer = Tokenizer(models.BPE())
    tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tokenizer.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=["<pad>", "<bos>", "<eos>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tokenizer.train_from_iterator(CORPUS * 5, trainer)
    bos = tokenizer.token_to_id("<bos>")
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<bos> $A", special_tokens=[("<bos>", bos)])
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, bos_token="<bos>",
                                   eos_token="<eos>", pad_token="<pad>")


def build_tiny_model(tokenizer, kind: str = "llama"):
    """A randomly initialised causal LM small enough to run in milliseconds."""
    import torch
    from transformers import (
        Gemma3ForCausalLM,
        Gemma3TextConfig,
        LlamaConfig,
        LlamaForCausalLM,
    )

    torch.manual_seed(0)
    common = dict(vocab_size=len(tokenizer), hidden_size=64, intermediate_size=128,
                  num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
                  bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
                  pad_token_id=tokenizer.pad_token_id)
    if kind == "gemma3":  # sliding-window layers, as in the default model
        config = Gemma3TextConfig(**common, num_hidden_layers=3, head_dim=16, sliding_window=8,
                                  layer_types=["sliding_attention", "sliding_attention",
                                               "full_attention"])
        model = Gemma3ForCausalLM(config)
    else:
        model = LlamaForCausalLM(LlamaConfig(**common, num_hidden_layers=2))
    # Sharpen the random model so sampling has clear favourites, like a trained one.
    with torch.no_grad():
        model.lm_head.weight.mul_(8.0)
    return model.eval()


def make_loaded(model, tokenizer, name: str = "tiny"):
    import torch

    from writer_app.engine.models import LoadedModel

    return LoadedModel(model=model, tokenizer=tokenizer, name=name, spec=name,
                       device=torch.device("cpu"), dtype=torch.float32,
                       context_window=model.config.max_position_embeddings)


@pytest.fixture(scope="session")
def tiny_tokenizer():
    return build_tiny_tokenizer()


@pytest.fixture(scope="session")
def tiny_loaded(tiny_tokenizer):
    """A tiny Llama-architecture model (full attention only)."""
    return make_loaded(build_tiny_model(tiny_tokenizer, "llama"), tiny_tokenizer, "tiny-llama")


@pytest.fixture(scope="session")
def tiny_gemma_loaded(tiny_tokenizer):
    """A tiny Gemma 3 model with an 8-token sliding window, to exercise cache rollback."""
    return make_loaded(build_tiny_model(tiny_tokenizer, "gemma3"), tiny_tokenizer, "tiny-gemma3")


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory, tiny_loaded) -> Path:
    """The tiny Llama model saved as a Hub-style folder (config.json, safetensors, tokenizer)."""
    folder = tmp_path_factory.mktemp("tiny-model")
    tiny_loaded.model.save_pretrained(folder)
    tiny_loaded.tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture
def writer_home(tmp_path, monkeypatch) -> Path:
    """Redirect all of Writer's config, data, cache and log dirs into a temp folder."""
    monkeypatch.setenv("WRITER_HOME", str(tmp_path / "writer-home"))
    return tmp_path / "writer-home"


# ---------------------------------------------------------------------------------------------
# The leftover guard

GRACE_SECONDS = 5.0  # threads and processes that are ending get this long to finish


@dataclass
class _Allowed:
    """What legitimately outlives a test: things that session- and module-scoped fixtures
    own, and what `allow_leftover` registered (objects, or thread-name prefixes)."""

    objects: set[int] = field(default_factory=set)  # id() of threads, timers, QThreads
    pids: set[int] = field(default_factory=set)
    name_prefixes: set[str] = field(default_factory=set)

    def add(self, thing: Any) -> None:
        if isinstance(thing, str):
            self.name_prefixes.add(thing)
        elif isinstance(thing, int):
            self.pids.add(thing)
        elif isinstance(thing, multiprocessing.process.BaseProcess):
            if thing.pid is not None:
                self.pids.add(thing.pid)
        else:
            self.objects.add(id(thing))

    def covers_thread(self, thread: threading.Thread) -> bool:
        return id(thread) in self.objects or thread.name.startswith(
            tuple(self.name_prefixes))


_ALLOWED = _Allowed()
# Libraries' own process-wide helpers, started on first use and kept for the process's life
_ALLOWED.name_prefixes.add("tqdm_monitor")  # tqdm's monitor thread (transformers' bars)


def _library_helper_pids() -> set[int]:
    """multiprocessing's resource tracker and fork server: one per process, by design."""
    from multiprocessing import forkserver, resource_tracker

    pids = {getattr(resource_tracker._resource_tracker, "_pid", None),
            getattr(forkserver._forkserver, "_forkserver_pid", None)}
    return {pid for pid in pids if pid is not None}


def allow_leftover(*things: Any) -> None:
    """Let `things` outlive the test that starts them: a thread, a process (or its pid), a
    QTimer or QThread, or a thread-name prefix. For objects a longer-lived fixture owns."""
    for thing in things:
        _ALLOWED.add(thing)


@pytest.fixture(name="allow_leftover")
def allow_leftover_fixture() -> Callable[..., None]:
    return allow_leftover


def _child_pids() -> set[int]:
    """Running (not zombie) child processes of this process, from /proc where there is one."""
    me = os.getpid()
    found = {p.pid for p in multiprocessing.active_children() if p.pid is not None}
    proc = Path("/proc")
    if not proc.is_dir():
        return found
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="ascii", errors="replace")
        except OSError:
            continue  # ended meanwhile
        state, ppid = stat.rsplit(")", 1)[1].split()[:2]  # the name may hold spaces
        if int(ppid) == me and state != "Z":
            found.add(int(entry.name))
    return found


def _describe_pid(pid: int) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").strip()
        return f"pid {pid} ({command.decode(errors='replace')[:120]})"
    except OSError:
        return f"pid {pid}"


class _QtRecorder:
    """Notes every QTimer and QThread started from Python (by wrapping their `start`), so
    the guard can find those that are still running after a test."""

    installed: ClassVar[bool] = False
    timers: ClassVar[list[weakref.ref[Any]]] = []
    qthreads: ClassVar[list[weakref.ref[Any]]] = []

    @classmethod
    def install(cls) -> None:
        if cls.installed or "PySide6.QtCore" not in sys.modules:
            return
        from PySide6.QtCore import QThread, QTimer

        def recording(method: Any, into: list[weakref.ref[Any]]) -> Any:
            def start(self: Any, *args: Any, **kwargs: Any) -> Any:
                into.append(weakref.ref(self))
                return method(self, *args, **kwargs)

            start.__doc__ = method.__doc__
            return start

        QTimer.start = recording(QTimer.start, cls.timers)
        QThread.start = recording(QThread.start, cls.qthreads)
        cls.installed = True

    @classmethod
    def live(cls, refs: list[weakref.ref[Any]], running: str) -> list[Any]:
        alive = []
        for ref in refs:
            thing = ref()
            try:
                if thing is not None and getattr(thing, running)():
                    alive.append(thing)
            except RuntimeError:  # its C++ object was deleted: not running
                pass
        return alive

    @classmethod
    def active_timers(cls) -> list[Any]:
        """Recorded timers still active, and active QTimer children of top-level widgets."""
        timers = cls.live(cls.timers, "isActive")
        if "PySide6.QtWidgets" in sys.modules:
            from PySide6.QtCore import QEvent, QTimer
            from PySide6.QtWidgets import QApplication

            app = QApplication.instance()
            if app is not None:
                # windows closed with deleteLater() are gone by the next loop iteration
                QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
                owners = [app, *(QApplication.topLevelWidgets()
                                 if isinstance(app, QApplication) else [])]
                for owner in owners:
                    timers += [t for t in owner.findChildren(QTimer) if t.isActive()]
        unique = {id(t): t for t in timers}
        return list(unique.values())


@dataclass
class _Snapshot:
    threads: set[threading.Thread]
    pids: set[int]
    timers: set[int]
    qthreads: set[int]

    @classmethod
    def take(cls) -> _Snapshot:
        _QtRecorder.install()
        return cls(set(threading.enumerate()), _child_pids(),
                   {id(t) for t in _QtRecorder.active_timers()},
                   {id(t) for t in _QtRecorder.live(_QtRecorder.qthreads, "isRunning")})

    def new_threads(self) -> list[threading.Thread]:
        return [t for t in threading.enumerate() if t not in self.threads and t.is_alive()
                and not _ALLOWED.covers_thread(t)]

    def new_pids(self) -> set[int]:
        return _child_pids() - self.pids - _ALLOWED.pids - _library_helper_pids()

    def new_timers(self) -> list[Any]:
        return [t for t in _QtRecorder.active_timers()
                if id(t) not in self.timers and id(t) not in _ALLOWED.objects]

    def new_qthreads(self) -> list[Any]:
        return [t for t in _QtRecorder.live(_QtRecorder.qthreads, "isRunning")
                if id(t) not in self.qthreads and id(t) not in _ALLOWED.objects]


def _wait_for_the_ending(before: _Snapshot) -> None:
    """Give threads, QThreads and processes that are shutting down a moment to finish."""
    deadline = time.monotonic() + GRACE_SECONDS
    for thread in before.new_threads():
        thread.join(max(0.0, deadline - time.monotonic()))
    for qthread in before.new_qthreads():
        qthread.wait(max(0, int((deadline - time.monotonic()) * 1000)))
    while before.new_pids() and time.monotonic() < deadline:
        time.sleep(0.02)  # a child is no thread to join: poll until it is gone


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef[Any], request: Any) -> Iterator[None]:
    """What a session-, package-, class- or module-scoped fixture starts lives on by design."""
    if fixturedef.scope == "function":
        yield
        return
    before = _Snapshot.take()
    yield
    for thing in [*before.new_threads(), *before.new_timers(), *before.new_qthreads()]:
        _ALLOWED.add(thing)
    _ALLOWED.pids.update(before.new_pids())


@pytest.fixture(autouse=True)
def no_leftovers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail a test that leaves a thread, a child process, an active QTimer or a running
    QThread behind, naming each. Registered long-lived things are let through."""
    before = _Snapshot.take()
    yield
    _wait_for_the_ending(before)
    left = [f"thread {t.name!r} ({'daemon' if t.daemon else 'non-daemon'})"
            for t in before.new_threads()]
    left += [f"child process {_describe_pid(pid)}" for pid in sorted(before.new_pids())]
    left += [f"active QTimer {_describe_qobject(t)}" for t in before.new_timers()]
    left += [f"running QThread {_describe_qobject(t)}" for t in before.new_qthreads()]
    _QtRecorder.timers[:] = [r for r in _QtRecorder.timers if r() is not None]
    _QtRecorder.qthreads[:] = [r for r in _QtRecorder.qthreads if r() is not None]
    if left:
        pytest.fail(f"{request.node.nodeid} left running: " + "; ".join(left), pytrace=False)


def _describe_qobject(thing: Any) -> str:
    try:
        parent = thing.parent()
        owner = f" of {type(parent).__name__}" if parent is not None else ""
        interval = f", {thing.interval()} ms" if hasattr(thing, "interval") else ""
        name = thing.objectName()
        return f"{type(thing).__name__}{f' {name!r}' if name else ''}{owner}{interval}"
    except RuntimeError:
        return type(thing).__name__
