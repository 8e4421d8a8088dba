"""A quick structural check of a GGUF file, so that a damaged or half-downloaded file fails
at once with a clear message rather than after a long conversion with an obscure one."""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path
from typing import Any

import gguf

from writer_app.engine.models.spec import HINT_CHOOSE_MODEL
from writer_app.errors import ModelLoadError, first_line

# GGUF value types (gguf.GGUFValueType) with a fixed size, in bytes.
_GGUF_SCALAR_SIZES: dict[int, int] = {
    gguf.GGUFValueType.UINT8: 1,
    gguf.GGUFValueType.INT8: 1,
    gguf.GGUFValueType.UINT16: 2,
    gguf.GGUFValueType.INT16: 2,
    gguf.GGUFValueType.UINT32: 4,
    gguf.GGUFValueType.INT32: 4,
    gguf.GGUFValueType.FLOAT32: 4,
    gguf.GGUFValueType.BOOL: 1,
    gguf.GGUFValueType.UINT64: 8,
    gguf.GGUFValueType.INT64: 8,
    gguf.GGUFValueType.FLOAT64: 8,
}


class _GGUFInvalid(Exception):
    """The reason a file is not a usable GGUF."""


class _GGUFCursor:
    """Reads the GGUF header in place, failing cleanly where the file ends early."""

    def __init__(self, data: mmap.mmap, byte_order: str):
        self.data = data
        self.byte_order = byte_order
        self.position = 0

    def unpack(self, fmt: str) -> tuple[Any, ...]:
        fmt = self.byte_order + fmt
        size = struct.calcsize(fmt)
        self._require(size)
        values = struct.unpack_from(fmt, self.data, self.position)
        self.position += size
        return values

    def skip(self, size: int) -> None:
        self._require(size)
        self.position += size

    def string(self) -> bytes:
        """A length-prefixed string, which must be UTF-8 (transformers decodes it so)."""
        (length,) = self.unpack("Q")
        self._require(length)
        value = self.data[self.position : self.position + length]
        self.position += length
        _require_utf8(value)
        return value

    def skip_value(self, value_type: int) -> None:
        if value_type in _GGUF_SCALAR_SIZES:
            self.skip(_GGUF_SCALAR_SIZES[value_type])
        elif value_type == gguf.GGUFValueType.STRING:
            self.string()
        elif value_type == gguf.GGUFValueType.ARRAY:
            item_type, count = self.unpack("IQ")
            if item_type in _GGUF_SCALAR_SIZES:
                self.skip(count * _GGUF_SCALAR_SIZES[item_type])
            elif item_type == gguf.GGUFValueType.STRING:
                self._skip_strings(count)
            else:
                for _ in range(count):
                    self.skip_value(item_type)
        else:
            raise _GGUFInvalid(f"it has an unknown value type ({value_type})")

    def _skip_strings(self, count: int) -> None:
        """`count` strings in one tight loop: a vocabulary holds 262,144 of them."""
        data, position, end = self.data, self.position, len(self.data)
        unpack_length = struct.Struct(self.byte_order + "Q").unpack_from
        for _ in range(count):
            if position + 8 > end:
                raise _incomplete()
            (length,) = unpack_length(data, position)
            position += 8
            if position + length > end:
                raise _incomplete()
            _require_utf8(data[position : position + length])
            position += length
        self.position = position

    def _require(self, size: int) -> None:
        if self.position + size > len(self.data):
            raise _incomplete()


def _incomplete() -> _GGUFInvalid:
    return _GGUFInvalid("it ends inside its header (the file is incomplete)")


def _require_utf8(value: bytes) -> None:
    try:
        value.decode("utf-8")
    except UnicodeDecodeError:
        raise _GGUFInvalid("its header holds text that is not UTF-8 (it is damaged)") from None


def check_gguf_file(path: Path) -> None:
    """Raise ModelLoadError unless `path` is a complete GGUF file.

    Walks the header and tensor table (well under a second) so that a damaged or
    half-downloaded file fails at once with a clear message, not after a long
    conversion with an obscure one.
    """
    try:
        _check_gguf_structure(path)
    except _GGUFInvalid as reason:
        raise ModelLoadError(
            f"'{path.name}' is not a valid GGUF file: {reason}",
            "download the file again, or choose another model",
        ) from None
    except OSError as error:
        raise ModelLoadError(
            f"'{path}' cannot be read: {first_line(error)}", HINT_CHOOSE_MODEL
        ) from error


def _check_gguf_structure(path: Path) -> None:
    with path.open("rb") as stream:
        if os.fstat(stream.fileno()).st_size < 24:
            raise _GGUFInvalid("it is too short to be one")
        with mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if data[:4] != b"GGUF":
                raise _GGUFInvalid("it does not start with the GGUF signature")
            byte_order = "<" if struct.unpack_from("<I", data, 4)[0] in (2, 3) else ">"
            cursor = _GGUFCursor(data, byte_order)
            cursor.skip(4)
            (version,) = cursor.unpack("I")
            if version not in (2, 3):
                raise _GGUFInvalid(f"GGUF version {version} is not supported")
            tensor_count, field_count = cursor.unpack("QQ")
            alignment = gguf.GGUF_DEFAULT_ALIGNMENT
            for _ in range(field_count):
                key = cursor.string()
                (value_type,) = cursor.unpack("I")
                if key == b"general.alignment" and value_type == gguf.GGUFValueType.UINT32:
                    (alignment,) = cursor.unpack("I")
                else:
                    cursor.skip_value(value_type)
            if alignment <= 0:
                raise _GGUFInvalid("its alignment is zero")
            data_end = 0
            for _ in range(tensor_count):
                cursor.string()
                (dimension_count,) = cursor.unpack("I")
                element_count = 1
                for size in cursor.unpack(f"{dimension_count}Q"):
                    element_count *= size
                if element_count == 0:
                    raise _GGUFInvalid("its tensor table is damaged (a tensor has no elements)")
                tensor_type, offset = cursor.unpack("IQ")
                if tensor_type not in gguf.GGML_QUANT_SIZES:
                    raise _GGUFInvalid(f"it uses an unknown tensor type ({tensor_type})")
                block_size, type_size = gguf.GGML_QUANT_SIZES[tensor_type]
                data_end = max(data_end, offset + element_count // block_size * type_size)
            data_start = -(-cursor.position // alignment) * alignment
            if data_start + data_end > len(data):
                raise _GGUFInvalid(
                    f"it is incomplete ({len(data):,} of {data_start + data_end:,} bytes)"
                )
