"""Errors that carry a message for the user and a hint on what to do."""

from __future__ import annotations


class WriterError(Exception):
    """A failure the user can act on: `message` says what went wrong, `hint` what to do."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class InvalidSettingError(WriterError, ValueError):
    """A setting or option outside its allowed range (a usage error, exit code 2)."""


class ModelNotFoundError(WriterError):
    """The named model (folder, file, Hub id) does not exist or cannot be reached."""


class ModelLoadError(WriterError):
    """The model exists but cannot be loaded: corrupt, unsupported, not a causal LM, no memory."""


class LoadCancelledError(WriterError):
    """The user cancelled a model load."""


def first_line(error: BaseException, limit: int = 200) -> str:
    """The first line of an error's text, cut to `limit` characters, for one-line messages.

    Falls back to the exception's class name when it carries no text, so a message
    never ends in a bare colon.
    """
    text = str(error).strip()
    line = text.splitlines()[0].strip() if text else ""
    line = line or type(error).__name__
    return line if len(line) <= limit else line[: limit - 1] + "…"


def is_out_of_memory(error: BaseException) -> bool:
    """Whether `error` means memory ran out (Python's MemoryError, torch's CPU/GPU OOM)."""
    if isinstance(error, MemoryError):
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and (
        "out of memory" in text or "can't allocate memory" in text
    )
