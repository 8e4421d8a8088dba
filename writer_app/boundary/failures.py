"""Any exception as a `Failure` value the window can show: both sides of the boundary
turn errors into values the same way."""

from __future__ import annotations

import traceback

from writer_app.boundary.messages import Failure
from writer_app.errors import LoadCancelledError, WriterError, first_line, is_out_of_memory


def failure_from(error: BaseException) -> Failure:
    """Turn any exception into a value the window can show: message, hint, details."""
    if isinstance(error, WriterError):
        return Failure(error.message, error.hint, cancelled=isinstance(error, LoadCancelledError))
    if is_out_of_memory(error):
        return Failure("The model ran out of memory",
                       "choose a smaller model or precision (Model → Choose Model…)")
    text = first_line(error)
    return Failure(text if text == type(error).__name__ else f"{type(error).__name__}: {text}",
                   "this is a bug in Writer; the details help to fix it",
                   details="".join(traceback.format_exception(error)))
