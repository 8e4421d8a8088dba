"""`--server`, `--server-model` and `--api-key-env` → one `ServerConnection`, or None.

The key is read from the environment variable the user names, never from the command
line (other users see a process's arguments; shells keep them in their history). Every
mistake here is a usage error (exit 2) found before anything is loaded or sent.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from writer_app.boundary.server import ServerConnection, normalise_base_url
from writer_app.errors import InvalidSettingError, WriterError

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_LOCAL_ONLY = (("backend", "auto", "--backend"), ("device", "auto", "--device"),
               ("dtype", "auto", "--dtype"), ("model", "default", "--model"))


def server_from_args(args: argparse.Namespace,
                     environ: Mapping[str, str] | None = None) -> ServerConnection | None:
    """The server the command line names, with its key; None to run the model here."""
    environ = os.environ if environ is None else environ
    url = getattr(args, "server", None)
    if url is None:
        for flag, value in (("--server-model", args.server_model),
                            ("--api-key-env", args.api_key_env)):
            if value is not None:
                raise InvalidSettingError(f"{flag} needs --server URL",
                                          "add the server's address, e.g. "
                                          "--server http://127.0.0.1:8080/v1")
        return None
    for field, neutral, flag in _LOCAL_ONLY:
        value = getattr(args, field, None)
        if value not in (None, neutral):
            raise InvalidSettingError(
                f"{flag} {value} chooses how a model runs on this machine; with --server "
                f"the server runs its own",
                "leave it out" + (", and name the server's model with --server-model NAME"
                                  if field == "model" else ""))
    if _holds_credentials(url):  # a key on the command line after all: refused, unechoed
        raise InvalidSettingError(
            "--server must not hold a user name or password",
            "give the address alone, and the key in an environment variable named with "
            "--api-key-env VAR")
    try:
        base_url = normalise_base_url(url)
    except WriterError as error:
        raise InvalidSettingError(f"--server: {error.message}", error.hint) from None
    except ValueError:  # urlsplit's own refusals, e.g. an unclosed "[" of an IPv6 address
        raise InvalidSettingError("--server: that is not a server address (an unclosed [ ?)",
                                  "enter one such as http://127.0.0.1:8080/v1") from None
    model = (args.server_model or "").strip()
    return ServerConnection(url=base_url, model=model,
                            api_key=_key_from(args.api_key_env, environ))


def _holds_credentials(url: str) -> bool:
    """Whether `url` carries user:password@ (urlsplit's own refusals are judged later)."""
    try:
        return "@" in urlsplit(url if "://" in url else "http://" + url).netloc
    except ValueError:
        return False


def _key_from(variable: str | None, environ: Mapping[str, str]) -> str:
    """The key held by `variable` ("" without one); a usage error when it holds none."""
    if variable is None:
        return ""
    if not _VARIABLE_NAME.fullmatch(variable):
        # Not a name: most likely the key itself, which must not be echoed back.
        raise InvalidSettingError(
            "--api-key-env takes the name of an environment variable, not the key itself",
            "e.g. export WRITER_API_KEY=… then --api-key-env WRITER_API_KEY")
    key = environ.get(variable, "").strip()
    if not key:
        state = "is empty" if variable in environ else "is not set"
        raise InvalidSettingError(
            f"the environment variable {variable} (from --api-key-env) {state}",
            f"set it to the server's API key first, e.g. export {variable}=…")
    return key


def clear_text_warning(server: ServerConnection) -> str | None:
    """The one-line warning for plain http to another machine, or None."""
    if not server.sends_in_clear:
        return None
    what = "your text and API key cross" if server.api_key else "your text crosses"
    return (f"writer-app: warning: {server.url} is plain http to another machine: {what} "
            f"the network unencrypted — use https:// if the server offers it")
