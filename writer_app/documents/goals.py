"""Writing goals ("500 words today"), remembered per document — no Qt.

A goal counts the words added to a document today: its word count now less its count at
the start of the day (the first time Writer counted it that day), never below 0. So
deleting a paragraph written yesterday does not undo today's progress beyond 0, and
words written in the morning still count when the goal is set at noon.

The goals live in one JSON file in the data folder, keyed by each document's absolute
path, written atomically. A file that cannot be read or holds garbage gives no goals
and a logged warning: a goal is a convenience, never a reason to fail.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

from writer_app import paths
from writer_app.atomic import write_text_atomically
from writer_app.settings import UnreadableFileError, parse_json

log = logging.getLogger(__name__)

MAX_TARGET = 1_000_000  # words in a day: far beyond anyone's goal, bounds a garbage file
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Goal:
    """A document's goal. `baseline` is its word count at the start of `day` (ISO date);
    `announced` the day the "goal reached" message was shown (shown once a day)."""

    target: int
    day: str
    baseline: int
    announced: str = ""

    def for_day(self, today: str, words: int) -> Goal:
        """The goal on `today`: a new day starts from the document's words now."""
        if self.day == today:
            return self
        return replace(self, day=today, baseline=words, announced="")

    def written(self, words: int) -> int:
        """Words added on the goal's day."""
        return max(0, words - self.baseline)

    def reached(self, words: int) -> bool:
        return self.target > 0 and self.written(words) >= self.target


def document_key(path: Path | str) -> str:
    """The key of a document in the file: its absolute path (case-folded where the file
    system ignores case)."""
    return os.path.normcase(os.path.abspath(path))


def today() -> str:
    return date.today().isoformat()


def goals_path() -> Path:
    return paths.data_dir() / "goals.json"


def parse_goals(data: bytes) -> tuple[dict[str, Goal], list[str]]:
    """The goals in a file's bytes and warnings about what could not be used; never
    raises. An entry with a bad field is left out, the others kept."""
    try:
        raw = parse_json(data)
    except UnreadableFileError as error:
        return {}, [f"the goals file is unreadable ({error})"]
    documents = raw.get("documents") if isinstance(raw, dict) else None
    if not isinstance(documents, dict):
        return {}, ["the goals file holds no goals"]
    goals: dict[str, Goal] = {}
    warnings: list[str] = []
    for key, entry in documents.items():
        goal = _goal(entry)
        if goal is None or not key:
            warnings.append(f"the goal of {key[:200]!r} is not usable; left out")
        else:
            goals[key] = goal
    return goals, warnings


def _goal(entry: Any) -> Goal | None:
    if not isinstance(entry, dict):
        return None
    target, day, baseline = entry.get("target"), entry.get("day"), entry.get("baseline")
    announced = entry.get("announced", "")
    if not (_whole(target) and 0 < target <= MAX_TARGET and _whole(baseline)
            and 0 <= baseline < 2**53 and _date(day) and (announced == "" or _date(announced))):
        return None
    return Goal(target, day, baseline, announced)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _date(value: Any) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


class GoalStore:
    """The goals file. Every change reads the file again first, so two windows that set
    goals for different documents keep both."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or goals_path()

    def load(self) -> dict[str, Goal]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as error:
            log.warning("Could not read the goals file %s: %s; no goals", self.path, error)
            return {}
        goals, warnings = parse_goals(data)
        for warning in warnings:
            log.warning("%s (%s)", warning.capitalize(), self.path)
        return goals

    def get(self, document: Path | str) -> Goal | None:
        return self.load().get(document_key(document))

    def put(self, document: Path | str, goal: Goal | None) -> None:
        """Remember `goal` for `document` (None forgets it). OSError if the file cannot be
        written: the caller keeps the goal for the session and says so."""
        goals = self.load()
        key = document_key(document)
        if goal is None:
            if goals.pop(key, None) is None:
                return
        else:
            goals[key] = goal
        body = {"version": FORMAT_VERSION,
                "documents": {k: _entry(g) for k, g in sorted(goals.items())}}
        # ASCII: a path with undecodable bytes (a lone surrogate) is still written.
        write_text_atomically(self.path, json.dumps(body, indent=1) + "\n")


def _entry(goal: Goal) -> dict[str, Any]:
    entry: dict[str, Any] = {"target": goal.target, "day": goal.day, "baseline": goal.baseline}
    if goal.announced:
        entry["announced"] = goal.announced
    return entry
