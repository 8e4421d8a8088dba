"""Refresh Writer's translations: extract strings, keep translations, compile .qm files.

    .venv/bin/python packaging/update_translations.py

Strings in the window come from `self.tr(...)` (found by pyside6-lupdate); the sampling
panel's labels and tooltips come from the settings schema, so they are added here under
the "settings" context from `writer_app.settings.SCHEMA` itself. Translations already in
a .ts file are kept; new ones can be filled in with Qt Linguist (pyside6-linguist).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "resources" / "translations"
LANGUAGES = ("zh_CN",)
MODE_LABELS = ("Sample", "Greedy", "Beam search")
PRESET_NAMES = ("Precise", "Balanced", "Creative")


def _tool(name: str) -> str:
    found = shutil.which(f"pyside6-{name}", path=str(Path(sys.executable).parent)) or \
        shutil.which(f"pyside6-{name}")
    if not found:
        raise SystemExit(f"pyside6-{name} not found: install PySide6-Essentials")
    return found


def schema_texts() -> list[str]:
    sys.path.insert(0, str(ROOT))
    from writer_app.settings import SCHEMA

    texts: list[str] = []
    for setting in SCHEMA:
        if setting.name.startswith("sampling."):
            texts += [setting.label, setting.description]
    return [*texts, *MODE_LABELS, *PRESET_NAMES]


def add_settings_context(ts_file: Path, texts: list[str]) -> None:
    tree = ElementTree.parse(ts_file)
    root = tree.getroot()
    context = next((c for c in root.findall("context") if c.findtext("name") == "settings"),
                   None)
    if context is None:
        context = ElementTree.SubElement(root, "context")
        ElementTree.SubElement(context, "name").text = "settings"
    known = {m.findtext("source"): m for m in context.findall("message")}
    for text in texts:
        message = known.get(text)
        if message is None:
            message = ElementTree.SubElement(context, "message")
            ElementTree.SubElement(message, "source").text = text
            ElementTree.SubElement(message, "translation", type="unfinished")
        else:  # still in the schema: never "vanished", whatever lupdate thought
            translation = message.find("translation")
            if translation is not None and translation.get("type") in ("vanished", "obsolete"):
                del translation.attrib["type"]
    tree.write(ts_file, encoding="utf-8", xml_declaration=True)


def main() -> int:
    sources = sorted(str(p) for p in (ROOT / "writer_app" / "ui").glob("*.py"))
    for language in LANGUAGES:
        ts_file = TRANSLATIONS / f"writer_{language}.ts"
        subprocess.run([_tool("lupdate"), *sources, "-ts", str(ts_file)], check=True)
        add_settings_context(ts_file, schema_texts())
        subprocess.run([_tool("lrelease"), str(ts_file), "-qm",
                        str(ts_file.with_suffix(".qm"))], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
