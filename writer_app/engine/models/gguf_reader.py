"""A faster gguf.GGUFReader, and one parse of a GGUF's header per conversion.

transformers reads a GGUF through gguf.GGUFReader, once for the tokenizer and again for
the weights, and its reader runs Python code for every value it slices. Both costs are
removed here without changing what is read.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import threading
from collections.abc import Iterator
from typing import Any

import gguf
import numpy as np


class QuickGGUFReader(gguf.GGUFReader):
    """gguf's reader, with the one method that takes every value made cheap.

    The same views of the same bytes, sliced from a plain ndarray over the memory map
    rather than from the numpy.memmap itself, which runs Python code on every slice (4.4
    million times for the default model's 262,144 token strings): 10.1 s → 2.8 s, every
    field and tensor identical (compared when this was written, gguf 0.19).
    """

    def _get(self, offset: int, dtype: Any, count: int = 1,
             override_order: Any = None) -> Any:
        plain = self.__dict__.get("_plain_data")
        if plain is None:
            plain = self.__dict__["_plain_data"] = self.data.view(np.ndarray)
        dtype = np.dtype(dtype)
        count = int(count)
        values = plain[offset:offset + dtype.itemsize * count].view(dtype=dtype)[:count]
        order = self.byte_order if override_order is None else override_order
        return values.view(values.dtype.newbyteorder(order))


def gguf_reader_class(original: Any = None) -> Any:
    """QuickGGUFReader where gguf's private _get is the one it replaces, else gguf's own
    (`original`, by default whatever gguf.GGUFReader is now)."""
    original = gguf.GGUFReader if original is None else original
    try:
        names = list(inspect.signature(original._get).parameters)
    except (AttributeError, TypeError, ValueError):
        return original
    return QuickGGUFReader if names == ["self", "offset", "dtype", "count",
                                        "override_order"] else original


class _StandIn:
    """What gguf.GGUFReader is while any thread converts: the thread's shared readers on
    a converting thread, gguf's own reader everywhere else.

    Installed by the first conversion to start and removed by the last to end (counted
    under a lock), so overlapping conversions on several threads never restore each
    other's stand-in, and a thread that is not converting never receives (or keeps
    alive) a converting thread's readers.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0
        self.original: Any = None
        self.local = threading.local()  # .readers: dict, .reader_class, on converting threads

    def __call__(self, path: str | os.PathLike[str], mode: str = "r") -> Any:
        readers = getattr(self.local, "readers", None)
        if readers is None:
            return self.original(path, mode)
        key = (os.fspath(path), mode)
        if key not in readers:
            readers[key] = self.local.reader_class(path, mode)
        return readers[key]

    def __instancecheck__(self, instance: object) -> bool:
        return isinstance(instance, self.original)  # isinstance(x, gguf.GGUFReader) holds

    def __getattr__(self, name: str) -> Any:
        if name == "original":  # not yet set: never recurse
            raise AttributeError(name)
        return getattr(self.original, name)  # class attributes, as on gguf's reader

    def enter(self) -> bool:
        """Install the stand-in if needed; False where gguf has no GGUFReader."""
        with self.lock:
            if self.users == 0:
                current = getattr(gguf, "GGUFReader", None)
                if current is None:
                    return False
                self.original = current
                gguf.GGUFReader = self
            self.users += 1
            return True

    def leave(self) -> None:
        with self.lock:
            self.users -= 1
            if self.users == 0 and gguf.GGUFReader is self:
                gguf.GGUFReader = self.original


_STAND_IN = _StandIn()


@contextlib.contextmanager
def one_gguf_reader() -> Iterator[None]:
    """Parse a GGUF file's header once while converting it, not twice, and quickly.

    transformers reads the file with gguf.GGUFReader for the tokenizer and again for the
    weights; each parse walks the 262,144 token strings (~10 s for the default model).
    The reader is read-only (a memory map), so the second user on this thread can share
    the first one's. Undone on leaving; a gguf without GGUFReader is left alone.
    """
    if not _STAND_IN.enter():
        yield
        return
    local = _STAND_IN.local
    outer = getattr(local, "readers", None), getattr(local, "reader_class", None)
    local.readers, local.reader_class = {}, gguf_reader_class(_STAND_IN.original)
    try:
        yield
    finally:
        local.readers, local.reader_class = outer
        _STAND_IN.leave()
