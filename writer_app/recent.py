"""Short most-recent-first lists kept in a JSON file (recent files, recent models)."""

from __future__ import annotations

import json
from pathlib import Path

from writer_app.atomic import write_text_atomically


class RecentList:
    """Up to `limit` strings, newest first; a missing or damaged file reads as empty."""

    def __init__(self, path: Path, limit: int = 10) -> None:
        self.path = path
        self.limit = limit

    def items(self) -> list[str]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(raw, list):
            return []
        return [item for item in raw if isinstance(item, str) and item][: self.limit]

    def add(self, item: str) -> None:
        items = [item, *(existing for existing in self.items() if existing != item)]
        write_text_atomically(self.path, json.dumps(items[: self.limit], indent=2,
                                                    ensure_ascii=False))

    def remove(self, item: str) -> None:
        items = [existing for existing in self.items() if existing != item]
        write_text_atomically(self.path, json.dumps(items, indent=2, ensure_ascii=False))
