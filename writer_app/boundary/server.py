"""Where an OpenAI-compatible server is, as a plain value both processes share.

The window builds a `ServerConnection` from the Connect to Server dialog (or the command
line's `--server`), and the engine's process opens the "server" backend with it. The
API key travels inside the value because the engine's process makes the calls; it is
kept out of `repr()` so that no log, traceback or diagnostics report shows it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from writer_app.errors import WriterError

DEFAULT_TIMEOUT_S = 30.0  # connect and between two bytes of a reply; a stream may run longer
LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


@dataclass(frozen=True)
class ServerConnection:
    """An OpenAI-compatible base URL (ending in /v1), the model to ask for, and the key."""

    url: str  # normalised by `normalise_base_url`, e.g. "http://127.0.0.1:8080/v1"
    model: str = ""  # as `/v1/models` names it; "" lets the server choose (its only model)
    api_key: str = field(default="", repr=False, compare=False)
    timeout_s: float = DEFAULT_TIMEOUT_S

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or ""

    @property
    def is_loopback(self) -> bool:
        return is_loopback_host(self.host)

    @property
    def sends_in_clear(self) -> bool:
        """Plain http to another machine: the text (and key) cross the network unencrypted."""
        return urlsplit(self.url).scheme == "http" and not self.is_loopback


def is_loopback_host(host: str) -> bool:
    """Whether `host` names this machine (127.0.0.0/8, ::1, localhost)."""
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def normalise_base_url(text: str) -> str:
    """The base URL the completions API lives under, from what a user typed.

    "localhost:8080" → "http://localhost:8080/v1"; "https://host/v1/" → "https://host/v1";
    a URL that already names an endpoint ("…/v1/completions") loses it. Raises
    WriterError with a hint for anything that cannot be a server's address.
    """
    text = text.strip()
    if not text:
        raise WriterError("No server address was given",
                          "enter one such as http://127.0.0.1:8080/v1")
    if "://" not in text:
        text = "http://" + text
    try:
        parts = urlsplit(text)
    except ValueError:  # e.g. an unclosed "[" of an IPv6 address
        raise WriterError(f"The address {text!r} is not a valid URL",
                          "enter one such as http://127.0.0.1:8080/v1") from None
    if parts.scheme not in ("http", "https"):
        raise WriterError(f"{parts.scheme}:// is not a server address Writer can use",
                          "use an http:// or https:// address")
    try:
        port = parts.port  # raises ValueError on a port that is not a number in range
    except ValueError:
        port = 0
    if port == 0:
        raise WriterError(f"The address {text!r} has an invalid port",
                          "a port is a number from 1 to 65535, e.g. :8080")
    if not parts.hostname:
        raise WriterError(f"The address {text!r} names no host",
                          "enter one such as http://127.0.0.1:8080/v1")
    path = parts.path.rstrip("/")
    for endpoint in ("/chat/completions", "/completions", "/models"):
        if path.endswith(endpoint):
            path = path[: -len(endpoint)]
            break
    if not path.endswith("/v1"):
        path = path + "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))
