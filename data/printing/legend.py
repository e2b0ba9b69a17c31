"""The legend: symbols as the map draws them, grouped in sections, laid out in two columns.

The map frame builds the sections from what it actually drew (see :mod:`data.printing.mapframe`); the
same :class:`Symbol` objects style the map and its legend, so they cannot drift apart.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.colors import to_rgba
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from data.printing.layout import INK, MUTED, Box, Page

_TITLE_ROW, _ROW, _NOTE_ROW, _SECTION_GAP = 4.8, 4.3, 3.6, 1.6  # mm on A4
_SWATCH_W, _SWATCH_H, _LABEL_GAP = 6.5, 3.2, 1.8
_TITLE_PT, _LABEL_PT, _NOTE_PT, _HEADING_PT = 7.8, 7.2, 6.0, 9.5
_HEADING_ROW = 6.5
_COLUMN_MIN_W = 32.0  # narrowest item column, mm on A4


@dataclass(frozen=True)
class Symbol:
    """How a feature is drawn. ``kind``: "fill" (polygon), "line" or "marker". Widths and sizes are
    points on A4 (a marker's ``size`` is its diameter); a fill's ``hatch`` is a matplotlib pattern drawn in
    its ``edge`` colour."""

    kind: str
    colour: str
    edge: str = "none"
    width: float = 0.5
    alpha: float = 1.0
    marker: str = "o"
    size: float = 6.0
    glyph: str = ""
    hatch: str = ""


@dataclass(frozen=True)
class LegendItem:
    label: str
    symbol: Symbol


@dataclass(frozen=True)
class LegendSection:
    title: str
    items: tuple[LegendItem, ...]
    note: str = ""


_PT_MM = 25.4 / 72  # one typographic point in millimetres


def wrapped(text: str, width_mm: float, size_pt: float) -> list[str]:
    """``text`` broken into lines no wider than ``width_mm`` at ``size_pt`` (CJK characters one em wide, others
    about half), so a long legend note stays inside its column.

    >>> wrapped("感染者（确诊病例、无症状感染者）", 20, 6.0)
    ['感染者（确诊病例、', '无症状感染者）']
    """
    em = size_pt * _PT_MM
    lines, line, used = [], "", 0.0
    for char in text:
        wide = unicodedata.east_asian_width(char) in ("W", "F")
        step = em if wide else em * 0.55
        if line and used + step > width_mm:
            lines.append(line)
            line, used = "", 0.0
        line, used = line + char, used + step
    return lines + ([line] if line else [])


def legend_columns(page: Page, width_mm: float) -> int:
    """How many item columns fit in ``width_mm``."""
    return max(1, int(width_mm // page.mm(_COLUMN_MIN_W)))


def legend_height_mm(page: Page, sections: list[LegendSection], width_mm: float) -> float:
    """Height the legend needs in a box ``width_mm`` wide (with its heading "图例")."""
    columns = legend_columns(page, width_mm)
    height = page.mm(_HEADING_ROW)
    for section in sections:
        rows = -(-len(section.items) // columns)
        notes = len(wrapped(section.note, width_mm, page.pt(_NOTE_PT))) if section.note else 0
        height += page.mm(_TITLE_ROW + rows * _ROW + notes * _NOTE_ROW + _SECTION_GAP)
    return height


def draw_legend(paper: Axes, page: Page, box: Box, sections: list[LegendSection]) -> None:
    """Draw the legend in ``box`` (top-aligned), items in columns under each section title."""
    y = box.top
    paper.text(box.x, y, "图　例", ha="left", va="top", fontsize=page.pt(_HEADING_PT), weight="bold", color=INK)
    y -= page.mm(_HEADING_ROW)
    columns = legend_columns(page, box.w)
    column_w = box.w / columns
    for section in sections:
        paper.text(box.x, y - page.mm(_TITLE_ROW) / 2, section.title, ha="left", va="center",
                   fontsize=page.pt(_TITLE_PT), weight="bold", color=INK)
        y -= page.mm(_TITLE_ROW)
        for i, item in enumerate(section.items):
            row_centre = y - page.mm(_ROW) * (i // columns + 0.5)
            x = box.x + column_w * (i % columns)
            _draw_swatch(paper, page, x, row_centre, item.symbol)
            paper.text(x + page.mm(_SWATCH_W + _LABEL_GAP), row_centre, item.label, ha="left", va="center",
                       fontsize=page.pt(_LABEL_PT), color=INK)
        y -= page.mm(_ROW) * -(-len(section.items) // columns)
        for line in wrapped(section.note, box.w, page.pt(_NOTE_PT)) if section.note else []:
            paper.text(box.x, y - page.mm(_NOTE_ROW) / 2, line, ha="left", va="center",
                       fontsize=page.pt(_NOTE_PT), color=MUTED)
            y -= page.mm(_NOTE_ROW)
        y -= page.mm(_SECTION_GAP)


def _draw_swatch(paper: Axes, page: Page, x: float, y: float, symbol: Symbol) -> None:
    w, h = page.mm(_SWATCH_W), page.mm(_SWATCH_H)
    if symbol.kind == "fill":
        paper.add_patch(Rectangle((x, y - h / 2), w, h, facecolor=symbol.colour, alpha=symbol.alpha,
                                  edgecolor="none"))
        if symbol.hatch:
            paper.add_patch(Rectangle((x, y - h / 2), w, h, facecolor="none", edgecolor="none", hatch=symbol.hatch,
                                      hatchcolor=to_rgba(symbol.edge, 0.75), hatch_linewidth=page.pt(0.6)))
        paper.add_patch(Rectangle((x, y - h / 2), w, h, facecolor="none", edgecolor=symbol.edge,
                                  linewidth=page.pt(symbol.width)))
    elif symbol.kind == "line":
        paper.add_line(Line2D([x, x + w], [y, y], color=symbol.colour, linewidth=page.pt(symbol.width),
                              solid_capstyle="butt"))
    else:
        paper.add_line(Line2D([x + w / 2], [y], marker=symbol.marker, markersize=page.pt(symbol.size),
                              markerfacecolor=symbol.colour, markeredgecolor=symbol.edge,
                              markeredgewidth=page.pt(symbol.width), linestyle="none"))
        if symbol.glyph:
            paper.text(x + w / 2, y, symbol.glyph, ha="center", va="center", fontsize=page.pt(symbol.size * 0.6),
                       weight="bold", color="white")
