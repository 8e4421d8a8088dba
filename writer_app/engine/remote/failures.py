"""The one-line messages (and hints) for everything that goes wrong talking to a server."""

from __future__ import annotations

from writer_app.errors import WriterError, first_line


class ServerError(WriterError):
    """A server could not be reached or answered with something Writer cannot use.

    `retryable`: repeating the same idempotent call may succeed (a reset connection, a
    busy gateway); never true for a refused key or a wrong path.
    """

    def __init__(self, message: str, hint: str = "", retryable: bool = False,
                 status: int | None = None) -> None:
        super().__init__(message, hint)
        self.retryable = retryable
        self.status = status


class StreamCut(ServerError):
    """The connection ended in the middle of a reply."""


def refused(url: str) -> ServerError:
    return ServerError(f"Nothing answers at {url}",
                       "is the server running, and on this port? Start it, or check the URL")


def unknown_host(url: str, host: str) -> ServerError:
    return ServerError(f"The server name {host!r} in {url} cannot be found",
                       "check the URL for typing mistakes, and the network connection")


def unreachable(url: str, error: BaseException) -> ServerError:
    return ServerError(f"Could not connect to {url}: {first_line(error)}",
                       "check the URL and the network connection", retryable=True)


def tls_failed(host: str, error: BaseException) -> ServerError:
    reason = getattr(error, "reason", None) or first_line(error)
    if "CERTIFICATE" in str(reason).upper() or "certificate" in str(error):
        return ServerError(f"The server {host} sent a certificate that cannot be trusted "
                           f"({reason})",
                           "check the server's TLS certificate, or install its authority "
                           "in the system's trusted certificates")
    return ServerError(f"A secure connection to {host} failed (TLS: {reason}); no valid "
                       "certificate was offered",
                       "if the server speaks plain http, use an http:// URL; else check its "
                       "TLS certificate")


def timed_out(url: str, seconds: float) -> ServerError:
    return ServerError(f"The server at {url} did not answer within {seconds:g} s",
                       "it may be busy or slow: try again, or raise the timeout in Connect "
                       "to Server")


def cut(url: str) -> StreamCut:
    return StreamCut(f"The connection to {url} ended in the middle of a reply",
                     "the text so far is kept; check that the server is still running, "
                     "then continue again", retryable=True)


def unreadable(url: str, detail: str) -> ServerError:
    return ServerError(f"The server at {url} sent a reply Writer cannot read: {detail}",
                       "is this an OpenAI-compatible server? Check the URL (it should end "
                       "in /v1)")


def http_status(url: str, path: str, status: int, body: str) -> ServerError:
    """The error for a reply with a failing HTTP status, its body's message quoted."""
    said = first_line(ValueError(body), 160) if body.strip() else ""
    said_part = f": {said}" if said and said != "ValueError" else ""
    if status in (401, 403):
        return ServerError(f"The server at {url} refused the API key (HTTP {status})",
                           "check the API key in Model → Connect to Server…", status=status)
    if status == 404:
        if "model" in body.lower():
            return ServerError(f"The server at {url} does not serve that model "
                               f"(HTTP 404{said_part})",
                               "choose one of the models its list offers", status=status)
        return ServerError(f"The server at {url} has no {path} (HTTP 404)",
                           "does the URL end in /v1? e.g. http://127.0.0.1:8080/v1",
                           status=status)
    retryable = status in (408, 429, 502, 503, 504)
    hint = ("the server is busy or restarting: try again in a moment" if retryable
            else "see the server's log for the cause")
    return ServerError(f"The server at {url} failed the request (HTTP {status}{said_part})",
                       hint, retryable=retryable, status=status)
