"""Writing pages: a multi-page vector PDF with the Chinese font embedded, or a 300 dpi PNG; always
atomically (:func:`data.atomic.atomic_output`: a temporary file beside the target, renamed into place
when complete)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from data.atomic import atomic_output
from data.printing.fonts import truetype_text
from data.printing.layout import PRINT_DPI
from gis.errors import UserError


def checked_path(path, suffixes: Sequence[str]) -> Path:
    """``path`` as a Path if it ends in one of ``suffixes``; a UserError otherwise."""
    path = Path(path)
    if path.suffix.lower() not in suffixes:
        allowed = "、".join(suffixes)
        raise UserError(f"输出文件须以 {allowed} 结尾：{path.name}", f"The output file must end in {', '.join(suffixes)}: {path.name}")
    return path


def write(path: Path, figures: Sequence[Figure], metadata: dict | None = None) -> Path:
    """Write ``figures`` to ``path``: all pages to a PDF, or the first page to a PNG at 300 dpi."""
    with atomic_output(path) as tmp:
        if path.suffix.lower() == ".png":
            figures[0].savefig(tmp, format="png", dpi=PRINT_DPI)
        else:
            with pdf_pages(tmp, metadata) as add_pages:
                add_pages(figures)
    return path


@contextlib.contextmanager
def pdf_pages(path: Path, metadata: dict | None = None) -> Iterator[Callable[[Sequence[Figure]], None]]:
    """An open PDF and a function adding figures as its pages, their text embedded as TrueType. The
    font files made for embedding must outlive the PDF (matplotlib writes fonts when it closes)."""
    with contextlib.ExitStack() as fonts, PdfPages(path, metadata=metadata) as pdf:

        def add_pages(figures: Sequence[Figure]) -> None:
            fonts.enter_context(truetype_text(figures))
            for figure in figures:
                pdf.savefig(figure)

        yield add_pages
