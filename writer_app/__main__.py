"""The command line: the GUI by default, and headless subcommands for scripts and tests.

This is a contract other tools rely on: `writer-app [PATH]`, `writer-app generate`,
`writer-app next-tokens`, `writer-app models`, `writer-app --version`, and on each of
them `--backend auto|transformers|llama.cpp` or `--server URL` (see `writer_app.cli`).
Exit codes: 0 success, 2 bad usage or out-of-range values, 1 any runtime failure (one
line on stderr, no traceback unless --debug), 130 stopped with Ctrl+C. torch is
imported only once a command needs the model.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from writer_app.cli.commands import run_generate, run_gui, run_models, run_next_tokens
from writer_app.cli.engine import EngineFailure
from writer_app.cli.parsing import (
    EXIT_FAILURE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    SUBCOMMANDS,
    UsageError,
    build_gui_parser,
    build_parser,
    params_from_args,
    parse,
    parser_for,
)
from writer_app.errors import InvalidSettingError, WriterError, first_line, is_out_of_memory

_parser_for = parser_for  # the name tests and older callers use

__all__ = ["EXIT_FAILURE", "EXIT_OK", "EXIT_USAGE", "SUBCOMMANDS", "UsageError",
           "build_gui_parser", "build_parser", "main", "params_from_args"]


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")  # type: ignore[union-attr]
    try:
        args = parse(argv)
        return _handler(getattr(args, "command", None))(args)
    except UsageError as error:
        print(_one_line(str(error)), file=sys.stderr)
        return EXIT_USAGE
    except InvalidSettingError as error:
        print(f"writer-app: {_one_line(str(error))}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK  # `writer-app generate ... | head` is fine
    except Exception as error:  # every failure becomes one line that says what to do
        if debug:
            if isinstance(error, EngineFailure) and error.details:
                print(error.details, file=sys.stderr, end="")
            else:
                raise
        print(f"writer-app: {_one_line(_describe(error))}", file=sys.stderr)
        return EXIT_FAILURE


def _handler(command: str | None) -> Callable[[argparse.Namespace], int]:
    return {"generate": run_generate, "next-tokens": run_next_tokens,
            "models": run_models}.get(command or "", run_gui)


def _describe(error: BaseException) -> str:
    if isinstance(error, EngineFailure):
        if error.details:  # a bug, caught in the engine
            return f"{error.message} — run again with --debug for details"
        if "out of memory" in error.message:  # the window's hint names its menu
            return (f"{error.message} — choose a smaller model, --dtype int8, "
                    "or --device cpu")
    if isinstance(error, WriterError):
        return str(error)
    if is_out_of_memory(error):
        return (f"out of memory ({first_line(error, 120)}) — choose a smaller model, "
                "--dtype int8, or --device cpu")
    return f"{type(error).__name__}: {first_line(error)} — run again with --debug for details"


def _one_line(text: str) -> str:
    """A message as the one line the contract promises (a server may send several)."""
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
