"""Which dictionary a document is checked with.

"auto" looks at the document: text that is mostly Chinese/Japanese/Korean has nothing
for a Hunspell dictionary to check (and CJK runs are skipped anyway); otherwise the
system locale's dictionary when one is installed, else en_US (with its fallbacks).
"""

from __future__ import annotations

import locale
import os

from writer_app.spelling.checker import normalise_tag, resolve_language
from writer_app.spelling.words import cjk_share

AUTO = "auto"
CJK_MAJORITY = 0.5  # above this share of CJK letters, the document is CJK text
SAMPLE = 20_000  # characters looked at: the start of a long document tells enough


def system_language() -> str:
    """The user's locale as a dictionary tag ('en_US', 'de_DE'), '' when unknown."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return normalise_tag(value)
    try:
        value = locale.getlocale()[0] or ""
    except ValueError:
        value = ""
    return normalise_tag(value) if value and value not in ("C", "POSIX") else ""


def choose_language(setting: str, text: str, available: list[str],
                    system: str | None = None) -> str | None:
    """The installed dictionary for a document, or None: nothing to check."""
    if not available:
        return None
    if setting and setting != AUTO:
        return resolve_language(setting, available)
    if cjk_share(text[:SAMPLE]) > CJK_MAJORITY:
        return None
    system = system_language() if system is None else system
    if system and system in available:
        return system
    if system:
        same = resolve_language(system, available)
        if same is not None and same.split("_")[0] == system.split("_")[0]:
            return same
    return resolve_language("en_US", available)
