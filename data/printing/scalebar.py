"""Scale: the numeric scale 1:N, a scale bar in m/km that is exact on the paper, and a north arrow.

The map is drawn in the local Gauss-Krüger zone, where one projected metre is ``k`` ground metres' worth
of paper (``k``, the point scale factor, grows away from the central meridian: 1.0003 at 1.5 degrees). The
bar is drawn ``k`` times its ground length / N long, and the north arrow is turned by the meridian
convergence, both taken at the frame's centre.

>>> nice_bar_length(3_700)
2000.0
>>> scale_text(250_000)
'1:250 000'
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.patches import FancyBboxPatch, Polygon, Rectangle
from pyproj import CRS, Proj, Transformer

from data.printing.layout import INK, Page

_BAR_MAX_MM, _BAR_H, _SEGMENTS = 38.0, 1.6, 4  # on A4


@dataclass(frozen=True)
class GridTrueness:
    """How the projected grid departs from ground truth at a point."""

    point_scale: float  # projected length / ground length
    convergence_deg: float  # grid north's angle clockwise from true north (true north is that much anticlockwise)


def grid_trueness(crs: CRS, x: float, y: float) -> GridTrueness:
    """Point scale factor and meridian convergence of ``crs`` at projected point (x, y)."""
    lon, lat = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True).transform(x, y)
    factors = Proj(crs).get_factors(lon, lat)
    return GridTrueness(factors.meridional_scale, factors.meridian_convergence)


def nice_bar_length(max_m: float) -> float:
    """The longest 1, 2 or 5 x 10^k metres not above ``max_m``."""
    exponent = math.floor(math.log10(max_m))
    for step in (5, 2, 1):
        if step * 10**exponent <= max_m:
            return float(step * 10**exponent)
    return float(10 ** (exponent - 1) * 5)


def bar_length(denominator: int, trueness: GridTrueness, max_mm: float) -> tuple[float, float]:
    """(ground metres, paper millimetres) of the longest round scale bar up to ``max_mm`` long.

    >>> bar_length(50_000, GridTrueness(1.0, 0.0), 45)
    (2000.0, 40.0)
    """
    ground = nice_bar_length(max_mm / 1000 * denominator / trueness.point_scale)
    return ground, ground * trueness.point_scale / denominator * 1000


def scale_text(denominator: int) -> str:
    """The numeric scale with thin groups of three digits, as Chinese maps print it."""
    return "1:" + f"{denominator:,}".replace(",", " ")


def bar_labels(ground_m: float) -> list[str]:
    """Labels at 0, half and the end of a bar ``ground_m`` long: kilometres from 1 km up, else metres.

    >>> bar_labels(2000)
    ['0', '1', '2 千米']
    """
    divisor, unit = (1000, "千米") if ground_m >= 1000 else (1, "米")
    values = [f"{ground_m * f / divisor:g}" for f in (0, 0.5, 1)]
    return values[:2] + [f"{values[2]} {unit}"]


def draw_scale_bar(paper: Axes, page: Page, x: float, y: float, denominator: int, trueness: GridTrueness) -> float:
    """Draw the numeric scale and a bar (alternating segments) with its lower-left corner at (x, y) mm, on
    a white box; returns the width used in mm."""
    ground, bar_mm = bar_length(denominator, trueness, page.mm(_BAR_MAX_MM))
    h, pad = page.mm(_BAR_H), page.mm(1.6)
    label_pt, text_gap = page.pt(6.5), page.mm(1.2)
    box_w = bar_mm + 2 * pad + page.mm(8)
    box_h = h + page.mm(10)
    paper.add_patch(FancyBboxPatch((x, y), box_w, box_h, boxstyle=f"round,pad=0,rounding_size={page.mm(0.8)}",
                                   facecolor="white", edgecolor="#9a9a9a", alpha=0.9, linewidth=page.pt(0.4)))
    bar_x, bar_y = x + pad, y + pad + page.mm(3.2)
    segment = bar_mm / _SEGMENTS
    for i in range(_SEGMENTS):
        paper.add_patch(Rectangle((bar_x + i * segment, bar_y), segment, h, facecolor=INK if i % 2 == 0 else "white",
                                  edgecolor=INK, linewidth=page.pt(0.4)))
    for fraction, label in zip((0, 0.5, 1), bar_labels(ground), strict=True):
        paper.text(bar_x + bar_mm * fraction, bar_y - text_gap, label, ha="left" if fraction == 1 else "center",
                   va="top", fontsize=label_pt, color=INK)
    paper.text(bar_x, bar_y + h + text_gap, f"比例尺 {scale_text(denominator)}", ha="left", va="bottom",
               fontsize=page.pt(7.5), color=INK)
    return box_w


def draw_north_arrow(paper: Axes, page: Page, x: float, y: float, convergence_deg: float) -> None:
    """A north arrow centred at (x, y) mm pointing to true north (grid north turned by the convergence)."""
    length, half_w = page.mm(11.0), page.mm(3.2)
    angle = math.radians(convergence_deg)  # anticlockwise from grid north
    cos, sin = math.cos(angle), math.sin(angle)

    def at(u: float, v: float) -> tuple[float, float]:  # (u right, v up) in the arrow's frame, turned
        return x + u * cos - v * sin, y + u * sin + v * cos

    tip, left, right = at(0, length / 2), at(-half_w, -length / 2), at(half_w, -length / 2)
    notch = at(0, -length / 4)
    paper.add_patch(Polygon([tip, left, notch], closed=True, facecolor="white", edgecolor=INK,
                            linewidth=page.pt(0.6)))
    paper.add_patch(Polygon([tip, notch, right], closed=True, facecolor=INK, edgecolor=INK,
                            linewidth=page.pt(0.6)))
    label_x, label_y = at(0, length / 2 + page.mm(1.2))
    paper.text(label_x, label_y, "北", ha="center", va="bottom", fontsize=page.pt(9), weight="bold", color=INK)
