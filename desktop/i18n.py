"""Translations: the UI's source strings are English (``self.tr``); Simplified Chinese comes from
``resources/translations/cordon_zh_CN.ts``, a Qt translation file built from the sources with
``pyside6-lupdate`` and read directly, so no compiled file is committed.

Refresh it after changing UI strings, then translate the new (unfinished) entries::

    python -m desktop.i18n
"""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QTranslator

TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "resources" / "translations"
TS_FILE = TRANSLATIONS_DIR / "cordon_zh_CN.ts"


def read_ts(path: Path = TS_FILE) -> dict[tuple[str, str], str]:
    """{(context, source): translation} for every finished message of a .ts file."""
    table = {}
    for context in ET.parse(path).getroot().iter("context"):
        name = context.findtext("name", "")
        for message in context.iter("message"):
            translation = message.find("translation")
            if translation is None or translation.get("type") in ("unfinished", "obsolete", "vanished"):
                continue
            forms = [f.text for f in translation.findall("numerusform") if f.text]  # %n messages
            text = forms[0] if forms else translation.text  # Chinese has one plural form
            if text and text.strip():
                table[(name, message.findtext("source", ""))] = text
    return table


class TsTranslator(QTranslator):
    """A QTranslator answering from a .ts file's table."""

    def __init__(self, table: dict[tuple[str, str], str], parent=None):
        super().__init__(parent)
        self.table = table

    def translate(self, context: str, source: str, disambiguation=None, n: int = -1) -> str | None:  # Qt override
        return self.table.get((context, source))  # None: Qt shows the English source rather than nothing

    def isEmpty(self) -> bool:  # noqa: N802 (Qt override)
        return not self.table


def install_translator(app, lang: str) -> None:
    """Install Chinese translations (Cordon's and Qt's own) when ``lang`` is "zh"."""
    if lang != "zh":
        return
    qt = QTranslator(app)
    if qt.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        app.installTranslator(qt)
    if TS_FILE.is_file():
        app.installTranslator(TsTranslator(read_ts(), app))


def update_ts(target: Path = TS_FILE) -> None:
    """Re-extract every ``tr()`` string under desktop/ into ``target``, keeping existing translations."""
    sources = sorted(str(p) for p in (TRANSLATIONS_DIR.parent.parent / "desktop").rglob("*.py"))
    subprocess.run(["pyside6-lupdate", *sources, "-no-obsolete", "-ts", str(target)], check=True)


if __name__ == "__main__":
    update_ts()
    sys.exit(0)
