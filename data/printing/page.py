"""One printed map page put together, and the public entry points :func:`print_map` and :func:`render_preview`.

>>> PrintOptions(paper="A3", landscape=True).page.size_mm
(420.0, 297.0)
"""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import matplotlib
import shapely
from matplotlib.figure import Figure

from data.printing import output
from data.printing.basemap import frame_basemap
from data.printing.content import PrintContent, load_content
from data.printing.fonts import cjk_font
from data.printing.inset import draw_overview, overview_height_mm, overview_needed
from data.printing.layout import (
    DEFAULT_SECRECY,
    Box,
    Marginalia,
    Page,
    default_title,
    draw_marginalia,
    draw_neatline,
    new_figure,
    page_regions,
)
from data.printing.legend import LegendSection, draw_legend, legend_height_mm
from data.printing.mapframe import MapFrame, draw_map, frame_for
from data.printing.scalebar import draw_north_arrow, draw_scale_bar, grid_trueness
from data.printing.summary import briefing_tables, draw_table, table_height_mm
from data.project import Project
from gis.crs import STORAGE_CRS
from gis.errors import UserError
from gis.glossary import UnitLevel

SAMPLE_NOTE = "示例数据　非真实疫情"
_BLOCK_GAP = 5.0  # mm on A4 between panel blocks
_OVERVIEW_SHARE = 0.26  # overview width as a share of the map frame's width


@dataclass(frozen=True)
class PrintOptions:
    """Everything the print dialog chooses. ``extent``: None (the county), a unit's name or code, or a
    (min lon, min lat, max lon, max lat) box in the project's coordinates (e.g. the current view)."""

    paper: str = "A4"
    landscape: bool = False
    title: str | None = None
    subtitle: str | None = None
    issuer: str | None = None
    secrecy: str = DEFAULT_SECRECY
    privacy: str = "aggregated"
    extent: str | tuple[float, float, float, float] | None = None
    include_summary: bool = True
    mbtiles: str | Path | None = None

    @property
    def page(self) -> Page:
        return Page(self.paper, self.landscape)


@dataclass(frozen=True)
class PageSubject:
    """What one page shows: a projected extent, optionally a focus polygon (kept bright, counted in the
    summary) and the region its summary counts (None: everything)."""

    extent: tuple[float, float, float, float]
    focus: shapely.Geometry | None = None
    region: shapely.Geometry | None = None
    name: str = ""  # the unit shown, for the default title (empty for the county)


def print_map(project: Project, out_path, *, paper: str = "A4", landscape: bool = False, title: str | None = None,
              subtitle: str | None = None, issuer: str | None = None, secrecy: str = DEFAULT_SECRECY,
              privacy: str = "aggregated", extent=None, include_summary: bool = True, mbtiles=None) -> Path:
    """Print the map of ``project`` to ``out_path``: a vector PDF (``.pdf``) or a 300 dpi PNG (``.png``).

    See :class:`PrintOptions` for the options. Returns the path written (atomically).
    """
    options = PrintOptions(paper, landscape, title, subtitle, issuer, secrecy, privacy, extent, include_summary,
                           mbtiles)
    out_path = output.checked_path(out_path, (".pdf", ".png"))
    content = load_content(project, options.privacy)
    with matplotlib.rc_context(cjk_font().rc()):
        figure = render_page(content, options, subject_for(content, options.extent))
        return output.write(out_path, [figure])


def render_preview(project: Project, *, dpi: float = 50, content: PrintContent | None = None, **options) -> bytes:
    """The page as PNG bytes at ``dpi`` for a live preview (about 0.5 s for a county page at 50 dpi).

    Pass ``content`` (from :func:`data.printing.content.load_content`) to skip re-reading the project while
    only layout options change; ``options`` are those of :func:`print_map`.
    """
    settings = PrintOptions(**options)
    if content is None or content.privacy != settings.privacy:
        content = load_content(project, settings.privacy)
    with matplotlib.rc_context(cjk_font().rc()):
        figure = render_page(content, settings, subject_for(content, settings.extent))
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def subject_for(content: PrintContent, extent) -> PageSubject:
    """Resolve an ``extent`` option (see :class:`PrintOptions`) to what the page shows."""
    if extent is None:
        return PageSubject(_county_extent(content))
    if isinstance(extent, str):
        units = content.units[(content.units["name"] == extent) | (content.units["code"] == extent)]
        if units.empty:
            raise UserError(f"找不到名为“{extent}”的行政区划，无法作为出图范围。",
                            f"No administrative unit named '{extent}' to use as the print extent.")
        focus = shapely.union_all(units.geometry.values)
        name = "" if (units["level"] == UnitLevel.COUNTY.value).any() else "、".join(units["name"].astype(str))
        return PageSubject(focus.bounds, focus, focus, name)
    if isinstance(extent, Sequence) and len(extent) == 4:
        box = shapely.box(*map(float, extent))
        projected = gpd.GeoSeries([shapely.segmentize(box, 0.01)], crs=STORAGE_CRS).to_crs(content.crs).iloc[0]
        return PageSubject(projected.bounds, None, projected)
    raise UserError("出图范围须为空（全县）、行政区划名称或经纬度范围（最小经度, 最小纬度, 最大经度, 最大纬度）。",
                    "The extent must be empty (the county), a unit name, or (min lon, min lat, max lon, max lat).")


def render_page(content: PrintContent, options: PrintOptions, subject: PageSubject, *, title: str | None = None,
                page_label: str = "", badges=()) -> Figure:
    """Draw one page (not saved). ``title`` overrides the options' (the atlas titles each page);
    ``badges`` are passed to :func:`data.printing.mapframe.draw_map`."""
    page = options.page
    regions = page_regions(page)
    fig, paper = new_figure(page)
    frame = frame_for(subject.extent, (regions.map.w, regions.map.h))
    basemap = None
    if options.mbtiles:
        basemap = frame_basemap(options.mbtiles, frame, content.crs, (regions.map.w, regions.map.h))
    sections = draw_map(fig.add_axes(page.fraction(regions.map)), content, frame, page, focus=subject.focus,
                        basemap=basemap, badges=badges)
    draw_neatline(paper, page, regions.map)
    _draw_map_furniture(fig, paper, page, regions.map, content, frame, subject)
    tables = _summary_tables(content, subject) if options.include_summary else []
    _draw_panel(paper, page, regions.panel, sections, tables)
    title = title or options.title or default_title("", content.place_name + subject.name)
    draw_marginalia(paper, page, regions, _marginalia(content, options, title, page_label))
    return fig


def _draw_map_furniture(fig, paper, page: Page, box: Box, content: PrintContent, frame: MapFrame,
                        subject: PageSubject) -> None:
    """North arrow (top right), scale (bottom left) and the overview (bottom right) inside the frame."""
    trueness = grid_trueness(content.crs, *frame.centre)
    draw_north_arrow(paper, page, box.right - page.mm(8), box.top - page.mm(10), trueness.convergence_deg)
    draw_scale_bar(paper, page, box.x + page.mm(2.5), box.y + page.mm(2.5), frame.scale, trueness)
    if overview_needed(content, frame):
        width = box.w * _OVERVIEW_SHARE
        height = min(overview_height_mm(page, content, width), box.h * 0.4)
        inset = Box(box.right - width - page.mm(4), box.y + page.mm(4), width, height)
        draw_overview(fig, paper, page, inset, content, frame, subject.focus)


def _summary_tables(content: PrintContent, subject: PageSubject):
    villages, zones, sites = content.villages, content.zones, content.sites
    if subject.region is not None:
        villages = villages[villages.representative_point().within(subject.region)]
        zones = zones[zones.intersects(subject.region)]
        sites = sites[sites.within(subject.region)]
    return briefing_tables(villages, zones, sites, content.tiers)


def _draw_panel(paper, page: Page, box: Box, sections: list[LegendSection], tables) -> None:
    """Legend and summary tables, stacked (landscape) or side by side (portrait), shrunk to fit if needed."""
    side_by_side = not page.landscape and tables
    legend_w = box.w * 0.56 if side_by_side else box.w
    for zoom in (1.0, 0.92, 0.85, 0.78, 0.72):
        fitted = dataclasses.replace(page, zoom=zoom)
        legend_h = legend_height_mm(fitted, sections, legend_w)
        tables_h = sum(table_height_mm(fitted, t) + fitted.mm(_BLOCK_GAP) for _, t in tables)
        needed = max(legend_h, tables_h) if side_by_side else legend_h + tables_h
        if needed <= box.h:
            break
    draw_legend(paper, fitted, Box(box.x, box.y, legend_w, box.h), sections)
    if side_by_side:
        table_box = Box(box.x + legend_w + fitted.mm(_BLOCK_GAP), box.y, box.w - legend_w - fitted.mm(_BLOCK_GAP),
                        box.h)
    else:
        table_box = Box(box.x, box.y, box.w, box.h - legend_h - fitted.mm(_BLOCK_GAP))
    for title, table in tables:
        used = draw_table(paper, fitted, table_box, title, table)
        table_box = Box(table_box.x, table_box.y, table_box.w, table_box.h - used - fitted.mm(_BLOCK_GAP))


def _marginalia(content: PrintContent, options: PrintOptions, title: str, page_label: str) -> Marginalia:
    attribution = content.attribution.splitlines()[0] if content.attribution else ""
    return Marginalia(
        title=title,
        subtitle=options.subtitle or "",
        data_time=content.data_time, issuer=options.issuer or "", secrecy=options.secrecy or "",
        sample_note=SAMPLE_NOTE if content.is_sample else "", attribution=attribution, page_label=page_label,
    )


def _county_extent(content: PrintContent) -> tuple[float, float, float, float]:
    if content.county is not None:
        return content.county.bounds
    return tuple(content.units.total_bounds) if len(content.units) else content.extent
