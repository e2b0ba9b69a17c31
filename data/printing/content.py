"""What a print shows, read once from the project and projected into the local Gauss-Krüger zone.

Only printable columns are read: place names, tiers, kinds, statuses and counts. Personal fields
(``Field.personal``: names, ID numbers, phone numbers) are never read into a print, and in the
"aggregated" privacy mode case points are not kept at all (only their counts per grid).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import geopandas as gpd
import pandas as pd
import shapely
from pyproj import CRS

from data.printing.tiers import TierStyle, tier_styles, with_unknown_tiers
from data.project import Project
from data.schema import layer_spec
from data.stats_store import grid_infections
from gis.crs import STORAGE_CRS, metric_crs_for
from gis.errors import UserError
from gis.glossary import UnitLevel, ZoneStatus

PRIVACY_MODES = ("aggregated", "exact")
EMPTY_PROJECT_CENTRE = (112.0, 34.0)
"""Where (lon, lat) the frame of a project without any feature is put: an empty page still gets its title,
margins and scale (central China; the metric CRS's zone is chosen from its longitude)."""
EMPTY_PROJECT_SIZE_M = 30_000.0
SAMPLE_SUFFIX = re.compile(r"\s*[（(]\s*示例数据\s*[)）]\s*$")

_COLUMNS = {  # layer -> printable columns read for prints
    "admin_units": ["code", "name", "level", "parent_code", "population", "households"],
    "grids": ["code", "name", "unit_code", "population"],
    "control_zones": ["name", "tier", "kind", "status", "unit_codes"],
    "isolation_sites": ["name", "rooms", "occupied", "reserved", "status"],
    "facilities": ["name", "kind"],
    "cases": ["category", "grid_code"],
    "key_persons": ["category"],
}


@dataclass
class PrintContent:
    """A project's printable layers in a metric CRS (``crs``), plus what the margins need."""

    place_name: str  # the county's name, e.g. "济源市"
    is_sample: bool
    attribution: str
    data_time: dt.datetime | None  # the last change recorded in the project
    privacy: str
    crs: CRS
    county: shapely.Geometry | None
    extent: tuple[float, float, float, float]  # projected bounds of everything (a nominal box if nothing)
    units: gpd.GeoDataFrame  # towns, villages and communities (and the county row)
    grids: gpd.GeoDataFrame  # with ``infections`` per grid (as on the screen map, see stats_store.grid_infections)
    zones: gpd.GeoDataFrame  # active zones with ``rank`` (0 = top tier)
    tiers: list[TierStyle]
    sites: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    cases: gpd.GeoDataFrame  # case points (category only); empty in the aggregated mode
    key_persons: gpd.GeoDataFrame  # key persons' points (category only); empty in the aggregated mode
    case_categories: pd.Series  # number of rows of ``cases`` by category

    def units_at(self, *levels: str) -> gpd.GeoDataFrame:
        """Units of the given levels."""
        return self.units[self.units["level"].isin(levels)]

    @property
    def villages(self) -> gpd.GeoDataFrame:
        """Villages and communities (the units zones are counted in)."""
        return self.units_at(UnitLevel.VILLAGE.value, UnitLevel.COMMUNITY.value)

    def tier_style(self, key: str) -> TierStyle:
        return next(s for s in self.tiers if s.key == key)


def place_name(project_name: str) -> str:
    """The project's name without a trailing "（示例数据）".

    >>> place_name("济源市（示例数据）")
    '济源市'
    """
    return SAMPLE_SUFFIX.sub("", project_name or "").strip()


def load_content(project: Project, privacy: str = "aggregated") -> PrintContent:
    """Read everything a print of ``project`` may draw, in ``privacy`` mode ("aggregated" or "exact")."""
    if privacy not in PRIVACY_MODES:
        raise UserError(f"隐私模式须为 aggregated（汇总）或 exact（精确点位），不能是“{privacy}”。",
                        f"Privacy mode must be 'aggregated' or 'exact', not '{privacy}'.")
    meta = project.metadata
    layers = {name: _printable_layer(project, name) for name in _COLUMNS}
    extent = _data_extent(layers)
    crs = metric_crs_for(extent if extent is not None else EMPTY_PROJECT_CENTRE[0])
    metric = {name: frame.to_crs(crs) for name, frame in layers.items()}
    units = metric["admin_units"]
    county_rows = units[units["level"] == UnitLevel.COUNTY.value]

    cases = metric["cases"]
    grids = metric["grids"]
    grids["infections"] = grid_infections(project).reindex(grids.index, fill_value=0).astype(int)
    zones = metric["control_zones"]
    zones = zones[zones["status"].fillna(ZoneStatus.ACTIVE.value) != ZoneStatus.LIFTED.value]
    tiers = with_unknown_tiers(tier_styles(project), zones["tier"])
    zones = zones.assign(rank=zones["tier"].map({s.key: i for i, s in enumerate(tiers)}))
    name = place_name(meta.get("name", "")) or (str(county_rows["name"].iloc[0]) if len(county_rows) else "")
    return PrintContent(
        place_name=name, is_sample=bool(meta.get("is_sample")), attribution=meta.get("attribution", "") or "",
        data_time=_last_change(project), privacy=privacy, crs=crs,
        county=shapely.union_all(county_rows.geometry.values) if len(county_rows) else None,
        extent=_projected_extent(extent, crs),
        units=units, grids=grids, zones=zones.sort_values("rank", ascending=False), tiers=tiers,
        sites=metric["isolation_sites"], facilities=metric["facilities"],
        cases=cases[["category", "geometry"]] if privacy == "exact" else cases.iloc[0:0][["category", "geometry"]],
        key_persons=metric["key_persons"] if privacy == "exact" else metric["key_persons"].iloc[0:0],
        case_categories=cases["category"].value_counts(),
    )


def _printable_layer(project: Project, name: str) -> gpd.GeoDataFrame:
    spec = layer_spec(name)
    columns = _COLUMNS[name]
    personal = [c for c in columns if spec.field(c).personal]
    if personal:  # a guard against a future edit of _COLUMNS
        raise ValueError(f"personal fields must never be printed: {personal}")
    frame = project.read_layer(name)
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    return gpd.GeoDataFrame(frame[columns], geometry=frame.geometry, crs=STORAGE_CRS)


def _data_extent(layers: dict[str, gpd.GeoDataFrame]):
    """The box around every feature (storage CRS), or None for an empty project."""
    bounds = [frame.total_bounds for frame in layers.values() if len(frame)]
    if not bounds:
        return None
    return shapely.box(min(b[0] for b in bounds), min(b[1] for b in bounds),
                       max(b[2] for b in bounds), max(b[3] for b in bounds))


def _projected_extent(extent, crs: CRS) -> tuple[float, float, float, float]:
    """``extent`` (storage CRS) as bounds in ``crs``; a nominal square at :data:`EMPTY_PROJECT_CENTRE` if None."""
    if extent is None:
        centre = gpd.GeoSeries([shapely.Point(EMPTY_PROJECT_CENTRE)], crs=STORAGE_CRS).to_crs(crs).iloc[0]
        return tuple(centre.buffer(EMPTY_PROJECT_SIZE_M / 2, cap_style="square").bounds)
    return tuple(gpd.GeoSeries([extent], crs=STORAGE_CRS).to_crs(crs).total_bounds)


def _last_change(project: Project) -> dt.datetime | None:
    log = project.read_layer("audit_log", where="log_id = (SELECT max(log_id) FROM audit_log)")
    if log.empty or not log["at"].iloc[0]:
        return None
    return dt.datetime.fromisoformat(str(log["at"].iloc[0]))
