"""The dashboard's charts: matplotlib in a Qt canvas, drawn with the first installed Chinese font."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator

import matplotlib
from matplotlib import font_manager
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QSizePolicy, QWidget

CJK_FAMILIES = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Zen Hei",
                 "WenQuanYi Micro Hei", "SimHei", "Noto Sans CJK JP", "Droid Sans Fallback")


@functools.cache
def chart_rc() -> dict:
    """matplotlib settings for the dashboard's charts: the first installed Chinese font before the default
    sans-serif fonts (without one, Chinese text shows as boxes but nothing fails), and small text."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    chinese = [family for family in CJK_FAMILIES if family in installed][:1]
    return {"font.family": "sans-serif", "font.sans-serif": [*chinese, *matplotlib.rcParams["font.sans-serif"]],
            "font.size": 8, "axes.unicode_minus": False, "axes.spines.top": False, "axes.spines.right": False}


class ChartCanvas(FigureCanvasQTAgg):
    """A matplotlib chart drawn with a Chinese font (:func:`chart_rc`), matplotlib's global settings untouched."""

    def __init__(self, minimum_height: int, parent: QWidget | None = None):
        super().__init__(Figure(layout="constrained"))
        self.setParent(parent)
        self.setMinimumHeight(minimum_height)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    @contextlib.contextmanager
    def plotting(self) -> Iterator[Figure]:
        """Redraw: yields the cleared figure to plot on (with the chart settings in force), then repaints."""
        with matplotlib.rc_context(chart_rc()):
            self.figure.clear()
            yield self.figure
        self.draw_idle()

    def draw(self) -> None:
        with matplotlib.rc_context(chart_rc()):  # tick labels are made while drawing
            super().draw()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt override; the figure's own size would crowd out the tables)
        return QSize(320, self.minimumHeight())

