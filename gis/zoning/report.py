"""What a zone holds: units, grids, people, isolation sites, facilities and cases, for any zone geometry.

Units and grids count as inside when their representative point is; points count when inside or on the
edge. Population and households are summed over the grids inside (finer than villages), or over the units
when the project has no grids.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import pandas as pd

from gis.glossary import CaseCategory, SnapRule
from gis.zoning.snapping import covered_units


@dataclass(frozen=True)
class ZoneReport:
    """The contents of one zone; ``cases_by_category`` maps every case category (stored value) to a count."""

    units: gpd.GeoDataFrame
    grids: gpd.GeoDataFrame
    population: int
    households: int
    isolation_sites: gpd.GeoDataFrame
    facilities: gpd.GeoDataFrame
    cases_by_category: dict[str, int]


def zone_report(zone, *, units: gpd.GeoDataFrame, grids: gpd.GeoDataFrame, isolation_sites: gpd.GeoDataFrame,
                facilities: gpd.GeoDataFrame, cases: gpd.GeoDataFrame) -> ZoneReport:
    """The report for ``zone`` (a polygon in the storage CRS) over the given layers (storage CRS).

    ``units`` are the control units (villages and communities); cases are counted, never listed.
    """
    inside_units = covered_units(zone, units, rule=SnapRule.CENTROID)
    inside_grids = covered_units(zone, grids, rule=SnapRule.CENTROID)
    population, households = people_in(inside_grids if not grids.empty else inside_units)
    inside_cases = points_inside(zone, cases)
    counts = inside_cases["category"].value_counts()
    return ZoneReport(
        units=inside_units, grids=inside_grids, population=population, households=households,
        isolation_sites=points_inside(zone, isolation_sites), facilities=points_inside(zone, facilities),
        cases_by_category={c.value: int(counts.get(c.value, 0)) for c in CaseCategory},
    )


def people_in(areas: pd.DataFrame) -> tuple[int, int]:
    """(population, households) summed over ``areas`` (units or grids); missing counts count as 0."""
    population, households = (int(pd.to_numeric(areas[column], errors="coerce").fillna(0).sum())
                              for column in ("population", "households"))
    return population, households


def points_inside(zone, points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The rows of ``points`` inside ``zone`` or on its edge, in their original order."""
    if zone is None or zone.is_empty or points.empty:
        return points.iloc[:0]
    return points.iloc[sorted(points.sindex.query(zone, predicate="intersects"))]
