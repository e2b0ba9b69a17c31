"""The map frame: chooses a round printed scale for an extent and draws the project's layers with the
shared symbology (:mod:`gis.symbology`), returning the legend sections of what it drew.

Drawing happens in the project's local Gauss-Krüger zone (``PrintContent.crs``), a conformal projection,
so the frame has one scale everywhere and the scale bar holds in every direction.

>>> nice_scale(231_000)
250000
>>> frame_for((0, 0, 20_000, 10_000), (200, 100)).scale
120000
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from matplotlib import patheffects
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgba
from matplotlib.path import Path

from data.printing.content import PrintContent
from data.printing.layout import Page, text_width_mm
from data.printing.legend import LegendItem, LegendSection, Symbol
from gis import symbology
from gis.glossary import CaseCategory, FacilityKind, KeyPersonCategory, SiteStatus, UnitLevel

NICE_SCALE_STEPS = (1, 1.2, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 7, 8)
PX_TO_PT = 0.5  # screen line widths (px) -> printed widths (pt on A4)
GRID_OUTLINE_MAX_SCALE = 60_000  # grid outlines are drawn at this scale and larger
VILLAGE_LABEL_MAX_SCALE = 120_000
OUTSIDE_COUNTY = "#e4e4e1"
FOCUS_VEIL = 0.6  # opacity of the white veil outside an atlas page's focus
LABEL_INK = symbology.LABEL_INK
_SIMPLIFY_MM = 0.08  # geometry detail kept, in mm on paper
_CASE_ORDER = [CaseCategory.SECONDARY_CONTACT, CaseCategory.CLOSE_CONTACT, CaseCategory.SUSPECTED,
               CaseCategory.ASYMPTOMATIC, CaseCategory.CONFIRMED]  # drawn bottom to top


@dataclass(frozen=True)
class MapFrame:
    """What the frame shows: projected bounds (xmin, ymin, xmax, ymax) at the printed scale 1:``scale``."""

    bounds: tuple[float, float, float, float]
    scale: int

    @property
    def box(self) -> shapely.Polygon:
        return shapely.box(*self.bounds)

    @property
    def centre(self) -> tuple[float, float]:
        return (self.bounds[0] + self.bounds[2]) / 2, (self.bounds[1] + self.bounds[3]) / 2

    def metres(self, paper_mm: float) -> float:
        """Ground length (projected metres) of ``paper_mm`` on the paper."""
        return paper_mm / 1000 * self.scale


def nice_scale(value: float) -> int:
    """The smallest round scale denominator (``NICE_SCALE_STEPS`` x 10^k) not below ``value``."""
    exponent = math.floor(math.log10(max(value, 1)))
    for step in (*NICE_SCALE_STEPS, 10):
        candidate = step * 10**exponent
        if candidate >= value * (1 - 1e-9):
            return int(round(candidate))
    raise AssertionError("unreachable")


def frame_for(extent: tuple[float, float, float, float], size_mm: tuple[float, float], padding: float = 0.03) -> MapFrame:
    """The frame of ``size_mm`` showing projected ``extent`` (with ``padding`` around it) at a round scale."""
    w_mm, h_mm = size_mm
    width = max(extent[2] - extent[0], 1.0) * (1 + 2 * padding)
    height = max(extent[3] - extent[1], 1.0) * (1 + 2 * padding)
    scale = nice_scale(max(width / (w_mm / 1000), height / (h_mm / 1000)))
    cx, cy = (extent[0] + extent[2]) / 2, (extent[1] + extent[3]) / 2
    half_w, half_h = w_mm / 2000 * scale, h_mm / 2000 * scale
    return MapFrame((cx - half_w, cy - half_h, cx + half_w, cy + half_h), scale)


def draw_map(ax: Axes, content: PrintContent, frame: MapFrame, page: Page, *, focus=None,
             basemap: np.ndarray | None = None, badges: Sequence[tuple[shapely.Geometry, str]] = ()) -> list[LegendSection]:
    """Draw ``content`` in ``ax`` (whose box is the frame on the paper) and return the legend sections.

    ``focus`` (a projected polygon, e.g. an atlas page's town) stays bright while the rest is veiled;
    ``basemap`` is an RGBA image covering the frame; ``badges`` are (projected geometry, short text) marks
    such as an atlas cover's page numbers, placed before any other label.
    """
    ax.set_xlim(frame.bounds[0], frame.bounds[2])
    ax.set_ylim(frame.bounds[1], frame.bounds[3])
    ax.set_axis_off()
    painter = Painter(ax, page, frame)
    painter.polygons([frame.box], facecolors=[OUTSIDE_COUNTY], zorder=0.0)
    if basemap is not None:
        ax.imshow(basemap, extent=(frame.bounds[0], frame.bounds[2], frame.bounds[1], frame.bounds[3]),
                  origin="upper", interpolation="bilinear", zorder=0.5)
    elif content.county is not None:
        painter.polygons([content.county], facecolors=[symbology.BACKGROUND], zorder=0.6)
    sections = [
        _draw_zones(painter, content),
        _draw_grids(painter, content),
        _draw_cases(painter, content),
        _draw_key_persons(painter, content),
        _draw_sites(painter, content),
        _draw_facilities(painter, content),
    ]
    if focus is not None:
        painter.polygons([frame.box.difference(focus)], facecolors=["#ffffff"], alpha=FOCUS_VEIL, zorder=4.5)
    sections.append(_draw_units(painter, content, focus))
    for geom, text in badges:
        painter.label(geom, text, size=7.0, colour="white", bold=True, badge=True, over_symbols=True)
    _draw_labels(painter, content)
    return [s for s in sections if s is not None and s.items]


class Painter:
    """Draws geometries clipped to the frame and simplified to paper resolution."""

    def __init__(self, ax: Axes, page: Page, frame: MapFrame):
        self.ax, self.page, self.frame = ax, page, frame
        self.tolerance = frame.metres(_SIMPLIFY_MM)
        self._labels: list[tuple[float, float, float, float]] = []  # boxes of labels placed so far (projected)
        self._symbols: list[tuple[float, float, float, float]] = []  # boxes of point symbols

    def visible(self, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """Rows of ``frame`` that touch the map frame."""
        if frame.empty:
            return frame
        return frame.iloc[np.sort(frame.sindex.query(self.frame.box, predicate="intersects"))]

    def polygons(self, geoms, *, facecolors=None, edgecolor="none", width=0.0, alpha=1.0, zorder=1.0,
                 hatch: str = "", hatchcolor: str = "black") -> PathCollection | None:
        """Fill (``facecolors``, one per geometry), ``hatch`` (matplotlib pattern in ``hatchcolor``) and/or
        outline (``edgecolor``, ``width`` in pt on A4)."""
        geoms = shapely.simplify(np.asarray(geoms, dtype=object), self.tolerance, preserve_topology=True)
        paths = [None if g is None else _polygon_path(g) for g in geoms]
        keep = [i for i, path in enumerate(paths) if path is not None]
        if not keep:
            return None
        faces = "none" if facecolors is None else [to_rgba(facecolors[i], alpha) for i in keep]
        collection = PathCollection([paths[i] for i in keep], facecolors=faces, edgecolors=edgecolor,
                                    linewidths=self.page.pt(width), zorder=zorder)
        if hatch:
            collection.set_hatch(hatch)
            collection.set_hatchcolor(hatchcolor)
            collection.set_hatch_linewidth(self.page.pt(symbology.ZONE_HATCH_WIDTH) * 0.6)
        self.ax.add_collection(collection)
        return collection

    def points(self, geoms, symbol: Symbol, *, sizes=None, zorder=6.0, obstacle: bool = True) -> None:
        """Markers (``sizes``: diameters in pt on A4, default the symbol's); an ``obstacle`` keeps labels off it."""
        xy = shapely.get_coordinates(np.asarray(geoms, dtype=object))
        diameters = np.asarray(sizes if sizes is not None else [symbol.size] * len(xy), dtype=float)
        self.ax.scatter(xy[:, 0], xy[:, 1], s=(diameters * self.page.scale) ** 2, marker=symbol.marker,
                        c=symbol.colour, edgecolors=symbol.edge, linewidths=self.page.pt(symbol.width), zorder=zorder)
        if obstacle:
            halves = self.frame.metres(self.page.pt(diameters) * 25.4 / 72) / 2
            self._symbols.extend(zip(xy[:, 0] - halves, xy[:, 1] - halves, xy[:, 0] + halves, xy[:, 1] + halves,
                                    strict=True))
        if symbol.glyph:
            for x, y in xy:
                self.ax.text(x, y, symbol.glyph, ha="center", va="center", fontsize=self.page.pt(symbol.size * 0.6),
                             color="white", weight="bold", zorder=zorder + 0.1, clip_on=True)

    def label(self, geom, text: str, *, size: float, colour: str = LABEL_INK, bold: bool = False,
              zorder: float = 8.0, badge: bool = False, over_symbols: bool = False) -> None:
        """Label ``geom`` at its representative point, or just beside it if that spot is taken; a label
        with no free spot is left out. A ``badge`` (white text on a dark box) is always placed. A white
        ``halo`` keeps the dark text legible on any fill (hatched zones, the grid shading) but turns it into
        outlines in a PDF. Labels avoid point symbols unless ``over_symbols`` (for names that matter more
        than a marker's edge, such as towns)."""
        point = geom.representative_point() if geom.geom_type != "Point" else geom
        em = self.frame.metres(self.page.pt(size) * 25.4 / 72)
        pad = em * 0.35 if badge else 0.0
        half_w = self.frame.metres(text_width_mm(text, self.page.pt(size), bold)) / 2 + pad
        half_h = em * 0.6 + pad
        step_x, step_y = half_w + em, 2 * half_h + em * 0.2
        spots = [(0, 0), (0, step_y), (0, -step_y), (step_x, 0), (-step_x, 0)]
        boxes = [(point.x + dx - half_w, point.y + dy - half_h, point.x + dx + half_w, point.y + dy + half_h)
                 for dx, dy in spots]
        box = next((b for b in boxes if self._free(b, over_symbols)), boxes[0] if badge else None)
        if box is None:
            return
        self._labels.append(box)
        style = {}
        if badge:
            style["bbox"] = {"boxstyle": "round,pad=0.3", "facecolor": LABEL_INK, "edgecolor": "white",
                             "linewidth": self.page.pt(0.6)}
        else:
            style["path_effects"] = [patheffects.withStroke(linewidth=self.page.pt(1.8), foreground=symbology.LABEL_HALO)]
        self.ax.text((box[0] + box[2]) / 2, (box[1] + box[3]) / 2, text, ha="center", va="center",
                     fontsize=self.page.pt(size), color=colour, weight="bold" if bold else "normal",
                     zorder=zorder + (1 if badge else 0), clip_on=True, **style)

    def _free(self, box: tuple[float, float, float, float], over_symbols: bool) -> bool:
        x0, y0, x1, y1 = self.frame.bounds
        if box[0] < x0 or box[1] < y0 or box[2] > x1 or box[3] > y1:
            return False
        taken = self._labels if over_symbols else self._labels + self._symbols
        return not any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in taken)


def _polygon_path(geom) -> Path | None:
    """A compound path of the polygon parts of ``geom`` (None if it has none)."""
    vertices, codes = [], []
    for polygon in shapely.get_parts(geom):
        if polygon.geom_type != "Polygon":
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)
            ring_codes = np.full(len(xy), Path.LINETO, dtype=Path.code_type)
            ring_codes[0], ring_codes[-1] = Path.MOVETO, Path.CLOSEPOLY
            vertices.append(xy)
            codes.append(ring_codes)
    return Path(np.concatenate(vertices), np.concatenate(codes)) if vertices else None


# -- layers ------------------------------------------------------------------------------------------


ZONE_OUTLINE_PT = symbology.ZONE_OUTLINE_WIDTH * 0.56  # pt on A4


def zone_symbol(colour: str, rank: int = 0) -> Symbol:
    """A zone of the tier at ``rank``: a faint tint, hatching and an outline, all in the tier's colour."""
    return Symbol("fill", colour, edge=colour, width=ZONE_OUTLINE_PT, alpha=symbology.ZONE_FILL_OPACITY,
                  hatch=symbology.zone_hatch(rank)["mpl"])


def _draw_zones(painter: Painter, content: PrintContent) -> LegendSection | None:
    """Zones by tier: a faint tint, hatching (denser for a higher tier) and a tier-coloured outline, so they
    never read as the grid shading (a purple fill ramp)."""
    zones = painter.visible(content.zones)
    if zones.empty:
        return None
    for key in zones["tier"].unique():  # zones come sorted lowest tier first, so the top tier lies on top
        style = content.tier_style(key)
        symbol = zone_symbol(style.colour, content.tiers.index(style))
        mine = zones[zones["tier"] == key]
        painter.polygons(mine.geometry.values, facecolors=[style.colour] * len(mine), alpha=symbol.alpha, zorder=3.0)
        painter.polygons(mine.geometry.values, facecolors=["none"] * len(mine), hatch=symbol.hatch,
                         hatchcolor=to_rgba(style.colour, 0.75), zorder=3.1)
        painter.polygons(mine.geometry.values, edgecolor=style.colour, width=symbol.width, zorder=5.2)
    drawn = set(zones["tier"])
    return LegendSection("管控区域", tuple(LegendItem(s.label, zone_symbol(s.colour, rank))
                                         for rank, s in enumerate(content.tiers) if s.key in drawn))


def grid_classes() -> list[tuple[int, int | None, str]]:
    """Grid shading classes as (lowest count, highest count or None, colour), zero excluded."""
    classes, lower = [], 0
    for upper, colour in symbology.GRID_CASE_CLASSES:
        if upper > 0:
            classes.append((lower, None if upper >= 10**9 else upper, colour))
        lower = upper + 1
    return classes


def _class_label(low: int, high: int | None) -> str:
    if high is None:
        return f"≥{low} 例"
    return f"{low} 例" if low == high else f"{low}–{high} 例"


def _draw_grids(painter: Painter, content: PrintContent) -> LegendSection | None:
    grids = painter.visible(content.grids)
    if grids.empty:
        return None
    if painter.frame.scale <= GRID_OUTLINE_MAX_SCALE:
        colour, width = symbology.GRID_OUTLINE
        painter.polygons(grids.geometry.values, edgecolor=colour, width=width * PX_TO_PT, zorder=2.5)
    shaded = grids[grids["infections"] > 0]
    if shaded.empty:
        return None
    painter.polygons(shaded.geometry.values, facecolors=[symbology.grid_fill(n) for n in shaded["infections"]],
                     zorder=2.0)
    counts = shaded["infections"].to_numpy()
    items = tuple(LegendItem(_class_label(low, high), Symbol("fill", colour, edge="#b0b0b0", width=0.3))
                  for low, high, colour in grid_classes()
                  if ((counts >= low) & ((counts <= high) if high is not None else True)).any())
    title, note = symbology.grid_legend("zh")
    if content.privacy == "aggregated":
        note += "；按网格汇总，不显示个人点位"
    return LegendSection(title, items, note)


def case_symbol(category: str) -> Symbol:
    return Symbol("marker", symbology.CASE_COLOURS.get(category, "#555555"), edge="white", width=0.3, size=3.6)


def _draw_cases(painter: Painter, content: PrintContent) -> LegendSection | None:
    cases = painter.visible(content.cases)
    if cases.empty:
        return None
    items = []
    for order, category in enumerate(_CASE_ORDER):
        mine = cases[cases["category"] == category.value]
        if len(mine):
            painter.points(mine.geometry.values, case_symbol(category.value), zorder=6.5 + 0.01 * order,
                           obstacle=False)
            items.append(LegendItem(category.zh, case_symbol(category.value)))
    return LegendSection("病例及密接（精确点位）", tuple(reversed(items)))


def key_person_symbol(category: str) -> Symbol:
    return Symbol("marker", symbology.KEY_PERSON_COLOURS.get(category, "#555555"), edge="white", width=0.3,
                  marker="D", size=3.4)


def _draw_key_persons(painter: Painter, content: PrintContent) -> LegendSection | None:
    persons = painter.visible(content.key_persons)
    items = []
    for category in KeyPersonCategory:
        mine = persons[persons["category"] == category.value]
        if len(mine):
            painter.points(mine.geometry.values, key_person_symbol(category.value), zorder=6.4, obstacle=False)
            items.append(LegendItem(category.zh, key_person_symbol(category.value)))
    return LegendSection("重点人员（精确点位）", tuple(items))


def site_size(rooms) -> float:
    """Marker diameter (pt on A4) of an isolation site with ``rooms`` rooms."""
    return 4.0 + 0.55 * math.sqrt(max(float(rooms or 0), 0.0))


def site_symbol(status: str, rooms: float = 100) -> Symbol:
    return Symbol("marker", symbology.SITE_COLOURS.get(status, "#555555"), edge="white", width=0.6, marker="o",
                  size=site_size(rooms))


def _draw_sites(painter: Painter, content: PrintContent) -> LegendSection | None:
    sites = painter.visible(content.sites)
    if sites.empty:
        return None
    items = []
    for status in SiteStatus:
        mine = sites[sites["status"] == status.value]
        if len(mine):
            painter.points(mine.geometry.values, site_symbol(status.value),
                           sizes=[site_size(r) for r in mine["rooms"].fillna(0)], zorder=7.0)
            items.append(LegendItem(status.zh, site_symbol(status.value)))
    return LegendSection("集中隔离场所", tuple(items), "符号大小表示房间数")


def facility_symbol(kind: str) -> Symbol:
    colour, glyph = symbology.FACILITY_STYLES.get(kind, ("#555555", ""))
    return Symbol("marker", colour, edge="white", width=0.4, size=7.0, glyph=glyph)


def _draw_facilities(painter: Painter, content: PrintContent) -> LegendSection | None:
    facilities = painter.visible(content.facilities)
    items = []
    for kind in FacilityKind:
        mine = facilities[facilities["kind"] == kind.value]
        if len(mine):
            painter.points(mine.geometry.values, facility_symbol(kind.value), zorder=6.8)
            items.append(LegendItem(kind.zh, facility_symbol(kind.value)))
    return LegendSection("防疫设施", tuple(items))


_UNIT_LEGEND = tuple((UnitLevel(level), zh) for level, (zh, _) in symbology.UNIT_OUTLINE_LABELS.items())


def unit_symbol(level: str) -> Symbol:
    colour, width = symbology.UNIT_OUTLINES[level]
    return Symbol("line", colour, width=width * PX_TO_PT)


def _draw_units(painter: Painter, content: PrintContent, focus) -> LegendSection:
    drawn = set()
    levels = {UnitLevel.VILLAGE: (UnitLevel.VILLAGE.value, UnitLevel.COMMUNITY.value),
              UnitLevel.TOWN: (UnitLevel.TOWN.value,), UnitLevel.COUNTY: (UnitLevel.COUNTY.value,)}
    for order, (level, stored) in enumerate(levels.items()):
        units = painter.visible(content.units_at(*stored))
        if units.empty:
            continue
        symbol = unit_symbol(level.value)
        painter.polygons(units.geometry.values, edgecolor=symbol.colour, width=symbol.width, zorder=5.0 + 0.01 * order)
        drawn.add(level)
    if focus is not None:
        painter.polygons([focus], edgecolor=symbology.UNIT_OUTLINES["county"][0],
                         width=symbology.UNIT_OUTLINES["county"][1] * PX_TO_PT, zorder=5.1)
    return LegendSection("行政区划", tuple(LegendItem(label, unit_symbol(level.value))
                                        for level, label in _UNIT_LEGEND if level in drawn))


def _draw_labels(painter: Painter, content: PrintContent) -> None:
    """Zone names first, then towns, then (at large scales) villages: earlier labels win a contested spot."""
    for row in painter.visible(content.zones).sort_values("rank").itertuples():
        if row.name:
            painter.label(row.geometry, row.name, size=6.0, bold=True, over_symbols=True)
    for row in painter.visible(content.units_at(UnitLevel.TOWN.value)).itertuples():
        painter.label(row.geometry, row.name, size=8.0, bold=True, over_symbols=True)
    if painter.frame.scale <= VILLAGE_LABEL_MAX_SCALE:
        for row in painter.visible(content.villages).itertuples():
            painter.label(row.geometry, row.name, size=5.2, zorder=7.9)
