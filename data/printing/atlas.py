"""The atlas: one PDF with a cover (the county overview, each page's area numbered) and one page per town,
per control zone, or per grid of a chosen town, each with its own map, legend, scale and summary.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import matplotlib

from data.atomic import atomic_output
from data.printing import output
from data.printing.content import PrintContent, load_content
from data.printing.fonts import cjk_font
from data.printing.layout import DEFAULT_SECRECY, TITLE_SUFFIX
from data.printing.page import PageSubject, PrintOptions, render_page, subject_for
from data.project import Project
from gis.errors import UserError
from gis.glossary import UnitLevel

ATLAS_KINDS = ("town", "zone", "grid")
PAGES_PER_BATCH = 12  # figures held in memory at once while writing


@dataclass(frozen=True)
class AtlasPage:
    """One page of the atlas: its title and what it shows."""

    title: str
    subject: PageSubject


def print_atlas(project: Project, out_path, *, by: str = "town", town: str | None = None, paper: str = "A4",
                landscape: bool = False, title: str | None = None, subtitle: str | None = None,
                issuer: str | None = None, secrecy: str = DEFAULT_SECRECY, privacy: str = "aggregated",
                include_summary: bool = True, mbtiles=None, progress: Callable[[int, str], None] | None = None,
                cancelled: Callable[[], bool] = lambda: False) -> Path:
    """Write an atlas PDF of ``project``: a cover, then one page per town (``by="town"``), per active
    control zone (``"zone"``) or per grid of ``town`` (``"grid"``). ``title`` is the cover's title; the
    other options are those of :func:`data.printing.print_map`. Returns the path written.

    ``progress(percent, label)`` hears after each batch of pages; when ``cancelled()`` turns true the atlas
    stops with :class:`AtlasCancelled` and no file is left behind."""
    out_path = output.checked_path(out_path, (".pdf",))
    options = PrintOptions(paper, landscape, title, subtitle, issuer, secrecy, privacy, None, include_summary, mbtiles)
    content = load_content(project, privacy)
    pages = atlas_pages(content, by, town)
    total = len(pages) + 1
    place = content.place_name + (_chosen_town(content, town)["name"] if by == "grid" else "")
    cover_title = title or f"{place}{TITLE_SUFFIX}集"
    cover = dataclasses.replace(options, subtitle=subtitle or "图中编号为图集页码",
                                extent=town if by == "grid" else None)
    badges = [(page.subject.focus, str(number)) for number, page in enumerate(pages, start=2)]
    with matplotlib.rc_context(cjk_font().rc()), atomic_output(out_path) as tmp, \
            output.pdf_pages(tmp, {"Title": cover_title}) as add_pages:
        add_pages([render_page(content, cover, subject_for(content, cover.extent), title=cover_title,
                               page_label=_page_label(1, total), badges=badges)])
        for start in range(0, len(pages), PAGES_PER_BATCH):
            if cancelled():
                raise AtlasCancelled()
            if progress:
                progress(round(100 * (start + 1) / total), f"{start + 1}/{total}")
            batch = pages[start:start + PAGES_PER_BATCH]
            add_pages([render_page(content, options, page.subject, title=page.title,
                                   page_label=_page_label(start + i + 2, total)) for i, page in enumerate(batch)])
    return out_path


class AtlasCancelled(UserError):
    """The user stopped the atlas; nothing was written."""

    def __init__(self):
        super().__init__("已取消生成图集，未写入文件。", "Atlas cancelled; no file was written.")


def atlas_pages(content: PrintContent, by: str, town: str | None = None) -> list[AtlasPage]:
    """The pages of an atlas ``by`` town, zone or grid (of ``town``), in order."""
    if by == "town":
        towns = content.units_at(UnitLevel.TOWN.value)
        pages = [_unit_page(f"{content.place_name}{row.name}{TITLE_SUFFIX}", row.geometry)
                 for row in towns.sort_values("code").itertuples()]
    elif by == "zone":
        zones = content.zones.sort_values(["rank", "name"], na_position="last")
        pages = [_unit_page(_zone_title(row.name, content.tier_style(row.tier).label, row.Index), row.geometry)
                 for row in zones.itertuples()]
    elif by == "grid":
        pages = _grid_pages(content, town)
    else:
        raise UserError(f"图集须按 town（乡镇）、zone（管控区域）或 grid（网格）分页，不能是“{by}”。",
                        f"An atlas is paged by town, zone or grid, not '{by}'.")
    if not pages:
        what = {"town": "乡镇（街道）", "zone": "生效的管控区域", "grid": "网格"}[by]
        raise UserError(f"项目中没有{what}，无法生成图集。", f"The project has no {by}s to make atlas pages from.")
    return pages


def _chosen_town(content: PrintContent, town: str | None):
    """The town row named (or coded) ``town``; a UserError listing the towns if there is none."""
    towns = content.units_at(UnitLevel.TOWN.value)
    chosen = towns[(towns["name"] == town) | (towns["code"] == town)] if town else towns.iloc[0:0]
    if chosen.empty:
        names = "、".join(towns["name"].astype(str))
        raise UserError(f"按网格分页须指定一个乡镇（街道）：{names}",
                        f"A grid atlas needs one town: {', '.join(towns['name'].astype(str))}")
    return chosen.iloc[0]


def _grid_pages(content: PrintContent, town: str | None) -> list[AtlasPage]:
    chosen = _chosen_town(content, town)
    grids = content.grids[content.grids.representative_point().within(chosen.geometry)]
    return [_unit_page(f"{chosen['name']}{row.name or row.code}疫情防控图", row.geometry)
            for row in grids.sort_values("code").itertuples()]


def _zone_title(name: str | None, tier_label: str, fid: int) -> str:
    """E.g. "裕华苑社区等封控区管控区域图", or "封控区（编号 7）管控区域图" for a zone without a name."""
    if not name:
        return f"{tier_label}（编号 {fid}）管控区域图"
    return f"{name}{'' if tier_label in name else f'（{tier_label}）'}管控区域图"


def _unit_page(title: str, geometry) -> AtlasPage:
    return AtlasPage(title, PageSubject(geometry.bounds, geometry, geometry))


def _page_label(number: int, total: int) -> str:
    return f"第 {number} 页　共 {total} 页"
