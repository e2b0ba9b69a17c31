"""Briefing figures shown beside the map and in the Excel report: zones by tier with the villages
(communities) and population under each tier, and isolation capacity by site status.

A village counts under the highest tier among the active zones that contain its representative point
(overlapping zones resolve to the highest tier, so every village is counted once).
"""

from __future__ import annotations

import numbers

import geopandas as gpd
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle

from data.printing.layout import INK, Box, Page, text_width_mm
from data.printing.tiers import TierStyle
from gis.capacity import site_rooms
from gis.glossary import SiteStatus

TIER_COLUMNS = {"label": "等级", "zones": "区域数", "units": "村（社区）数", "population": "人口", "households": "户数"}
CAPACITY_COLUMNS = {"label": "状态", "sites": "场所数", "rooms": "房间", "occupied": "已用", "reserved": "预留",
                    "free": "空余"}

_TITLE_ROW, _ROW, _RULE_GAP = 5.0, 3.9, 0.6  # mm on A4
_TITLE_PT, _CELL_PT = 7.8, 6.8
_HEADER_FILL = "#ececec"


def unit_tiers(villages: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, tiers: list[TierStyle]) -> pd.Series:
    """The effective tier key of each village inside an active zone (indexed like ``villages``): the
    highest tier among the zones holding its representative point. ``villages`` and ``zones`` share a CRS."""
    if villages.empty or zones.empty:
        return pd.Series(dtype="object")
    rank = {s.key: i for i, s in enumerate(tiers)}
    points = gpd.GeoDataFrame(geometry=villages.representative_point(), crs=villages.crs)
    joined = gpd.sjoin(points, zones[["tier", "geometry"]], predicate="within", how="inner")
    joined["rank"] = joined["tier"].map(rank)
    return joined.sort_values("rank").groupby(level=0)["tier"].first()


def units_by_tier(villages: gpd.GeoDataFrame, zones: gpd.GeoDataFrame, tiers: list[TierStyle]) -> pd.DataFrame:
    """One row per tier (top first): ``tier``, ``label``, ``zones``, ``units``, ``population``, ``households``
    (see :func:`unit_tiers`)."""
    effective = unit_tiers(villages, zones, tiers)
    rows = []
    for style in tiers:
        members = villages.loc[effective.index[effective == style.key]]
        rows.append({"tier": style.key, "label": style.label, "zones": int((zones["tier"] == style.key).sum()),
                     "units": len(members), "population": int(members["population"].fillna(0).sum()),
                     "households": int(members["households"].fillna(0).sum())})
    return pd.DataFrame(rows, columns=["tier", *TIER_COLUMNS])


def capacity_by_status(sites: pd.DataFrame) -> pd.DataFrame:
    """One row per site status: ``status``, ``label``, ``sites``, ``rooms``, ``occupied``, ``reserved`` and
    ``free`` (rooms ready to take people: active sites only, as :func:`gis.capacity.site_rooms` counts them)."""
    free = site_rooms(sites)["free"]
    rows = []
    for status in SiteStatus:
        mine = sites["status"] == status.value
        rows.append({"status": status.value, "label": status.zh, "sites": int(mine.sum()),
                     **{c: int(sites.loc[mine, c].fillna(0).sum()) for c in ("rooms", "occupied", "reserved")},
                     "free": int(free[mine].sum())})
    return pd.DataFrame(rows, columns=["status", *CAPACITY_COLUMNS])


def with_total(table: pd.DataFrame, label_column: str = "label") -> pd.DataFrame:
    """``table`` with a "合计" row summing its numeric columns."""
    total = {c: (int(table[c].sum()) if pd.api.types.is_numeric_dtype(table[c]) else "") for c in table.columns}
    total[label_column] = "合计"
    return pd.concat([table, pd.DataFrame([total])], ignore_index=True)


def briefing_tables(villages, zones, sites, tiers) -> list[tuple[str, pd.DataFrame]]:
    """The two summary tables printed beside a map, titled and with Chinese headers."""
    tier_table = with_total(units_by_tier(villages, zones, tiers)).drop(columns=["tier", "households"])
    capacity = with_total(capacity_by_status(sites)).drop(columns=["status", "reserved"])
    return [("管控区域统计", tier_table.rename(columns=TIER_COLUMNS)),
            ("集中隔离场所容量", capacity.rename(columns=CAPACITY_COLUMNS))]


def table_height_mm(page: Page, table: pd.DataFrame) -> float:
    return page.mm(_TITLE_ROW + _ROW * (len(table) + 1) + 2 * _RULE_GAP)


def draw_table(paper: Axes, page: Page, box: Box, title: str, table: pd.DataFrame) -> float:
    """Draw a titled table at the top of ``box`` (three rules, header shaded, numbers right-aligned);
    returns the height used in mm."""
    y = box.top
    paper.text(box.x, y - page.mm(_TITLE_ROW) / 2, title, ha="left", va="center", fontsize=page.pt(_TITLE_PT),
               weight="bold", color=INK)
    y -= page.mm(_TITLE_ROW)
    cells = [list(table.columns)] + [[_cell_text(v) for v in row] for row in table.itertuples(index=False)]
    widths = [max(text_width_mm(row[i], page.pt(_CELL_PT), bold=True) for row in cells)
              for i in range(len(table.columns))]
    spare = max(box.w - sum(widths), 0) / len(widths)
    lefts = [box.x + sum(widths[:i]) + spare * i for i in range(len(widths))]
    row_h = page.mm(_ROW)
    paper.add_patch(Rectangle((box.x, y - row_h), box.w, row_h, facecolor=_HEADER_FILL, edgecolor="none"))
    _rule(paper, page, box, y, 0.8)
    for r, row in enumerate(cells):
        centre = y - row_h * (r + 0.5) - (page.mm(_RULE_GAP) if r else 0)
        bold = r == 0 or row[0] == "合计"
        for i, value in enumerate(row):  # the label column left-aligned, numbers right-aligned
            x = box.x if i == 0 else lefts[i] + widths[i] + spare
            paper.text(x, centre, value, ha="right" if i else "left", va="center", fontsize=page.pt(_CELL_PT),
                       weight="bold" if bold else "normal", color=INK)
        if r == 0:
            _rule(paper, page, box, y - row_h, 0.4)
    bottom = y - row_h * len(cells) - page.mm(2 * _RULE_GAP)
    _rule(paper, page, box, bottom, 0.8)
    return box.top - bottom


def _rule(paper: Axes, page: Page, box: Box, y: float, width_pt: float) -> None:
    paper.add_line(Line2D([box.x, box.right], [y, y], color=INK, linewidth=page.pt(width_pt)))


def _cell_text(value) -> str:
    return f"{value:,}" if isinstance(value, numbers.Integral) else str(value)
