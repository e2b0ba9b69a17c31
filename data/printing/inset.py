"""The overview inset: the whole county with its towns, the printed frame marked in red."""

from __future__ import annotations

import shapely
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle

from data.printing.content import PrintContent
from data.printing.layout import INK, Box, Page
from data.printing.mapframe import MapFrame, Painter
from gis import symbology
from gis.glossary import UnitLevel

FRAME_RED = "#d7191c"
_TITLE_ROW = 5.0  # mm on A4


def overview_extent(content: PrintContent) -> tuple[float, float, float, float] | None:
    """Projected bounds of the county (or of all towns if the project has no county outline)."""
    if content.county is not None:
        return content.county.bounds
    towns = content.units_at(UnitLevel.TOWN.value)
    return tuple(towns.total_bounds) if len(towns) else None


def overview_needed(content: PrintContent, frame: MapFrame) -> bool:
    """An overview helps unless the frame already shows the whole county."""
    extent = overview_extent(content)
    return extent is not None and not frame.box.contains(shapely.box(*extent))


def overview_height_mm(page: Page, content: PrintContent, width_mm: float) -> float:
    """Height of an overview ``width_mm`` wide that keeps the county's proportions (with its title)."""
    x0, y0, x1, y1 = overview_extent(content)
    return width_mm * (y1 - y0) / (x1 - x0) * 1.08 + page.mm(_TITLE_ROW)


def draw_overview(fig, paper: Axes, page: Page, box: Box, content: PrintContent, frame: MapFrame,
                  focus=None) -> None:
    """Draw the overview on a white card in ``box``: title "位置示意图", county and towns, the frame (and
    ``focus``) marked."""
    card = box.shrink(-page.mm(1.5))
    paper.add_patch(Rectangle((card.x, card.y), card.w, card.h, facecolor="white", edgecolor="#9a9a9a",
                              linewidth=page.pt(0.4)))
    paper.text(box.x, box.top, "位置示意图", ha="left", va="top", fontsize=page.pt(7.8), weight="bold", color=INK)
    map_box = Box(box.x, box.y, box.w, box.h - page.mm(_TITLE_ROW))
    ax = fig.add_axes(page.fraction(map_box), zorder=11)  # above the paper axes and the white box on it
    bounds = _fitted(overview_extent(content), map_box.w / map_box.h)
    ax.set_xlim(bounds[0], bounds[2])
    ax.set_ylim(bounds[1], bounds[3])
    ax.set_axis_off()
    paper.add_patch(Rectangle((map_box.x, map_box.y), map_box.w, map_box.h, fill=False, edgecolor=INK,
                              linewidth=page.pt(0.5)))
    painter = Painter(ax, page, MapFrame(bounds, round((bounds[2] - bounds[0]) / (map_box.w / 1000))))
    if content.county is not None:
        painter.polygons([content.county], facecolors=[symbology.BACKGROUND], edgecolor=INK, width=0.6)
    towns = content.units_at(UnitLevel.TOWN.value)
    painter.polygons(towns.geometry.values, edgecolor="#8c8c8c", width=0.3, zorder=1.1)
    if focus is not None:
        painter.polygons([focus], facecolors=[FRAME_RED], alpha=0.3, zorder=1.2)
    fx0, fy0, fx1, fy1 = frame.bounds
    ax.add_patch(Rectangle((fx0, fy0), fx1 - fx0, fy1 - fy0, fill=False, edgecolor=FRAME_RED,
                           linewidth=page.pt(1.0), zorder=2))


def _fitted(extent, aspect: float, padding: float = 0.05) -> tuple[float, float, float, float]:
    """``extent`` padded and widened (or heightened) to the width/height ratio ``aspect``."""
    x0, y0, x1, y1 = extent
    w, h = (x1 - x0) * (1 + 2 * padding), (y1 - y0) * (1 + 2 * padding)
    w, h = max(w, h * aspect), max(h, w / aspect)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2
