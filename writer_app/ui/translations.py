"""The user's language: Writer's own strings and Qt's standard dialogs.

Translators must be installed before any widget is built, since `tr()` runs when a
widget is made. English needs none: it is the source language.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from writer_app import paths

AVAILABLE = ("en", "zh_CN")


def chosen_language(setting: str) -> str:
    """'system' follows the system locale (any Chinese locale gets Simplified Chinese)."""
    if setting != "system":
        return setting
    return "zh_CN" if QLocale.system().name().startswith("zh") else "en"


def install_translations(app: QCoreApplication, setting: str = "system") -> str:
    """Install the translators for the chosen language; returns the language in effect."""
    language = chosen_language(setting)
    if language == "en":
        return "en"
    ours = QTranslator(app)
    if not ours.load(str(paths.resources_dir() / "translations" / f"writer_{language}.qm")):
        return "en"  # a missing file leaves the English text: never a failure
    app.installTranslator(ours)
    qt_own = QTranslator(app)
    if qt_own.load(f"qtbase_{language}",
                   QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt_own)
    return language
