"""The session: which documents were open, in which order, which one was active, and
the project folder — so that the next start looks like the last close.

A small JSON file in the data folder, written atomically. Reading never fails: a file
that is missing, damaged, of the wrong shape or absurdly large gives an empty session
(Writer then starts as if for the first time). Unsaved text is not kept here: it lives in
the hot-exit journal, found again through each document's `journal_id`. No Qt here.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from writer_app import paths
from writer_app.atomic import write_bytes_atomically

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
MAX_BYTES = 1024 * 1024  # a session of thousands of documents is still far below this
MAX_DOCUMENTS = 500
MAX_PATH_CHARACTERS = 4096


@dataclass(frozen=True)
class SessionDocument:
    """One open document: its file (None: untitled) and the journal its unsaved text
    went to (None: nothing unsaved)."""

    path: str | None = None
    journal_id: str | None = None


@dataclass(frozen=True)
class Session:
    documents: tuple[SessionDocument, ...] = ()
    active: int = 0  # index into documents
    project: str | None = None  # the folder opened as a project
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {"version": FORMAT_VERSION,
                "documents": [{"path": d.path, "journal_id": d.journal_id}
                              for d in self.documents],
                "active": self.active, "project": self.project}


def session_path() -> Path:
    return paths.data_dir() / "session.json"


def _text(value: Any, limit: int = MAX_PATH_CHARACTERS) -> str | None:
    """A usable string, else None (wrong type, empty, too long, a NUL inside)."""
    if isinstance(value, str) and value and len(value) <= limit and "\0" not in value:
        return value
    return None


def parse_session(raw: Any) -> Session:
    """A Session from decoded JSON of any shape: what makes sense is kept, the rest
    dropped."""
    if not isinstance(raw, dict) or raw.get("version") != FORMAT_VERSION:
        return Session()
    documents: list[SessionDocument] = []
    items = raw.get("documents")
    for item in items[:MAX_DOCUMENTS] if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        path, journal_id = _text(item.get("path")), _text(item.get("journal_id"), 200)
        if path is not None or journal_id is not None:
            documents.append(SessionDocument(path, journal_id))
    active = raw.get("active")
    if isinstance(active, bool) or not isinstance(active, int) \
            or not 0 <= active < max(1, len(documents)):
        active = 0
    return Session(tuple(documents), active, _text(raw.get("project")))


def load_session(path: Path | None = None) -> Session:
    """The last session, or an empty one when there is none that can be read."""
    path = path or session_path()
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_BYTES + 1)
    except OSError:
        return Session()
    if len(data) > MAX_BYTES:
        log.warning("Ignoring a session file over %d bytes: %s", MAX_BYTES, path)
        return Session()
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        log.warning("Ignoring an unreadable session file %s: %s", path, error)
        return Session()
    return parse_session(raw)


def save_session(session: Session, path: Path | None = None) -> bool:
    """Write atomically (an old file stays whole if anything fails); False on failure."""
    path = path or session_path()
    data = json.dumps(session.to_json(), ensure_ascii=False, indent=1).encode("utf-8")
    try:
        write_bytes_atomically(path, data)
    except OSError as error:
        log.warning("Could not save the session: %s", error)
        return False
    return True
