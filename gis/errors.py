"""The one exception type users see: a bilingual message saying what is wrong and what to do."""

from __future__ import annotations

import os


def ui_language() -> str:
    """Return "zh" or "en": ``CORDON_LANG`` if set, else English only for an explicit English locale."""
    forced = os.environ.get("CORDON_LANG", "").lower()
    if forced in ("zh", "en"):
        return forced
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"


class UserError(Exception):
    """A problem with the user's input, carrying the message in Chinese and English.

    >>> str(UserError("文件不存在", "file not found")) in ("文件不存在", "file not found")
    True
    """

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh = zh
        self.en = en

    def message(self, lang: str | None = None) -> str:
        """The message in ``lang`` ("zh"/"en"), by default the UI language."""
        return self.zh if (lang or ui_language()) == "zh" else self.en

    def __str__(self) -> str:
        return self.message()
