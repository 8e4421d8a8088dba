"""Servers' API keys: in the system keyring where one works, else for this session only.

A key is never written to the settings file, the recent-servers list, the log, the
diagnostics or the hot-exit journal: it lives in the OS keyring (service "Writer", user
name the server's base URL) when the user asks to remember it, and in this process's
memory for the session either way. Where `keyring` finds no usable backend (a headless
Linux box has only its "fail" backend), `available` is False and the dialog says so.

Qt-free: the key store is plain Python, tested with an in-memory keyring backend.
"""

from __future__ import annotations

import logging

import keyring
import keyring.errors

from writer_app.errors import first_line

SERVICE = "Writer"
log = logging.getLogger(__name__)


def keyring_problem() -> str:
    """Why no system keyring can keep a key here ("" when one can)."""
    try:
        backend = keyring.get_keyring()
    except Exception as error:  # a broken keyring configuration must not stop Writer
        return first_line(error)
    if getattr(backend, "priority", 0) <= 0:  # keyring's "fail" and "null" backends
        return "no system keyring (such as GNOME Keyring, KWallet or the macOS Keychain) " \
               "is available"
    return ""


class KeyStore:
    """Keys by server URL: the session's in memory, remembered ones in the keyring."""

    def __init__(self) -> None:
        self._session: dict[str, str] = {}

    @property
    def available(self) -> bool:
        return not keyring_problem()

    def get(self, url: str) -> str:
        """The key for `url`: this session's, else the keyring's, else ""."""
        if url in self._session:
            return self._session[url]
        if not self.available:
            return ""
        try:
            return keyring.get_password(SERVICE, url) or ""
        except Exception as error:  # a locked or broken keyring: ask the user again
            log.warning("Could not read the key for %s from the keyring: %s", url,
                        first_line(error))
            return ""

    def remembered(self, url: str) -> bool:
        """Whether the keyring holds a key for `url`."""
        if not self.available:
            return False
        try:
            return bool(keyring.get_password(SERVICE, url))
        except Exception:
            return False

    def put(self, url: str, key: str, remember: bool) -> str:
        """Keep `key` for `url` this session, and in the keyring if `remember` (an empty key
        forgets it there). Returns why the keyring could not keep it ("" when it did, or
        was not asked to)."""
        if key:
            self._session[url] = key
        else:
            self._session.pop(url, None)
        if not remember:
            return ""
        problem = keyring_problem()
        if problem:
            return problem
        try:
            if key:
                keyring.set_password(SERVICE, url, key)
            else:
                self.forget(url)
        except Exception as error:
            log.warning("Could not keep the key for %s in the keyring: %s", url,
                        first_line(error))
            return first_line(error)
        return ""

    def forget(self, url: str) -> None:
        """Drop the key for `url` from the session and the keyring."""
        self._session.pop(url, None)
        if not self.available:
            return
        try:
            keyring.delete_password(SERVICE, url)
        except keyring.errors.PasswordDeleteError:
            pass  # there was none
        except Exception as error:
            log.warning("Could not remove the key for %s from the keyring: %s", url,
                        first_line(error))
